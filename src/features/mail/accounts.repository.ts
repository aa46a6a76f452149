import type { ExpressionBuilder, Kysely, Transaction } from 'kysely';
import type { Database } from '../../platform/db/schema.ts';

type Q = Kysely<Database> | Transaction<Database>;

// What the e-mails need to know of an account, read from tables other features own (`accounts`,
// `meters`, `readings`): its number for the audit log and the reminder, its meter in service, and
// whether a reading for the month is in. Read only.

export async function accountNumber(db: Q, accountId: number): Promise<string | undefined> {
  const r = await db.selectFrom('accounts').select('number').where('id', '=', accountId).executeTakeFirst();
  return r?.number;
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
