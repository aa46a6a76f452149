import type { Kysely, Transaction } from 'kysely';
import type { Database } from '../../platform/db/schema.ts';
import { recordAudit } from '../../platform/audit.repository.ts';
import { isPeriod, periodInWords } from '../../domain/dates.ts';
import { periodState } from '../billing/billing.repository.ts';
import { hasCharge } from './accounts.repository.ts';
import { messageStatus, queueOne } from './outbox.repository.ts';
import { findSubscription } from './subscription.repository.ts';

// What the back office asks of the mail: a bill sent again on an operator's request, and the
// e-mail about the outcome of held readings. Both go through the outbox and its worker like the
// month's mailing, to the account's confirmed, subscribed address only (security.md row 18).

/**
 * Queues the e-mail about the outcome of the account's held readings of `period`, when it has a
 * confirmed, subscribed address (called in the decision's transaction). A later decision about
 * the same period queues it again; the worker writes it from the decisions as they are then.
 */
export async function queueReviewOutcome(
  tx: Transaction<Database>,
  m: { accountId: number; period: string; now: Date },
): Promise<boolean> {
  return queueOne(tx, { accountId: m.accountId, period: m.period, kind: 'review', now: m.now.getTime() });
}

export type ResendBillResult = { kind: 'queued' } | { kind: 'refused'; message: string };

/**
 * Sends the period's bill again (an operator, at the customer's request): the outbox row of
 * (account, period, bill) is queued again, or added. Refused, with a message for the period's
 * field, when there is no confirmed, subscribed address, no bill for that period, or the bill is
 * already waiting to be sent. Audited with who, why, before and after.
 */
export async function resendBill(
  db: Kysely<Database>,
  o: {
    accountId: number;
    accountNumber: string;
    period: string;
    now: Date;
    staffUserId: number;
    ip: string;
    reason: string;
  },
): Promise<ResendBillResult> {
  if (!isPeriod(o.period)) {
    return { kind: 'refused', message: 'Выберите месяц квитанции.' };
  }
  const sub = await findSubscription(db, o.accountId);
  if (!sub || !sub.subscribed || sub.confirmedAt === null) {
    return {
      kind: 'refused',
      message:
        'У абонента нет подтверждённого адреса для квитанций (или он отказался от рассылки): отправить некуда.',
    };
  }
  const words = periodInWords(o.period);
  if (
    (await periodState(db, o.period))?.status !== 'closed' ||
    !(await hasCharge(db, o.accountId, o.period))
  ) {
    return { kind: 'refused', message: `Квитанции за ${words} нет: месяц не закрыт или начисления не было.` };
  }
  return db.transaction().execute(async (tx) => {
    const key = { accountId: o.accountId, period: o.period, kind: 'bill' as const };
    const before = (await messageStatus(tx, key)) ?? null;
    if (!(await queueOne(tx, { ...key, now: o.now.getTime() }))) {
      return { kind: 'refused' as const, message: `Квитанция за ${words} уже в очереди на отправку.` };
    }
    await recordAudit(tx, o.now, {
      event: 'bill_resend',
      outcome: 'queued',
      accountNumber: o.accountNumber,
      ip: o.ip,
      staffUserId: o.staffUserId,
      details: {
        period: o.period,
        reason: o.reason,
        before: { outbox: before },
        after: { outbox: 'queued' },
      },
    });
    return { kind: 'queued' as const };
  });
}
