import type { Insertable, Kysely, Selectable, Transaction } from 'kysely';
import type { ChargesTable, Database, RecalculationsTable } from '../../platform/db/schema.ts';

type Q = Kysely<Database> | Transaction<Database>;

// Recalculations of closed periods: what recalculate.ts reads and records, and how the next
// closing carries them on its bills.

export type ClosedCharge = Pick<
  Selectable<ChargesTable>,
  'amount_kop' | 'odn_kop' | 'kwh' | 'odn_kwh' | 'method'
>;

/** The account's charge of a period, as closed. */
export async function closedCharge(
  db: Q,
  accountId: number,
  period: string,
): Promise<ClosedCharge | undefined> {
  return db
    .selectFrom('charges')
    .select(['amount_kop', 'odn_kop', 'kwh', 'odn_kwh', 'method'])
    .where('account_id', '=', accountId)
    .where('period', '=', period)
    .executeTakeFirst();
}

/** The sums of the recalculations recorded so far for the account's period (null: none). */
export async function recalculatedSoFar(
  db: Q,
  accountId: number,
  period: string,
): Promise<{ kop: number | null; kwh: number | null } | undefined> {
  return db
    .selectFrom('recalculations')
    .select((eb) => [eb.fn.sum<number>('amount_kop').as('kop'), eb.fn.sum<number>('kwh').as('kwh')])
    .where('account_id', '=', accountId)
    .where('period', '=', period)
    .executeTakeFirst();
}

export async function insertRecalculation(db: Q, row: Insertable<RecalculationsTable>): Promise<void> {
  await db.insertInto('recalculations').values(row).execute();
}

export interface PendingRecalc {
  id: number;
  accountId: number;
  period: string;
  amountKop: number;
  kwh: number;
  reason: string;
}

/** Recalculations not yet carried by a bill, of a batch of accounts (an id range). */
export async function pendingRecalculations(db: Q, fromId: number, toId: number): Promise<PendingRecalc[]> {
  const rows = await db
    .selectFrom('recalculations')
    .select(['id', 'account_id', 'period', 'amount_kop', 'kwh', 'reason'])
    .where('account_id', '>=', fromId)
    .where('account_id', '<=', toId)
    .where('applied_period', 'is', null)
    .orderBy('id')
    .execute();
  return rows.map((r) => ({
    id: Number(r.id),
    accountId: Number(r.account_id),
    period: r.period,
    amountKop: Number(r.amount_kop),
    kwh: Number(r.kwh),
    reason: r.reason,
  }));
}

/** Marks recalculations as carried by the bill of `period`. */
export async function markRecalculationsApplied(db: Q, ids: number[], period: string): Promise<void> {
  for (let i = 0; i < ids.length; i += 1000) {
    await db
      .updateTable('recalculations')
      .set({ applied_period: period })
      .where('id', 'in', ids.slice(i, i + 1000))
      .where('applied_period', 'is', null)
      .execute();
  }
}

/** A recalculation of the account, for the back office's account card. */
export interface RecalculationRow {
  period: string;
  appliedPeriod: string | null;
  kwh: number;
  amountKop: number;
  reason: string;
  createdAt: number;
}

/** The account's recalculations, newest first. */
export async function recalculationsOf(db: Q, accountId: number, limit: number): Promise<RecalculationRow[]> {
  const rows = await db
    .selectFrom('recalculations')
    .select(['period', 'applied_period', 'kwh', 'amount_kop', 'reason', 'created_at'])
    .where('account_id', '=', accountId)
    .orderBy('created_at', 'desc')
    .orderBy('id', 'desc')
    .limit(limit)
    .execute();
  return rows.map((r) => ({
    period: r.period,
    appliedPeriod: r.applied_period,
    kwh: Number(r.kwh),
    amountKop: Number(r.amount_kop),
    reason: r.reason,
    createdAt: Number(r.created_at),
  }));
}
