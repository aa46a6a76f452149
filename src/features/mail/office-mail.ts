import type { Kysely, Transaction } from 'kysely';
import type { Database } from '../../platform/db/schema.ts';
import { recordAudit } from '../../platform/audit.repository.ts';
import { isPeriod, periodInWords } from '../../domain/dates.ts';
import { periodState } from '../billing/billing.repository.ts';
import { hasCharge } from './accounts.repository.ts';
import { messageStatus, queueOne } from './outbox.repository.ts';
import { findSubscription } from './subscription.repository.ts';
import { parseEmail } from './email-address.ts';
import {
  deleteAddress,
  resendConfirmation,
  saveAddress,
  type MailDeps,
  type SendOutcome,
} from './mail.service.ts';

// What the back office asks of the mail: a bill sent again on an operator's request, and the
// e-mail about the outcome of held readings. Both go through the outbox and its worker like the
// month's mailing, to the account's confirmed, subscribed address only (security.md row 18).
// And the bill address set, changed or removed on the customer's written request.

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
  if (sub.bouncedAt !== null) {
    return {
      kind: 'refused',
      message:
        'Письма на адрес абонента не доставляются (почтовый сервер получателя отказал): квитанции на него пойдут снова, когда абонент подтвердит адрес ещё раз.',
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

/** The operator who acts on the customer's written request, and why (e.g. «заявление № 5 от …»). */
export interface OfficeRequest {
  accountId: number;
  accountNumber: string;
  ip: string;
  staffUserId: number;
  reason: string;
}

export type OfficeAddressResult =
  | { kind: 'refused'; fieldError: string }
  /** The same address, bills switched on or off. */
  | { kind: 'saved' }
  /** A new or changed address: stored unconfirmed, and the confirmation link tried. */
  | { kind: 'pending'; send: SendOutcome }
  | { kind: 'deleted' };

/**
 * Sets or changes the bill address on the customer's written request, or only switches bills on
 * or off for the address already stored. Decided here: the signed request is the customer's
 * consent, but not proof that the address was copied right from a handwritten form, so a new
 * address is stored unconfirmed and gets the same confirmation link as on the main page; no bill
 * goes to it until the link is followed (security.md row 18); the same unconfirmed address
 * again sends the link again. The audit rows are the customer's
 * own (`email_change`, `email_subscription`) with the staff user, the reason, and the masked
 * address before and after.
 */
export async function changeAddressOnRequest(
  deps: MailDeps,
  r: OfficeRequest,
  input: { email: string; subscribed: boolean },
): Promise<OfficeAddressResult> {
  const parsed = parseEmail(input.email);
  const current = await findSubscription(deps.db, r.accountId);
  // A bounced address given again goes through saveAddress: it is checked again by a link.
  if (
    parsed.ok &&
    current?.email === parsed.email &&
    current.subscribed === input.subscribed &&
    current.bouncedAt === null
  ) {
    if (current.confirmedAt === null) {
      // Still waiting for its confirmation: the link is sent again (within the same rate limit).
      const send = await resendConfirmation(deps, actorOf(r));
      return send.kind === 'none' || send.kind === 'confirmed'
        ? { kind: 'saved' }
        : { kind: 'pending', send };
    }
    return {
      kind: 'refused',
      fieldError: 'Этот адрес уже указан, с тем же выбором рассылки: менять нечего.',
    };
  }
  const res = await saveAddress(deps, actorOf(r), input);
  return res.kind === 'invalid' ? { kind: 'refused', fieldError: res.fieldError } : res;
}

/** Removes the bill address on the customer's written request (as «Удалить e-mail» does). */
export async function removeAddressOnRequest(deps: MailDeps, r: OfficeRequest): Promise<OfficeAddressResult> {
  return (await deleteAddress(deps, actorOf(r))) === 'deleted'
    ? { kind: 'deleted' }
    : { kind: 'refused', fieldError: 'Адрес для квитанций не указан: удалять нечего.' };
}

function actorOf(r: OfficeRequest) {
  return {
    accountId: r.accountId,
    accountNumber: r.accountNumber,
    ip: r.ip,
    staff: { userId: r.staffUserId, reason: r.reason },
  };
}
