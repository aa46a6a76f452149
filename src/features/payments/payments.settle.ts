import { recordAudit } from '../../platform/audit.repository.ts';
import { isUniqueViolation } from '../../platform/db/errors.ts';
import { dateInZone } from '../../domain/dates.ts';
import { submitReading } from '../readings/readings.service.ts';
import { ACTION_CODE_TIMEOUT, GatewayError, type BankOrderState } from './gateway.ts';
import type { PaymentsDeps } from './payments.deps.ts';
import * as repo from './payments.repository.ts';

/**
 * Settling an order with the bank. Whatever triggers it — the bank's notification, the customer's
 * return from the bank's page, or the reconciliation poller — the bank's own status
 * (getOrderStatusExtended.do) decides, and a payment is credited only when that status says it is
 * deposited with our order number, amount and currency. Crediting marks the order paid and inserts
 * the `payments` row in one transaction, guarded twice: the conditional update lets one
 * transaction win, and `payments.external_id` ("card:" + the bank's order id) is unique.
 */

export type SettleSource = 'callback' | 'return' | 'poller';

export type SettleResult =
  | 'paid'
  | 'already_paid'
  | 'pending'
  | 'declined'
  | 'expired'
  | 'reversed'
  | 'mismatch'
  | 'failed'
  | 'unavailable';

/** After the bank's page has closed, how long an order may stay unanswered before it counts as abandoned. */
export const ABANDON_GRACE_MS = 10 * 60_000;
/** An order the portal never finished registering (it stopped mid-way) is failed after this long. */
export const STALE_NEW_MS = 10 * 60_000;

/** States from which the bank's "deposited" still credits: the bank's word beats our earlier guess. */
const CREDITABLE: repo.OrderStatus[] = ['new', 'registered', 'declined', 'expired', 'failed'];
/** States a bank decline, timeout or reversal may replace. */
const OPEN: repo.OrderStatus[] = ['new', 'registered'];

export async function settleOrder(
  deps: PaymentsDeps,
  order: repo.PaymentOrder,
  source: SettleSource,
  ip: string | null = null,
): Promise<SettleResult> {
  if (order.status === 'paid') {
    await storeReading(deps, order);
    return 'already_paid';
  }
  if (!order.bankOrderId) {
    return order.status === 'failed' ? 'failed' : 'pending';
  }

  let st: BankOrderState;
  try {
    st = await deps.gateway.orderStatus(order.bankOrderId);
  } catch (err) {
    if (!(err instanceof GatewayError)) {
      throw err;
    }
    await repo.noteChecked(deps.db, order.id, deps.clock.now().getTime());
    deps.log.warn({ order: order.orderNumber, code: err.code, source }, 'payment status unavailable');
    return 'unavailable';
  }
  const now = deps.clock.now();
  await repo.noteChecked(deps.db, order.id, now.getTime());
  const abandoned = now.getTime() > order.expiresAt + ABANDON_GRACE_MS;

  if (!st.found) {
    return abandoned ? finish(deps, order, 'expired', 'not_found', source, ip) : 'pending';
  }
  return decide(deps, order, st, { source, ip, abandoned, qrLive: true });
}

/** What the bank's status of a found order means for it: credit, finish, or wait. */
async function decide(
  deps: PaymentsDeps,
  order: repo.PaymentOrder,
  st: Extract<BankOrderState, { found: true }>,
  at: { source: SettleSource; ip: string | null; abandoned: boolean; qrLive: boolean },
): Promise<SettleResult> {
  const { source, ip, abandoned } = at;
  if (st.orderNumber !== order.orderNumber || st.currency !== order.currency) {
    return finish(deps, order, 'mismatch', 'order_mismatch', source, ip, { bankCurrency: st.currency });
  }

  switch (st.orderStatus) {
    case 2:
      if (
        st.amountKop !== order.amountKop ||
        (st.depositedKop !== null && st.depositedKop !== order.amountKop)
      ) {
        return finish(deps, order, 'mismatch', 'amount_mismatch', source, ip, {
          bankAmountKop: st.amountKop,
          bankDepositedKop: st.depositedKop,
        });
      }
      return credit(deps, order, st, source, ip);
    case 6:
      return st.actionCode === ACTION_CODE_TIMEOUT
        ? finish(deps, order, 'expired', 'bank_timeout', source, ip)
        : finish(deps, order, 'declined', `action_${st.actionCode}`, source, ip);
    case 3:
    case 4:
      return finish(deps, order, 'reversed', `status_${st.orderStatus}`, source, ip);
    case 0:
    case 1:
    case 5:
      if (order.method === 'sbp' && order.qr && at.qrLive && deps.clock.now().getTime() >= order.expiresAt) {
        return expireQr(deps, order, at);
      }
      return abandoned ? finish(deps, order, 'expired', 'abandoned', source, ip) : 'pending';
  }
}

/**
 * An SBP order whose QR has outlived its time while the bank still waits: the portal rejects the
 * QR (sbp/c2b/qr/dynamic/reject.do), so that it can no longer be paid, then asks once more: paid
 * in the last moment, it is credited; otherwise the order has expired and nothing is credited.
 */
async function expireQr(
  deps: PaymentsDeps,
  order: repo.PaymentOrder,
  at: { source: SettleSource; ip: string | null; abandoned: boolean },
): Promise<SettleResult> {
  let st: BankOrderState;
  try {
    try {
      await deps.gateway.sbpQrReject(order.bankOrderId!, order.qr!.id);
    } catch (err) {
      // Refused (already paid, or already rejected): the status below says which.
      if (!(err instanceof GatewayError) || err.kind !== 'refused') {
        throw err;
      }
    }
    st = await deps.gateway.orderStatus(order.bankOrderId!);
  } catch (err) {
    if (!(err instanceof GatewayError)) {
      throw err;
    }
    deps.log.warn({ order: order.orderNumber, code: err.code }, 'sbp qr rejection unavailable');
    return 'unavailable';
  }
  // Paid (or reversed) after all: the bank's word. Anything else is the rejection we asked for.
  if (st.found && (st.orderStatus === 2 || st.orderStatus === 3 || st.orderStatus === 4)) {
    return decide(deps, order, st, { ...at, qrLive: false });
  }
  return finish(deps, order, 'expired', 'qr_expired', at.source, at.ip);
}

async function credit(
  deps: PaymentsDeps,
  order: repo.PaymentOrder,
  st: Extract<BankOrderState, { found: true }>,
  source: SettleSource,
  ip: string | null,
): Promise<SettleResult> {
  const now = deps.clock.now();
  const paidAt = st.authDateTime ?? now.getTime();
  const paidOn = dateInZone(new Date(paidAt), deps.timeZone);
  let credited: boolean;
  try {
    credited = await deps.db.transaction().execute(async (tx) => {
      const won = await repo.markPaid(tx, order.id, CREDITABLE, {
        paidOn,
        paidAt,
        authRefNum: st.authRefNum,
        approvalCode: st.approvalCode,
        now: now.getTime(),
      });
      if (!won) {
        return false;
      }
      const paymentId = await repo.insertPayment(tx, {
        accountId: order.accountId,
        paidOn,
        amountKop: order.amountKop,
        // "card:" or "sbp:" + the bank's order id: unique, so a second credit cannot exist.
        externalId: `${order.method}:${order.bankOrderId}`,
        channel: order.method,
        now: now.getTime(),
      });
      await repo.linkPayment(tx, order.id, paymentId);
      await recordAudit(tx, now, {
        event: 'payment',
        outcome: 'paid',
        accountNumber: order.accountNumber,
        ip,
        details: {
          order: order.orderNumber,
          bankOrder: order.bankOrderId,
          amountKop: order.amountKop,
          from: order.status,
          source,
        },
      });
      return true;
    });
  } catch (err) {
    // The unique external id: another process credited it between our read and our write.
    if (!isUniqueViolation(err)) {
      throw err;
    }
    credited = false;
  }
  const fresh = (await repo.findById(deps.db, order.id)) ?? order;
  if (fresh.status === 'paid') {
    await storeReading(deps, fresh);
  }
  if (credited) {
    deps.log.info({ order: order.orderNumber, amountKop: order.amountKop, source }, 'card payment credited');
  }
  return credited ? 'paid' : 'already_paid';
}

async function finish(
  deps: PaymentsDeps,
  order: repo.PaymentOrder,
  status: Exclude<repo.OrderStatus, 'paid' | 'new' | 'registered'>,
  reason: string,
  source: SettleSource,
  ip: string | null,
  extra: Record<string, number | null> = {},
): Promise<SettleResult> {
  const from: repo.OrderStatus[] = status === 'mismatch' ? CREDITABLE : OPEN;
  const now = deps.clock.now();
  await deps.db.transaction().execute(async (tx) => {
    const changed = await repo.changeStatus(tx, order.id, from, status, reason, now.getTime());
    if (changed) {
      await recordAudit(tx, now, {
        event: 'payment',
        outcome: status,
        accountNumber: order.accountNumber,
        ip,
        details: {
          order: order.orderNumber,
          bankOrder: order.bankOrderId,
          amountKop: order.amountKop,
          reason,
          source,
          ...extra,
        },
      });
    }
  });
  if (status === 'mismatch') {
    deps.log.warn(
      { order: order.orderNumber, reason, ...extra },
      'card payment does not match the bank: not credited',
    );
  }
  return status;
}

/** The reading sent with a paid order becomes a reading (channel Интернет), once. */
async function storeReading(deps: PaymentsDeps, order: repo.PaymentOrder): Promise<void> {
  const r = order.reading;
  if (!r || r.status !== 'pending') {
    return;
  }
  const res = await submitReading(
    { db: deps.db, clock: deps.clock, timeZone: deps.timeZone, lastDay: deps.readingsLastDay },
    {
      accountId: order.accountId,
      accountNumber: order.accountNumber,
      meterId: r.meterId,
      key: r.key,
      values: r.values.map(String),
      // Checked (and if need be confirmed) on the order form; one still suspicious now goes to review.
      confirmed: true,
      ip: order.clientIp ?? '',
    },
  );
  const now = deps.clock.now();
  if (res.kind === 'stored') {
    await repo.setReadingResult(deps.db, order.id, 'stored', res.readingId, now.getTime());
    return;
  }
  const changed = await repo.setReadingResult(deps.db, order.id, 'refused', null, now.getTime());
  if (changed) {
    await recordAudit(deps.db, now, {
      event: 'payment',
      outcome: 'reading_refused',
      accountNumber: order.accountNumber,
      details: {
        order: order.orderNumber,
        reason:
          res.kind === 'invalid' ? (res.formError ?? res.fieldErrors.join(' ')).slice(0, 200) : res.kind,
      },
    });
  }
}

export interface ReconcileSummary {
  checked: number;
  results: Partial<Record<SettleResult, number>>;
  failedRegistrations: number;
  readings: number;
}

/**
 * The background reconciliation: asks the bank about every order still waiting (their
 * notifications may have been lost), expires abandoned ones, fails registrations that never
 * finished, and stores readings of paid orders left pending. Safe to run anywhere, any number of
 * times, concurrently with notifications: settling is idempotent.
 */
export async function reconcilePayments(
  deps: PaymentsDeps,
  opts: { limit?: number; concurrency?: number } = {},
): Promise<ReconcileSummary> {
  const limit = opts.limit ?? 500;
  const summary: ReconcileSummary = { checked: 0, results: {}, failedRegistrations: 0, readings: 0 };
  const now = deps.clock.now();

  for (const o of await repo.listStaleNew(deps.db, now.getTime() - STALE_NEW_MS, limit)) {
    const r = await finish(deps, o, 'failed', 'registration_interrupted', 'poller', null);
    if (r === 'failed') {
      summary.failedRegistrations++;
    }
  }

  const queue = await repo.listRegistered(deps.db, limit);
  const workers = Array.from({ length: Math.max(1, opts.concurrency ?? 4) }, async () => {
    for (let o = queue.shift(); o; o = queue.shift()) {
      const r = await settleOrder(deps, o, 'poller');
      summary.checked++;
      summary.results[r] = (summary.results[r] ?? 0) + 1;
    }
  });
  await Promise.all(workers);

  for (const o of await repo.listPaidWithPendingReading(deps.db, limit)) {
    await storeReading(deps, o);
    summary.readings++;
  }
  return summary;
}
