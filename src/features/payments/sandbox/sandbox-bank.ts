import { randomInt, randomUUID } from 'node:crypto';
import type { Kysely } from 'kysely';
import type { Clock } from '../../../platform/clock.ts';
import type { Database } from '../../../platform/db/schema.ts';
import * as repo from './sandbox-orders.repository.ts';
import type { SandboxOrder } from './sandbox-orders.repository.ts';
import { luhnValid, maskPan, normalizePan, parseExpiry } from '../card.ts';
import { callbackChecksum } from '../checksum.ts';
import {
  ACTION_CODE_TIMEOUT,
  GatewayError,
  type BankOrderState,
  type RegisterRequest,
  type Registered,
} from '../gateway.ts';

/**
 * The sandbox bank: an acquiring bank in miniature that behaves as the RBS gateway does, for the
 * quickstart, the tests and the benchmark. It keeps its orders in tables of its own (a bank's
 * state is not the portal's), serves its own card page under /sandbox-bank/, takes only its test
 * cards, gives each order 20 minutes and 3 attempts (the seed's rule), asks the 3-D Secure code of
 * its MasterCard, then sends the customer back to the portal and notifies the portal server to
 * server with an RBS checksum. Its orders are in the database (sandbox_orders), not in one
 * process's memory: with several instances, the order registered by one is paid on another's
 * card page and asked about by a third. Card numbers are never stored, only their masks. An
 * order that goes to СБП moves to sandbox_sbp_qrs (sandbox-sbp.ts).
 */

export const SANDBOX_PREFIX = '/sandbox-bank';
export const SANDBOX_CVC = '123';
export const SANDBOX_3DS_CODE = '12345678';

export interface SandboxCard {
  pan: string;
  /** As printed on the bank's page. */
  display: string;
  outcome: 'paid' | '3ds' | 'declined';
  note: string;
}

export const SANDBOX_CARDS: readonly SandboxCard[] = [
  { pan: '4111111111111111', display: '4111 1111 1111 1111', outcome: 'paid', note: 'Visa: оплата проходит' },
  {
    pan: '5555555555555599',
    display: '5555 5555 5555 5599',
    outcome: '3ds',
    note: `MasterCard: банк запросит код 3-D Secure ${SANDBOX_3DS_CODE}, затем оплата проходит`,
  },
  {
    pan: '4000000000000002',
    display: '4000 0000 0000 0002',
    outcome: 'declined',
    note: 'Visa: банк отклоняет оплату',
  },
];

/** Sends one notification; true when the portal accepted it (HTTP 200). */
export type Deliver = (url: string, params: Record<string, string>) => Promise<boolean>;

export type { SandboxOrder } from './sandbox-orders.repository.ts';

export interface PageView {
  orderId: string;
  orderNumber: string;
  merchant: string;
  description: string;
  amountKop: number;
  expiresAt: number;
  attemptsLeft: number;
  stage: 'card' | '3ds';
  maskedPan: string | null;
}

export interface CardFieldErrors {
  pan?: string;
  expiry?: string;
  cvc?: string;
}

export type BankOutcome =
  | { kind: 'unknown' }
  | { kind: 'page'; view: PageView; message?: string; fieldErrors?: CardFieldErrors; expiry?: string }
  | { kind: 'redirect'; url: string };

export interface SandboxBankOptions {
  db: Kysely<Database>;
  clock: Clock;
  callbackKey: string;
  /** The absolute address of the card page (formUrl without the query). */
  pageUrl: string;
  merchant: string;
  maxAttempts?: number;
  deliver?: Deliver;
  /** Pauses before each delivery try of a notification (the bank retries a refused one). */
  retryDelaysMs?: number[];
  onDeliveryFailed?: (orderNumber: string, operation: string) => void;
}

export class SandboxBank {
  readonly callbackKey: string;
  readonly maxAttempts: number;
  deliver: Deliver;
  retryDelaysMs: number[];
  readonly #inflight = new Set<Promise<void>>();
  #registered = 0;
  #closed = false;

  constructor(private readonly opts: SandboxBankOptions) {
    this.callbackKey = opts.callbackKey;
    this.maxAttempts = opts.maxAttempts ?? 3;
    this.deliver = opts.deliver ?? (() => Promise.resolve(false));
    this.retryDelaysMs = opts.retryDelaysMs ?? [0, 1000, 5000, 30_000];
  }

  async register(req: RegisterRequest): Promise<Registered> {
    if (!Number.isSafeInteger(req.amountKop) || req.amountKop <= 0) {
      throw new GatewayError('refused', '4', 'Сумма заказа неверна');
    }
    if (++this.#registered % 1000 === 0) {
      // Orders finished (or expired) more than a day ago are of no use.
      await repo.pruneOrders(this.opts.db, this.opts.clock.now().getTime() - 86_400_000);
    }
    const now = this.opts.clock.now().getTime();
    const order: SandboxOrder = {
      orderId: randomUUID(),
      orderNumber: req.orderNumber,
      amountKop: req.amountKop,
      currency: req.currency,
      description: req.description,
      returnUrl: req.returnUrl,
      failUrl: req.failUrl,
      callbackUrl: req.callbackUrl,
      createdAt: now,
      expiresAt: now + req.sessionTimeoutSecs * 1000,
      status: 0,
      actionCode: 0,
      actionCodeDescription: '',
      attemptsUsed: 0,
      maskedPan: null,
      authDateTime: null,
      authRefNum: null,
      approvalCode: null,
    };
    if (!(await repo.insertOrder(this.opts.db, order))) {
      throw new GatewayError('refused', '1', 'Заказ с таким номером уже обработан');
    }
    return { orderId: order.orderId, formUrl: `${this.opts.pageUrl}?mdOrder=${order.orderId}` };
  }

  /**
   * The order leaves the card page for an SBP QR code (sandbox-sbp.ts keeps it from then on, in
   * the database): its data, or undefined when it is unknown or no longer waiting for a payment.
   */
  async takeForSbp(orderId: string): Promise<SandboxOrder | undefined> {
    const found = await this.#touch(orderId);
    if (!found || found.order.status !== 0) {
      return undefined;
    }
    return (await repo.removeOrder(this.opts.db, orderId, found.version)) ? found.order : undefined;
  }

  /** getOrderStatusExtended.do */
  async status(orderId: string): Promise<BankOrderState> {
    const o = (await this.#touch(orderId))?.order;
    if (!o) {
      return { found: false };
    }
    return {
      found: true,
      orderStatus: o.status,
      orderNumber: o.orderNumber,
      amountKop: o.amountKop,
      currency: o.currency,
      actionCode: o.actionCode,
      actionCodeDescription: o.actionCodeDescription,
      authDateTime: o.authDateTime,
      depositedKop: o.status === 2 ? o.amountKop : 0,
      authRefNum: o.authRefNum,
      approvalCode: o.approvalCode,
    };
  }

  /** The card page as it is now: the form, the 3-D Secure step, or back to the shop when finished. */
  async open(orderId: string): Promise<BankOutcome> {
    const o = (await this.#touch(orderId))?.order;
    if (!o) {
      return { kind: 'unknown' };
    }
    if (o.status === 0 || o.status === 5) {
      return { kind: 'page', view: this.#view(o) };
    }
    return { kind: 'redirect', url: this.#backUrl(o) };
  }

  /** The "Оплатить" button. Malformed data costs no attempt; a refused card or CVC does. */
  async payWithCard(
    orderId: string,
    form: { pan: string; expiry: string; cvc: string },
  ): Promise<BankOutcome> {
    const found = await this.#touch(orderId);
    if (!found) {
      return { kind: 'unknown' };
    }
    const o = found.order;
    if (o.status !== 0) {
      return this.open(orderId);
    }
    const fieldErrors: CardFieldErrors = {};
    const pan = normalizePan(form.pan);
    if (!pan) {
      fieldErrors.pan = 'Номер карты — от 13 до 19 цифр.';
    } else if (!luhnValid(pan)) {
      fieldErrors.pan = 'Номер карты введён с ошибкой: проверьте цифры.';
    }
    const expiry = parseExpiry(form.expiry);
    const now = this.opts.clock.now();
    if (!expiry) {
      fieldErrors.expiry = 'Срок действия — месяц и год, например 12/30.';
    } else if (expiry.year * 12 + expiry.month < now.getUTCFullYear() * 12 + now.getUTCMonth() + 1) {
      fieldErrors.expiry = 'Срок действия карты истёк.';
    }
    if (!/^[0-9]{3}$/.test(form.cvc.trim())) {
      fieldErrors.cvc = 'CVC — три цифры с обратной стороны карты.';
    }
    if (fieldErrors.pan || fieldErrors.expiry || fieldErrors.cvc) {
      return { kind: 'page', view: this.#view(o), fieldErrors, expiry: form.expiry.slice(0, 7) };
    }

    const card = SANDBOX_CARDS.find((c) => c.pan === pan);
    if (!card) {
      return this.#failAttempt(
        found,
        'Песочница принимает только тестовые карты, перечисленные на этой странице.',
      );
    }
    if (form.cvc.trim() !== SANDBOX_CVC) {
      return this.#failAttempt(found, 'Операция отклонена: неверный CVC.');
    }
    o.maskedPan = maskPan(pan!);
    switch (card.outcome) {
      case 'paid':
        return this.#deposit(found);
      case '3ds':
        o.status = 5;
        return this.#save(found, () => ({ kind: 'page', view: this.#view(o) }));
      case 'declined':
        return this.#failAttempt(found, 'Операция отклонена банком, выпустившим карту.');
    }
  }

  /**
   * Stores the order's new state and answers with `then()`; when another process changed the
   * order meanwhile, nothing is stored and the page shows the order as it now is.
   */
  async #save(found: repo.StoredOrder, then: () => BankOutcome): Promise<BankOutcome> {
    if (!(await repo.replaceOrder(this.opts.db, found.order, found.version))) {
      return this.open(found.order.orderId);
    }
    return then();
  }

  /** The issuer's 3-D Secure page: the one-time code. A wrong code costs an attempt. */
  async confirm3ds(orderId: string, code: string): Promise<BankOutcome> {
    const found = await this.#touch(orderId);
    if (!found) {
      return { kind: 'unknown' };
    }
    if (found.order.status !== 5) {
      return this.open(orderId);
    }
    if (code.trim() === SANDBOX_3DS_CODE) {
      return this.#deposit(found);
    }
    return this.#failAttempt(found, 'Неверный код подтверждения.');
  }

  /** Waits until every notification sent so far is delivered or given up. */
  async idle(): Promise<void> {
    while (this.#inflight.size) {
      await Promise.all([...this.#inflight]);
    }
  }

  async #touch(orderId: string): Promise<repo.StoredOrder | undefined> {
    const found = await repo.findOrder(this.opts.db, orderId);
    if (!found) {
      return undefined;
    }
    const o = found.order;
    // The bank's 20 minutes: an order still waiting for the card is declined by timeout.
    if ((o.status === 0 || o.status === 5) && this.opts.clock.now().getTime() >= o.expiresAt) {
      o.status = 6;
      o.actionCode = ACTION_CODE_TIMEOUT;
      o.actionCodeDescription = 'Истек срок ожидания ввода данных.';
      if (await repo.replaceOrder(this.opts.db, o, found.version)) {
        this.notify(o, 'declinedByTimeout', '1');
        return { order: o, version: found.version + 1 };
      }
      return repo.findOrder(this.opts.db, orderId);
    }
    return found;
  }

  #view(o: SandboxOrder): PageView {
    return {
      orderId: o.orderId,
      orderNumber: o.orderNumber,
      merchant: this.opts.merchant,
      description: o.description,
      amountKop: o.amountKop,
      expiresAt: o.expiresAt,
      attemptsLeft: this.maxAttempts - o.attemptsUsed,
      stage: o.status === 5 ? '3ds' : 'card',
      maskedPan: o.maskedPan,
    };
  }

  #failAttempt(found: repo.StoredOrder, message: string): Promise<BankOutcome> {
    const o = found.order;
    o.attemptsUsed++;
    if (o.attemptsUsed < this.maxAttempts) {
      const left = this.maxAttempts - o.attemptsUsed;
      return this.#save(found, () => ({
        kind: 'page',
        view: this.#view(o),
        message: `${message} Осталось попыток: ${left}.`,
      }));
    }
    o.status = 6;
    o.actionCode = 2001;
    o.actionCodeDescription = 'Исчерпано количество попыток оплаты.';
    return this.#save(found, () => {
      this.notify(o, 'deposited', '0');
      return { kind: 'redirect', url: this.#backUrl(o) };
    });
  }

  #deposit(found: repo.StoredOrder): Promise<BankOutcome> {
    const o = found.order;
    o.status = 2;
    o.actionCode = 0;
    o.actionCodeDescription = '';
    o.authDateTime = this.opts.clock.now().getTime();
    o.authRefNum = String(randomInt(100_000, 1_000_000)) + String(randomInt(100_000, 1_000_000));
    o.approvalCode = String(randomInt(100_000, 1_000_000));
    return this.#save(found, () => {
      this.notify(o, 'deposited', '1');
      return { kind: 'redirect', url: this.#backUrl(o) };
    });
  }

  #backUrl(o: SandboxOrder): string {
    const base = o.status === 2 ? o.returnUrl : o.failUrl;
    return `${base}${base.includes('?') ? '&' : '?'}orderId=${encodeURIComponent(o.orderId)}&lang=ru`;
  }

  /** Notifies the portal (RBS callback, signed) about an order: this bank's own or its SBP part's. */
  notify(
    o: { orderId: string; orderNumber: string; callbackUrl: string },
    operation: string,
    status: '0' | '1',
  ): void {
    const params: Record<string, string> = {
      mdOrder: o.orderId,
      orderNumber: o.orderNumber,
      operation,
      status,
    };
    params.checksum = callbackChecksum(params, this.callbackKey);
    const task = this.#send(o.callbackUrl, params, o.orderNumber, operation);
    this.#inflight.add(task);
    void task.finally(() => this.#inflight.delete(task));
  }

  /** Stops retrying notifications (the app is closing). */
  close(): void {
    this.#closed = true;
  }

  async #send(
    url: string,
    params: Record<string, string>,
    orderNumber: string,
    operation: string,
  ): Promise<void> {
    for (const delay of this.retryDelaysMs) {
      // A pending retry never keeps the process alive.
      await new Promise((r) => (delay > 0 ? setTimeout(r, delay).unref() : setImmediate(r)));
      if (this.#closed) {
        return;
      }
      try {
        if (await this.deliver(url, params)) {
          return;
        }
      } catch {
        // refused or unreachable: the next try
      }
    }
    this.opts.onDeliveryFailed?.(orderNumber, operation);
  }
}
