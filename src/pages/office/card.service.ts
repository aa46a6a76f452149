import type { Kysely } from 'kysely';
import type { Database } from '../../platform/db/schema.ts';
import type { MonthSchedule } from '../../domain/schedule.ts';
import type { Cursor, ListPage } from '../../platform/db/paging.ts';
import {
  auditOfAccount,
  auditPageOfAccount,
  type AuditKey,
  type AuditRow,
} from '../../platform/audit.repository.ts';
import { chargesPage } from '../../features/billing/charges.repository.ts';
import {
  consentsOf,
  findAccountProfile,
  loginAttemptsOf,
  type ConsentRow,
  type LoginAttemptRow,
} from '../../features/account/account.repository.ts';
import { recalculationsOf, type RecalculationRow } from '../../features/billing/recalculation.repository.ts';
import { outboxOf, type OutboxEntry } from '../../features/mail/outbox.repository.ts';
import { findSubscription, type Subscription } from '../../features/mail/subscription.repository.ts';
import { ordersOf, type StaffOrderRow } from '../../features/payments/staff-orders.repository.ts';
import { readingsForStaff, type StaffReadingRow } from '../../features/readings/readings.repository.ts';
import { loadMainPage, type MainPageModel } from '../main/main.service.ts';
import { chargeRows, type ChargeRow } from '../main/histories.service.ts';

// The back office's account card (/office/accounts/:id): what the customer's main page shows,
// read the same way (loadMainPage), and what only staff see, each from the feature that owns it.

/** Rows of each staff-only list the card shows, newest first (charges and audit: a page's). */
export const CARD_ROWS = {
  charges: 24,
  logins: 20,
  consents: 10,
  outbox: 24,
  orders: 20,
  readings: 36,
  recalcs: 24,
  audit: 50,
  lockouts: 20,
};

export interface ReadingReview {
  outcome: string;
  operator: string;
  note: string | null;
  at: number;
}

export interface AccountCardModel {
  accountId: number;
  /** The customer's own view: balance, meter, histories and the charges with "Как рассчитано". */
  customer: MainPageModel;
  /** A page of every month the account was charged, newest first, each with its explanation. */
  charges: ListPage<ChargeRow>;
  logins: LoginAttemptRow[];
  /** The lock-outs among the audit trail's events. */
  lockouts: AuditRow[];
  consents: ConsentRow[];
  subscription: Subscription | undefined;
  outbox: OutboxEntry[];
  orders: StaffOrderRow[];
  readings: Array<StaffReadingRow & { review: ReadingReview | undefined }>;
  recalculations: RecalculationRow[];
  /** A page of the account's audit trail, newest first. */
  audit: ListPage<AuditRow & { id: number }>;
}

/** Where the card's paged lists start (card-pager.ts); their newest rows when absent. */
export interface CardCursors {
  charges?: Cursor<string>;
  audit?: Cursor<AuditKey>;
}

export async function loadAccountCard(
  db: Kysely<Database>,
  accountId: number,
  today: string,
  schedule: MonthSchedule,
  at: CardCursors = {},
): Promise<AccountCardModel | undefined> {
  const profile = await findAccountProfile(db, accountId);
  if (!profile) {
    return undefined;
  }
  const number = profile.number;
  const [
    customer,
    charges,
    logins,
    consents,
    subscription,
    outbox,
    orders,
    readings,
    recalculations,
    audit,
    lockouts,
    reviewEvents,
  ] = await Promise.all([
    loadMainPage(db, accountId, today, schedule),
    chargesPage(db, accountId, CARD_ROWS.charges, at.charges),
    loginAttemptsOf(db, number, CARD_ROWS.logins),
    consentsOf(db, number, CARD_ROWS.consents),
    findSubscription(db, accountId),
    outboxOf(db, accountId, CARD_ROWS.outbox),
    ordersOf(db, accountId, CARD_ROWS.orders),
    readingsForStaff(db, accountId, CARD_ROWS.readings),
    recalculationsOf(db, accountId, CARD_ROWS.recalcs),
    auditPageOfAccount(db, number, CARD_ROWS.audit, at.audit),
    auditOfAccount(db, number, CARD_ROWS.lockouts, { event: 'login', outcome: 'locked' }),
    // The decisions on the readings shown, however far back in the trail they lie.
    auditOfAccount(db, number, CARD_ROWS.readings * 4, { event: 'reading_review' }),
  ]);
  const reviews = reviewsOf(reviewEvents);
  return {
    accountId,
    customer,
    charges: { ...charges, rows: chargeRows(charges.rows) },
    logins,
    lockouts,
    consents,
    subscription,
    outbox,
    orders,
    readings: readings.map((r) => ({ ...r, review: reviews.get(r.id) })),
    recalculations,
    audit,
  };
}

/**
 * Who decided on each reading the rules held, from the audit trail's `reading_review` events
 * (readings.backoffice.ts writes the reading's id, the operator and the note).
 */
function reviewsOf(audit: AuditRow[]): Map<number, ReadingReview> {
  const out = new Map<number, ReadingReview>();
  for (const e of audit) {
    if (e.event !== 'reading_review' || e.details === null) {
      continue;
    }
    const d = parseDetails(e.details);
    const id = d?.['readingId'];
    if (typeof id === 'number' && !out.has(id)) {
      const operator = d?.['operator'];
      const note = d?.['note'];
      out.set(id, {
        outcome: e.outcome,
        operator: typeof operator === 'string' ? operator : (e.staffLogin ?? ''),
        note: typeof note === 'string' ? note : null,
        at: e.at,
      });
    }
  }
  return out;
}

function parseDetails(json: string): Record<string, unknown> | null {
  try {
    const v: unknown = JSON.parse(json);
    return typeof v === 'object' && v !== null ? (v as Record<string, unknown>) : null;
  } catch {
    return null;
  }
}
