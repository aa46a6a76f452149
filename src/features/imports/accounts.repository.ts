import type { Insertable, Kysely, Selectable, Transaction } from 'kysely';
import type { AccountsTable, Database } from '../../platform/db/schema.ts';

type Q = Kysely<Database> | Transaction<Database>;

// The accounts import's SQL: reference data it checks against, the accounts a batch names, their
// inserts and updates, and the numbers of all accounts (accounts missing from a full file).
// Back-office data: no customer route reaches these functions.

export async function listBranches(db: Q): Promise<Array<{ id: number; code: string }>> {
  const rows = await db.selectFrom('branches').select(['id', 'code']).orderBy('code').execute();
  return rows.map((r) => ({ id: Number(r.id), code: r.code }));
}

/** Tariff plan id by code (the file's tariff group). */
export async function tariffPlanIds(db: Q): Promise<Map<string, number>> {
  const rows = await db.selectFrom('tariff_plans').select(['id', 'code']).execute();
  return new Map(rows.map((r) => [r.code, Number(r.id)]));
}

/** The fields of an account that the import sets (and compares). */
export interface ImportedAccount {
  number: string;
  settlementCode: string;
  surname: string;
  firstName: string;
  patronymic: string;
  objectAddress: string;
  deliveryAddress: string;
  areaE2: number;
  residents: number;
  tariffPlanId: number;
  phone: string | null;
  importedEmail: string | null;
  closedOn: string | null;
}

const COLUMNS = [
  'id',
  'number',
  'settlement_code',
  'surname',
  'first_name',
  'patronymic',
  'object_address',
  'delivery_address',
  'area_e2',
  'residents',
  'tariff_plan_id',
  'phone',
  'imported_email',
  'closed_on',
] as const;

type Row = Pick<Selectable<AccountsTable>, (typeof COLUMNS)[number]>;

function toImported(r: Row): ImportedAccount & { id: number } {
  return {
    id: Number(r.id),
    number: r.number,
    settlementCode: r.settlement_code,
    surname: r.surname,
    firstName: r.first_name,
    patronymic: r.patronymic,
    objectAddress: r.object_address,
    deliveryAddress: r.delivery_address,
    areaE2: Number(r.area_e2),
    residents: Number(r.residents),
    tariffPlanId: Number(r.tariff_plan_id),
    phone: r.phone,
    importedEmail: r.imported_email,
    closedOn: r.closed_on,
  };
}

/** The accounts with these numbers, as the import compares them. */
export async function findAccounts(
  db: Q,
  numbers: string[],
): Promise<Map<string, ImportedAccount & { id: number }>> {
  if (numbers.length === 0) {
    return new Map();
  }
  const rows = await db.selectFrom('accounts').select(COLUMNS).where('number', 'in', numbers).execute();
  return new Map(rows.map((r) => [r.number, toImported(r)]));
}

function columnsOf(a: ImportedAccount) {
  return {
    settlement_code: a.settlementCode,
    surname: a.surname,
    first_name: a.firstName,
    patronymic: a.patronymic,
    object_address: a.objectAddress,
    delivery_address: a.deliveryAddress,
    area_e2: a.areaE2,
    residents: a.residents,
    tariff_plan_id: a.tariffPlanId,
    phone: a.phone,
    imported_email: a.importedEmail,
    closed_on: a.closedOn,
  };
}

export async function insertAccounts(
  db: Q,
  accounts: Array<ImportedAccount & { branchId: number }>,
  now: number,
): Promise<void> {
  if (accounts.length === 0) {
    return;
  }
  const rows: Insertable<AccountsTable>[] = accounts.map((a) => ({
    number: a.number,
    ...columnsOf(a),
    branch_id: a.branchId,
    created_at: now,
  }));
  await db.insertInto('accounts').values(rows).execute();
}

export async function updateAccount(db: Q, id: number, a: ImportedAccount): Promise<void> {
  await db.updateTable('accounts').set(columnsOf(a)).where('id', '=', id).execute();
}

/** Every account number, in order, a page at a time after `after`. */
export async function accountNumbersAfter(db: Q, after: string, limit: number): Promise<string[]> {
  const rows = await db
    .selectFrom('accounts')
    .select('number')
    .where('number', '>', after)
    .orderBy('number')
    .limit(limit)
    .execute();
  return rows.map((r) => r.number);
}
