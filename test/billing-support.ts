import type { Db } from '../src/platform/db/connect.ts';
import type { CloseOptions } from '../src/features/billing/close-month.ts';

// What the closing tests share: the options of a closing, and what it charged.

const NOW = new Date('2026-06-10T05:00:00Z');

/** A closing's options but the period, on "today" of the tests (June 2026), in batches of 100. */
export const CLOSE_OPTS: Omit<CloseOptions, 'period'> = {
  currentPeriod: '2026-06',
  limits: { averageMaxPeriods: 6, averageMaxPeriodsFault: 3, normCoefficientE3: 1000 },
  readingsLastDay: 25,
  now: () => NOW,
  batchSize: 100,
};

/** The period's charges: how many, of how many accounts, their amounts and debts summed. */
export async function chargeStats(db: Db, period: string) {
  const r = await db.kysely
    .selectFrom('charges')
    .select((eb) => [
      eb.fn.countAll<number>().as('n'),
      eb.fn.count<number>('account_id').distinct().as('accounts'),
      eb.fn.sum<number>('amount_kop').as('amount'),
      eb.fn.sum<number>('debt_kop').as('debt'),
    ])
    .where('period', '=', period)
    .executeTakeFirstOrThrow();
  return {
    n: Number(r.n),
    accounts: Number(r.accounts),
    amount: Number(r.amount ?? 0),
    debt: Number(r.debt ?? 0),
  };
}
