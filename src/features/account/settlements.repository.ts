import type { Kysely, Transaction } from 'kysely';
import type { Database } from '../../platform/db/schema.ts';

type Q = Kysely<Database> | Transaction<Database>;

// The settlement codes (the first two digits of account numbers): reference data that a supplier
// loads for its region (`settlements-load`). Two digits make at most 100 rows, so a check reads
// them all.

export interface Settlement {
  code: string;
  name: string;
  /** The branch that serves it (new accounts of an import get it); null = not said. */
  branchId: number | null;
}

/** Every settlement, by code. */
export async function listSettlements(db: Q): Promise<Settlement[]> {
  const rows = await db
    .selectFrom('settlements')
    .select(['code', 'name', 'branch_id'])
    .orderBy('code')
    .execute();
  return rows.map((r) => ({
    code: r.code,
    name: r.name,
    branchId: r.branch_id === null ? null : Number(r.branch_id),
  }));
}

/** The known codes, for `parseAccountNumber`. */
export async function settlementCodes(db: Q): Promise<Set<string>> {
  const rows = await db.selectFrom('settlements').select('code').execute();
  return new Set(rows.map((r) => r.code));
}

/** Adds a settlement, or renames it and sets its branch. */
export async function upsertSettlement(db: Q, s: Settlement): Promise<void> {
  await db
    .insertInto('settlements')
    .values({ code: s.code, name: s.name, branch_id: s.branchId })
    .onConflict((oc) => oc.column('code').doUpdateSet({ name: s.name, branch_id: s.branchId }))
    .execute();
}

/** How many accounts have each of the codes. */
export async function accountsPerSettlement(db: Q, codes: string[]): Promise<Map<string, number>> {
  if (codes.length === 0) {
    return new Map();
  }
  const rows = await db
    .selectFrom('accounts')
    .select(['settlement_code', db.fn.countAll<number | string>().as('n')])
    .where('settlement_code', 'in', codes)
    .groupBy('settlement_code')
    .execute();
  return new Map(rows.map((r) => [r.settlement_code, Number(r.n)]));
}

/** Removes a settlement that no account has; false when one has it (or it is gone). */
export async function removeUnusedSettlement(db: Q, code: string): Promise<boolean> {
  const r = await db
    .deleteFrom('settlements')
    .where('code', '=', code)
    .where((eb) =>
      eb.not(eb.exists(eb.selectFrom('accounts').select('id').where('settlement_code', '=', code))),
    )
    .executeTakeFirst();
  return Number(r.numDeletedRows) === 1;
}
