import { randomBytes, randomUUID } from 'node:crypto';
import type { Kysely } from 'kysely';
import type { Database } from '../../platform/db/schema.ts';
import { recordAudit } from '../../platform/audit.repository.ts';
import { isUniqueViolation } from '../../platform/db/errors.ts';
import { dateInZone } from '../../domain/dates.ts';
import { formatRublesRu } from '../../domain/format.ts';
import { parseRubles } from '../../domain/money.ts';
import {
  checkRegisters,
  parseReadingValue,
  type RegisterCheck,
  type SuspicionReason,
} from '../../domain/readings.ts';
import { zonesFor } from '../../domain/tariff.ts';
import * as readingsRepo from '../readings/readings.repository.ts';
import { GatewayError, type OrderBundle } from './gateway.ts';
import { CALLBACK_PATH, RETURN_PATH, type PaymentsDeps } from './payments.deps.ts';
import * as repo from './payments.repository.ts';
import { resultPath } from './payments.result.ts';
import { fiscalReceipt } from './receipt.ts';

/** The form as posted, with its messages, when it is shown again. */
export interface PaymentFormState {
  amount: string;
  values: string[];
  amountError?: string;
  readingErrors?: string[];
  /** A suspicious reading: the customer confirms it with the checkbox and sends the form again. */
  readingCheck?: { registers: RegisterCheck[]; reason: SuspicionReason };
  confirmReading?: boolean;
  formError?: string;
}

/** The sum as typed → kopecks within the portal's limits, or the message shown next to the field. */
export function checkAmount(
  input: string,
  limits: { minKop: number; maxKop: number },
): { ok: true; kop: number } | { ok: false; message: string } {
  const parsed = parseRubles(input);
  if (!parsed.ok) {
    return parsed;
  }
  if (parsed.kopecks <= 0) {
    return { ok: false, message: 'Сумма платежа должна быть больше нуля.' };
  }
  if (parsed.kopecks < limits.minKop) {
    return { ok: false, message: `Минимальная сумма платежа — ${formatRublesRu(limits.minKop)}.` };
  }
  if (parsed.kopecks > limits.maxKop) {
    return {
      ok: false,
      message: `Сумма одного платежа не может быть больше ${formatRublesRu(limits.maxKop)}.`,
    };
  }
  return { ok: true, kop: parsed.kopecks };
}

export interface CreateOrderInput {
  /** The button pressed: «Оплатить картой» or «Оплатить через СБП». */
  method: repo.PaymentMethod;
  accountId: number;
  formKey: string;
  amount: string;
  meterId: number;
  values: string[];
  confirmReading: boolean;
  ip: string;
}

export type CreateOrderResult =
  | { kind: 'invalid'; state: PaymentFormState; keepKey: boolean }
  | { kind: 'unavailable'; state: PaymentFormState }
  | { kind: 'redirect'; url: string };

const KEY_PATTERN = /^[0-9a-f-]{36}$/;
const ORDER_ALPHABET = 'ABCDEFGHJKLMNPQRSTUVWXYZ23456789';

/** "LK260610-7QK3M9X2": no long digit runs, so it never looks like a card number in a scan. */
export function newOrderNumber(now: Date, timeZone: string): string {
  const date = dateInZone(now, timeZone).replaceAll('-', '').slice(2);
  const bytes = randomBytes(8);
  let tail = '';
  for (const b of bytes) {
    tail += ORDER_ALPHABET[b % ORDER_ALPHABET.length];
  }
  return `LK${date}-${tail}`;
}

/**
 * The order form: checks the sum and the optional reading, registers the order with the bank and
 * returns the bank's payment page. The form's key makes it idempotent: a double click, a reload or
 * two requests at once lead to one order and the same payment page.
 */
export async function createOrder(deps: PaymentsDeps, input: CreateOrderInput): Promise<CreateOrderResult> {
  const state: PaymentFormState = {
    amount: input.amount.slice(0, 40),
    values: input.values.map((v) => v.slice(0, 20)),
  };
  if (!KEY_PATTERN.test(input.formKey)) {
    return {
      kind: 'invalid',
      keepKey: false,
      state: { ...state, formError: 'Форма устарела. Обновите страницу и введите сумму ещё раз.' },
    };
  }

  const existing = await repo.findByFormKey(deps.db, input.accountId, input.formKey);
  if (existing) {
    return afterExisting(deps, existing, state);
  }

  const checked = await validateOrder(deps, input, state);
  if (checked.kind !== 'valid') {
    return checked;
  }
  const draft = await draftOrder(deps, input, checked.amountKop, checked.reading);
  const stored = await insertOrder(deps, input, draft);
  if (stored.kind === 'twin') {
    return afterExisting(deps, stored.order, state);
  }
  return registerWithBank(deps, input, draft, stored, state);
}

/** The sum and the reading as checked: valid, or the form again with its messages. */
async function validateOrder(
  deps: PaymentsDeps,
  input: CreateOrderInput,
  state: PaymentFormState,
): Promise<CreateOrderResult | { kind: 'valid'; amountKop: number; reading: ReadingCheck }> {
  const amount = checkAmount(input.amount, deps.config);
  if (!amount.ok) {
    state.amountError = amount.message;
  }
  const reading = await checkReading(deps.db, input);
  if (reading.kind === 'invalid') {
    if (reading.errors) {
      state.readingErrors = reading.errors;
    }
    if (reading.check) {
      state.readingCheck = reading.check;
      state.confirmReading = false;
    }
  }
  if (state.amountError || state.readingErrors || state.readingCheck) {
    return { kind: 'invalid', state, keepKey: true };
  }
  if (!amount.ok) {
    throw new Error('unreachable');
  }
  return { kind: 'valid', amountKop: amount.kop, reading };
}

/** What is stored and sent to the bank for a valid form: the payer's order and its fiscal receipt. */
interface OrderDraft {
  accountNumber: string;
  amountKop: number;
  reading: ReadingCheck;
  now: Date;
  description: string;
  orderBundle: OrderBundle;
  receipt: string;
}

async function draftOrder(
  deps: PaymentsDeps,
  input: CreateOrderInput,
  amountKop: number,
  reading: ReadingCheck,
): Promise<OrderDraft> {
  const payer = await repo.findPayer(deps.db, input.accountId);
  if (!payer) {
    throw new Error('the session account has no row');
  }
  const now = deps.clock.now();
  const { orderBundle, receipt } = fiscalReceipt(payer, amountKop, deps.config);
  return {
    accountNumber: payer.number,
    amountKop,
    reading,
    now,
    description: `Оплата электроэнергии, лицевой счёт ${payer.number}`,
    orderBundle,
    receipt,
  };
}

/** The order's row, once inserted. */
interface StoredOrder {
  id: number;
  orderNumber: string;
}

/**
 * The new order's row under a fresh order number; or, when the same form is being posted at once,
 * the order of the other request, which registers it.
 */
async function insertOrder(
  deps: PaymentsDeps,
  input: CreateOrderInput,
  draft: OrderDraft,
): Promise<({ kind: 'stored' } & StoredOrder) | { kind: 'twin'; order: repo.PaymentOrder }> {
  const { db } = deps;
  const { now, reading } = draft;
  let id = 0;
  let orderNumber = '';
  for (let attempt = 0; id === 0; attempt++) {
    orderNumber = newOrderNumber(now, deps.timeZone);
    try {
      id = await repo.insertOrder(db, {
        method: input.method,
        orderNumber,
        accountId: input.accountId,
        formKey: input.formKey,
        gateway: deps.gateway.name,
        amountKop: draft.amountKop,
        description: draft.description,
        clientIp: input.ip,
        reading:
          reading.kind === 'reading'
            ? { meterId: reading.meterId, values: reading.values, key: randomUUID() }
            : null,
        receipt: draft.receipt,
        now: now.getTime(),
        expiresAt: now.getTime() + sessionSecs(deps, input.method) * 1000,
      });
    } catch (err) {
      if (!isUniqueViolation(err)) {
        throw err;
      }
      // The same form posted twice at once: the other request registers the order.
      const twin = await repo.findByFormKey(db, input.accountId, input.formKey);
      if (twin) {
        return { kind: 'twin', order: twin };
      }
      // An order number taken: try another, up to three times.
      if (attempt >= 3) {
        throw err;
      }
    }
  }
  return { kind: 'stored', id, orderNumber };
}

/**
 * Registers the stored order with the bank and records the answer with its audit event, in one
 * transaction: the bank's payment page, or the form again when the bank refused or did not answer.
 */
async function registerWithBank(
  deps: PaymentsDeps,
  input: CreateOrderInput,
  draft: OrderDraft,
  { id, orderNumber }: StoredOrder,
  state: PaymentFormState,
): Promise<CreateOrderResult> {
  const { db } = deps;
  const back = `${deps.publicUrl}${RETURN_PATH}`;
  try {
    const reg = await deps.gateway.register({
      orderNumber,
      amountKop: draft.amountKop,
      currency: 643,
      returnUrl: back,
      failUrl: back,
      callbackUrl: `${deps.publicUrl}${CALLBACK_PATH}`,
      description: draft.description,
      sessionTimeoutSecs: sessionSecs(deps, input.method),
      taxSystem: deps.config.taxSystem,
      orderBundle: draft.orderBundle,
      jsonParams: { account: draft.accountNumber },
    });
    // СБП: the bank's dynamic QR for the order, shown on our own page (the result page's address).
    const qr = input.method === 'sbp' ? await deps.gateway.sbpQr(reg.orderId) : null;
    const payUrl = qr ? resultPath(orderNumber) : reg.formUrl;
    await db.transaction().execute(async (tx) => {
      await repo.markRegistered(
        tx,
        id,
        reg.orderId,
        payUrl,
        deps.clock.now().getTime(),
        qr && { id: qr.qrId, payload: qr.payload },
      );
      await recordAudit(tx, deps.clock.now(), {
        event: 'payment',
        outcome: 'registered',
        accountNumber: draft.accountNumber,
        ip: input.ip,
        details: {
          order: orderNumber,
          bankOrder: reg.orderId,
          amountKop: draft.amountKop,
          gateway: deps.gateway.name,
          method: input.method,
          reading: draft.reading.kind === 'reading',
        },
      });
    });
    return { kind: 'redirect', url: payUrl };
  } catch (err) {
    if (!(err instanceof GatewayError)) {
      throw err;
    }
    await recordRegisterFailed(deps, input, draft, { id, orderNumber }, err);
    return { kind: 'unavailable', state: { ...state, formError: unavailableMessage(err) } };
  }
}

/** How long the customer has to pay: the bank's card page's session, or the QR code's life. */
function sessionSecs(deps: PaymentsDeps, method: repo.PaymentMethod): number {
  return method === 'sbp' ? deps.config.sbp.qrSeconds : deps.config.sessionTimeoutSecs;
}

/** The bank refused the order or did not answer: the order fails, with its audit event. */
async function recordRegisterFailed(
  deps: PaymentsDeps,
  input: CreateOrderInput,
  draft: OrderDraft,
  { id, orderNumber }: StoredOrder,
  err: GatewayError,
): Promise<void> {
  deps.log.warn(
    { order: orderNumber, gateway: deps.gateway.name, code: err.code },
    'payment registration failed',
  );
  await deps.db.transaction().execute(async (tx) => {
    await repo.changeStatus(
      tx,
      id,
      ['new'],
      'failed',
      `register:${err.code}`.slice(0, 60),
      deps.clock.now().getTime(),
    );
    await recordAudit(tx, deps.clock.now(), {
      event: 'payment',
      outcome: 'register_failed',
      accountNumber: draft.accountNumber,
      ip: input.ip,
      details: {
        order: orderNumber,
        amountKop: draft.amountKop,
        gateway: deps.gateway.name,
        code: err.code.slice(0, 40),
      },
    });
  });
}

function unavailableMessage(err: GatewayError): string {
  return err.kind === 'unavailable'
    ? 'Банк сейчас не отвечает, деньги не списаны. Пожалуйста, повторите попытку через несколько минут.'
    : 'Банк не принял заказ на оплату, деньги не списаны. Пожалуйста, повторите попытку позже или оплатите по квитанции.';
}

/** A form posted again: its order's payment page while it is open, else its result. */
async function afterExisting(
  deps: PaymentsDeps,
  found: repo.PaymentOrder,
  state: PaymentFormState,
): Promise<CreateOrderResult> {
  let order = found;
  // The twin request is still talking to the bank: wait for its answer (at most the bank's timeout).
  const deadline = Date.now() + (deps.config.rbs?.timeoutMs ?? 5000) + 1000;
  while (order.status === 'new' && Date.now() < deadline) {
    await new Promise((r) => setTimeout(r, 25));
    order = (await repo.findById(deps.db, order.id)) ?? order;
  }
  if (order.status === 'registered' && order.formUrl && deps.clock.now().getTime() < order.expiresAt) {
    return { kind: 'redirect', url: order.formUrl };
  }
  if (order.status === 'failed' || order.status === 'new') {
    return {
      kind: 'unavailable',
      state: {
        ...state,
        formError: 'Банк не принял заказ на оплату, деньги не списаны. Пожалуйста, повторите попытку.',
      },
    };
  }
  return { kind: 'redirect', url: resultPath(order.orderNumber) };
}

type ReadingCheck =
  | { kind: 'none' }
  | { kind: 'reading'; meterId: number; values: number[] }
  | { kind: 'invalid'; errors?: string[]; check?: { registers: RegisterCheck[]; reason: SuspicionReason } };

/** The optional reading, by the readings rules: the same parsing, and a suspicious one is confirmed. */
async function checkReading(db: Kysely<Database>, input: CreateOrderInput): Promise<ReadingCheck> {
  if (input.values.every((v) => v.trim() === '')) {
    return { kind: 'none' };
  }
  const meter =
    input.meterId > 0 ? await readingsRepo.findMeter(db, input.accountId, input.meterId) : undefined;
  if (!meter || meter.removedOn !== null) {
    return { kind: 'invalid', errors: ['Счётчик не найден. Обновите страницу или оплатите без показания.'] };
  }
  const zones = zonesFor(meter.zones);
  const parsed = zones.map((_, i) => parseReadingValue(input.values[i] ?? '', meter.digits));
  const errors = parsed.map((p) => (p.ok ? '' : p.message));
  if (errors.some(Boolean)) {
    return { kind: 'invalid', errors };
  }
  const values = parsed.map((p) => (p.ok ? p.value : 0));
  const last = await readingsRepo.latestAcceptedReading(db, input.accountId, meter.id);
  const previous = zones.map((_, i) => last?.values[i] ?? 0);
  const { registers, reason } = checkRegisters(previous, values, meter.digits, meter.ratio);
  if (reason && !input.confirmReading) {
    return { kind: 'invalid', check: { registers, reason } };
  }
  return { kind: 'reading', meterId: meter.id, values };
}
