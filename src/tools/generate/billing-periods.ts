import { sql } from 'kysely';
import type { Db } from '../../platform/db/connect.ts';
import { periodOfMonth } from './calendar.ts';

/**
 * The generated months are closed months: billing_periods says so, with the totals the closing
 * records (all charges of the period: those generated now, plus any made before them), so that
 * recalculations and bill mailing accept them and the next closing follows on.
 */
export async function markPeriodsClosed(
  db: Db,
  generated: Map<number, { charges: number; totalKop: number }>,
  firstGeneratedCharge: number,
  timeZone: string,
): Promise<void> {
  if (generated.size === 0) {
    return;
  }
  const list = [...generated.keys()].sort((a, b) => a - b).map((m) => [m, periodOfMonth(m)] as const);
  const earlier = await db.kysely
    .selectFrom('charges')
    .select((eb) => [
      'period',
      eb.fn.countAll<number>().as('n'),
      eb.fn.sum<number>(sql`amount_kop + odn_kop + recalc_kop`).as('total'),
    ])
    .where('id', '<', firstGeneratedCharge)
    .where(
      'period',
      'in',
      list.map(([, p]) => p),
    )
    .groupBy('period')
    .execute();
  const before = new Map(earlier.map((r) => [r.period, { n: Number(r.n), total: Number(r.total ?? 0) }]));
  for (const [month, period] of list) {
    const g = generated.get(month)!;
    const e = before.get(period) ?? { n: 0, total: 0 };
    // Closed in the small hours after the month's last day, local time.
    const closedAt = zonedMidnight(`${periodOfMonth(month + 1)}-01`, timeZone) + 2 * 3_600_000;
    const values = { accounts: g.charges + e.n, total_kop: g.totalKop + e.total };
    await db.kysely
      .insertInto('billing_periods')
      .values({ period, status: 'closed', started_at: closedAt, closed_at: closedAt, ...values })
      .onConflict((oc) => oc.column('period').doUpdateSet({ status: 'closed', ...values }))
      .execute();
  }
}

/** Midnight of a calendar date in a time zone, ms since the epoch. */
function zonedMidnight(date: string, timeZone: string): number {
  const guess = Date.parse(`${date}T00:00:00Z`);
  const local = Date.parse(new Date(guess).toLocaleString('sv-SE', { timeZone }).replace(' ', 'T') + 'Z');
  return guess - (local - guess);
}
