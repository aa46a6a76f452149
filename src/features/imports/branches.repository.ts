import type { Insertable, Kysely, Selectable, Transaction } from 'kysely';
import type { BranchesTable, Database } from '../../platform/db/schema.ts';

type Q = Kysely<Database> | Transaction<Database>;

// The supplier's branches (`branches-load`): a handful of rows, read whole. Branches are never
// deleted: accounts, settlements, offices and debt registries point at them.

/** A branch's details as the file gives them: every column of `branches` but the id. */
export type BranchDetails = Omit<Insertable<BranchesTable>, 'id'>;

export const BRANCH_COLUMNS = [
  'code',
  'name',
  'payee_name',
  'inn',
  'kpp',
  'bank_name',
  'bic',
  'corr_account',
  'settlement_account',
  'address',
  'phones',
  'fax',
  'email',
  'website',
] as const satisfies ReadonlyArray<keyof BranchDetails>;

function toDetails(r: Omit<Selectable<BranchesTable>, 'id'>): Required<BranchDetails> {
  return Object.fromEntries(BRANCH_COLUMNS.map((c) => [c, r[c]])) as Required<BranchDetails>;
}

/** Every branch by code, with its id. */
export async function branchesByCode(
  db: Q,
): Promise<Map<string, { id: number; details: Required<BranchDetails> }>> {
  const rows = await db.selectFrom('branches').selectAll().orderBy('code').execute();
  return new Map(rows.map((r) => [r.code, { id: Number(r.id), details: toDetails(r) }]));
}

export async function insertBranch(db: Q, b: BranchDetails): Promise<void> {
  await db.insertInto('branches').values(b).execute();
}

export async function updateBranch(db: Q, id: number, b: BranchDetails): Promise<void> {
  await db.updateTable('branches').set(b).where('id', '=', id).execute();
}
