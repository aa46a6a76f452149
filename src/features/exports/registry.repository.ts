import type { Kysely, Transaction } from 'kysely';
import type { Database } from '../../platform/db/schema.ts';
import {
  ACCOUNT_COLS,
  accountPart,
  chargesOfAccounts,
  PAGE,
  type AccountPart,
} from './exports.repository.ts';

type Q = Kysely<Database> | Transaction<Database>;

// The debts registry's reads and the numbers of its files (debt_registry_files).

export interface RegistryLine extends AccountPart {
  debtKop: number;
}

/** The period's charges (the debt at its end) of the branch's accounts after `afterId`, or of all accounts. */
export async function registryPage(
  db: Q,
  period: string,
  branchId: number | null,
  afterId: number,
  limit = PAGE,
): Promise<RegistryLine[]> {
  let q = chargesOfAccounts(db, period, afterId).select([...ACCOUNT_COLS, 'c.debt_kop']);
  if (branchId !== null) {
    q = q.where('a.branch_id', '=', branchId);
  }
  const rows = await q.orderBy('a.id').limit(limit).execute();
  return rows.map((r) => ({ ...accountPart(r), debtKop: Number(r.debt_kop) }));
}

export interface Branch {
  id: number;
  code: string;
  name: string;
  inn: string;
  settlementAccount: string;
}

export async function listBranches(db: Q): Promise<Branch[]> {
  const rows = await db
    .selectFrom('branches')
    .select(['id', 'code', 'name', 'inn', 'settlement_account'])
    .orderBy('id')
    .execute();
  return rows.map((r) => ({
    id: Number(r.id),
    code: r.code,
    name: r.name,
    inn: r.inn,
    settlementAccount: r.settlement_account,
  }));
}

export interface RegistryFileKey {
  inn: string;
  settlementAccount: string;
  period: string;
}

/**
 * Takes the next number of the (INN, account, month) for a registry file: the highest so far + 1,
 * recorded at once. Two runs at the same moment may read the same highest: the unique key refuses
 * the second's insert, and it reads again.
 */
export async function reserveRegistryNumber(
  db: Kysely<Database>,
  key: RegistryFileKey,
  fileName: (seq: number) => string,
  who: { branchId: number | null; staffUserId: number | null; at: number },
): Promise<{ id: number; seq: number; fileName: string }> {
  for (let attempt = 0; ; attempt++) {
    try {
      return await db.transaction().execute(async (tx) => {
        const top = await tx
          .selectFrom('debt_registry_files')
          .select((e) => e.fn.max('seq').as('seq'))
          .where('inn', '=', key.inn)
          .where('settlement_account', '=', key.settlementAccount)
          .where('period', '=', key.period)
          .executeTakeFirst();
        const seq = Number(top?.seq ?? 0) + 1;
        const name = fileName(seq);
        const row = await tx
          .insertInto('debt_registry_files')
          .values({
            inn: key.inn,
            settlement_account: key.settlementAccount,
            period: key.period,
            seq,
            file_name: name,
            branch_id: who.branchId,
            staff_user_id: who.staffUserId,
            created_at: who.at,
          })
          .returning('id')
          .executeTakeFirstOrThrow();
        return { id: Number(row.id), seq, fileName: name };
      });
    } catch (err) {
      if (attempt >= 9) {
        throw err;
      }
    }
  }
}

/** Gives a number back when its file could not be made (the next run takes it again). */
export async function releaseRegistryNumber(db: Q, id: number): Promise<void> {
  await db.deleteFrom('debt_registry_files').where('id', '=', id).execute();
}

export interface RegistryFileRow {
  fileName: string;
  createdAt: number;
  staffLogin: string | null;
}

/** The latest registry files made, newest first (the page lists them). */
export async function latestRegistryFiles(db: Q, limit: number): Promise<RegistryFileRow[]> {
  const rows = await db
    .selectFrom('debt_registry_files as f')
    .leftJoin('staff_users as s', 's.id', 'f.staff_user_id')
    .select(['f.file_name', 'f.created_at', 's.login'])
    .orderBy('f.id', 'desc')
    .limit(limit)
    .execute();
  return rows.map((r) => ({ fileName: r.file_name, createdAt: Number(r.created_at), staffLogin: r.login }));
}
