import type { Kysely } from 'kysely';
import type { Database } from '../../platform/db/schema.ts';

// What the back office's start page counts across features, read-only: the readings the rules
// held for review (indexed by readings_review) and the newest billing period's state.

export async function readingsUnderReview(db: Kysely<Database>): Promise<number> {
  const r = await db
    .selectFrom('readings')
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .where('status', '=', 'review')
    .executeTakeFirstOrThrow();
  return Number(r.n);
}

export interface PeriodState {
  period: string;
  status: 'closing' | 'closed';
  accounts: number;
  totalKop: number;
  closedAt: number | null;
}

/** The newest billing period that was closed or is being closed. */
export async function latestPeriod(db: Kysely<Database>): Promise<PeriodState | undefined> {
  const r = await db
    .selectFrom('billing_periods')
    .select(['period', 'status', 'accounts', 'total_kop', 'closed_at'])
    .orderBy('period', 'desc')
    .limit(1)
    .executeTakeFirst();
  return (
    r && {
      period: r.period,
      status: r.status === 'closed' ? 'closed' : 'closing',
      accounts: Number(r.accounts),
      totalKop: Number(r.total_kop),
      closedAt: r.closed_at === null ? null : Number(r.closed_at),
    }
  );
}
