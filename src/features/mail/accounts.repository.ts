import type { ExpressionBuilder, Kysely, Transaction } from 'kysely';
import type { Database } from '../../platform/db/schema.ts';

type Q = Kysely<Database> | Transaction<Database>;

// What the e-mails need to know of an account, read from tables other features own (`accounts`,
// `meters`, `readings`): its number for the audit log and the reminder, its meter in service, and
// whether a reading for the month is in, the held readings decided in the back office's review
// queue, and the e-mail address the supplier's accounts import gave (offered to the customer to
// confirm). Read only.

export async function accountNumber(db: Q, accountId: number): Promise<string | undefined> {
  const r = await db.selectFrom('accounts').select('number').where('id', '=', accountId).executeTakeFirst();
  return r?.number;
}

/**
 * The e-mail address the supplier's accounts import stored for the account
 * (`accounts.imported_email`, written by src/features/imports), unconfirmed; null when none.
 */
export async function importedEmail(db: Q, accountId: number): Promise<string | null> {
  const r = await db
    .selectFrom('accounts')
    .select('imported_email')
    .where('id', '=', accountId)
    .executeTakeFirst();
  return r?.imported_email ?? null;
}

export async function accountNumbers(db: Q, accountIds: number[]): Promise<Map<number, string>> {
  if (accountIds.length === 0) {
    return new Map();
  }
  const rows = await db
    .selectFrom('accounts')
    .select(['id', 'number'])
    .where('id', 'in', accountIds)
    .execute();
  return new Map(rows.map((r) => [Number(r.id), r.number]));
}

/** The meter in service now, for the reminder's text. */
export async function activeMeter(db: Q, accountId: number): Promise<{ serial: string } | undefined> {
  return db
    .selectFrom('meters')
    .select('serial')
    .where('account_id', '=', accountId)
    .where('removed_on', 'is', null)
    .orderBy('id', 'desc')
    .executeTakeFirst();
}

/** Whether a reading that counts for `period` is in (any channel, not rejected). */
export async function hasReadingFor(
  db: Q,
  accountId: number,
  period: string,
  lastDate: string,
): Promise<boolean> {
  const r = await db
    .selectFrom('readings as r')
    .select('r.id')
    .where('r.account_id', '=', accountId)
    .where(countsFor(period, lastDate))
    .limit(1)
    .executeTakeFirst();
  return r !== undefined;
}

/**
 * The rule for a reading (`readings as r`) that counts for `period`: not rejected, and either
 * assigned to the period or, not yet assigned, dated within it (up to `lastDate`).
 */
export function countsFor(period: string, lastDate: string) {
  return (eb: ExpressionBuilder<{ r: Database['readings'] }, 'r'>) =>
    eb.and([
      eb('r.status', '<>', 'rejected'),
      eb.or([
        eb('r.billing_period', '=', period),
        eb.and([
          eb('r.billing_period', 'is', null),
          eb('r.reading_date', '>=', `${period}-01`),
          eb('r.reading_date', '<=', lastDate),
        ]),
      ]),
    ]);
}

/** A reviewed reading of the account, as the e-mail about the outcome names it. */
export interface ReviewedReading {
  id: number;
  readingDate: string;
  values: number[];
  zones: number;
  status: string;
  reviewReason: string | null;
}

/**
 * The account's readings decided in the review queue that count in `period` (by their billing
 * period, or their date's month when none was recorded), oldest first.
 */
export async function reviewedReadingsOf(
  db: Q,
  accountId: number,
  period: string,
): Promise<ReviewedReading[]> {
  const rows = await db
    .selectFrom('readings')
    .innerJoin('meters', 'meters.id', 'readings.meter_id')
    .select([
      'readings.id',
      'readings.reading_date',
      'readings.value1',
      'readings.value2',
      'readings.value3',
      'meters.zones',
      'readings.status',
      'readings.review_reason',
    ])
    .where('readings.account_id', '=', accountId)
    .where('readings.reviewed_at', 'is not', null)
    .where((eb) =>
      eb.or([
        eb('readings.billing_period', '=', period),
        eb.and([
          eb('readings.billing_period', 'is', null),
          eb('readings.reading_date', '>=', `${period}-01`),
          eb('readings.reading_date', '<=', `${period}-31`),
        ]),
      ]),
    )
    .orderBy('readings.id')
    .execute();
  return rows.map((r) => ({
    id: Number(r.id),
    readingDate: r.reading_date,
    values: [r.value1, r.value2, r.value3].filter((v): v is number => v !== null).map(Number),
    zones: r.zones,
    status: r.status,
    reviewReason: r.review_reason,
  }));
}

/** Whether the account has a charge (so a bill) for `period`. */
export async function hasCharge(db: Q, accountId: number, period: string): Promise<boolean> {
  const r = await db
    .selectFrom('charges')
    .select('id')
    .where('account_id', '=', accountId)
    .where('period', '=', period)
    .executeTakeFirst();
  return r !== undefined;
}
