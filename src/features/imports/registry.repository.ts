import { sql, type Kysely, type Transaction } from 'kysely';
import type { Database } from '../../platform/db/schema.ts';
import type { Cursor, ListPage } from '../../platform/db/paging.ts';

type Q = Kysely<Database> | Transaction<Database>;

// Registry payments: every payment a registry carried, once per (source, operation id), and
// whether it was credited to an account or waits unallocated. Back-office data: no customer
// route reaches these functions.

/** An account a registry line names: its id, and the day it is closed from (null while open). */
export interface RegistryAccount {
  id: number;
  closedOn: string | null;
}

export async function findAccounts(db: Q, numbers: string[]): Promise<Map<string, RegistryAccount>> {
  const unique = [...new Set(numbers)];
  if (unique.length === 0) {
    return new Map();
  }
  const rows = await db
    .selectFrom('accounts')
    .select(['id', 'number', 'closed_on'])
    .where('number', 'in', unique)
    .execute();
  return new Map(rows.map((r) => [r.number, { id: Number(r.id), closedOn: r.closed_on }]));
}

/** A payment as the source sent it first: what a later line with its operation id must repeat. */
export interface RecordedPayment {
  accountNumber: string;
  amountKop: number;
  paidOn: string;
  status: 'credited' | 'unallocated';
  importRunId: number;
  lineNo: number;
}

/** The payments among these operation ids that the source has already sent, by operation id. */
export async function recordedOperations(
  db: Q,
  source: string,
  operationIds: string[],
): Promise<Map<string, RecordedPayment>> {
  if (operationIds.length === 0) {
    return new Map();
  }
  const rows = await db
    .selectFrom('registry_payments')
    .select(['operation_id', 'account_number', 'amount_kop', 'paid_on', 'status', 'import_run_id', 'line_no'])
    .where('source', '=', source)
    .where('operation_id', 'in', [...new Set(operationIds)])
    .execute();
  return new Map(
    rows.map((r) => [
      r.operation_id,
      {
        accountNumber: r.account_number,
        amountKop: Number(r.amount_kop),
        paidOn: r.paid_on,
        status: r.status === 'credited' ? 'credited' : 'unallocated',
        importRunId: Number(r.import_run_id),
        lineNo: Number(r.line_no),
      },
    ]),
  );
}

export interface NewRegistryPayment {
  source: string;
  operationId: string;
  importRunId: number;
  lineNo: number;
  paidOn: string;
  accountNumber: string;
  accountId: number | null;
  amountKop: number;
  commissionKop: number;
  payerName: string;
  payerAddress: string;
  period: string | null;
  readingValues: string[] | null;
  reason: string | null;
}

/** Records the payments; returns the operation ids recorded now (one the source sent before is skipped). */
export async function insertRegistryPayments(
  tx: Q,
  rows: NewRegistryPayment[],
  now: number,
): Promise<Set<string>> {
  if (rows.length === 0) {
    return new Set();
  }
  const inserted = await tx
    .insertInto('registry_payments')
    .values(
      rows.map((r) => ({
        source: r.source,
        operation_id: r.operationId,
        import_run_id: r.importRunId,
        line_no: r.lineNo,
        paid_on: r.paidOn,
        account_number: r.accountNumber,
        account_id: r.accountId,
        amount_kop: r.amountKop,
        commission_kop: r.commissionKop,
        payer_name: r.payerName,
        payer_address: r.payerAddress,
        period: r.period,
        reading_values: r.readingValues ? JSON.stringify(r.readingValues) : null,
        status: r.accountId === null ? 'unallocated' : 'credited',
        reason: r.reason,
        created_at: now,
      })),
    )
    .onConflict((oc) => oc.columns(['source', 'operation_id']).doNothing())
    .returning('operation_id')
    .execute();
  return new Set(inserted.map((r) => r.operation_id));
}

/** Links credited registry payments of `source` to their `payments` rows (found by the external id). */
export async function linkPayments(tx: Q, source: string, operationIds: string[]): Promise<void> {
  if (operationIds.length === 0) {
    return;
  }
  await tx
    .updateTable('registry_payments')
    .set({
      payment_id: sql<number>`(select p.id from payments p where p.external_id = ${'registry:' + source + ':'} || registry_payments.operation_id)`,
    })
    .where('source', '=', source)
    .where('operation_id', 'in', operationIds)
    .execute();
}

export interface UnallocatedPayment {
  id: number;
  source: string;
  operationId: string;
  paidOn: string;
  accountNumber: string;
  amountKop: number;
  commissionKop: number;
  payerName: string;
  payerAddress: string;
  period: string | null;
  readingValues: string[] | null;
  reason: string | null;
  lineNo: number;
  importRunId: number;
}

const UNALLOCATED_COLUMNS = [
  'id',
  'source',
  'operation_id',
  'paid_on',
  'account_number',
  'amount_kop',
  'commission_kop',
  'payer_name',
  'payer_address',
  'period',
  'reading_values',
  'reason',
  'line_no',
  'import_run_id',
] as const;

type UnallocatedRow = {
  id: number | string;
  source: string;
  operation_id: string;
  paid_on: string;
  account_number: string;
  amount_kop: number | string;
  commission_kop: number | string;
  payer_name: string;
  payer_address: string;
  period: string | null;
  reading_values: string | null;
  reason: string | null;
  line_no: number | string;
  import_run_id: number | string;
};

function toUnallocated(r: UnallocatedRow): UnallocatedPayment {
  return {
    id: Number(r.id),
    source: r.source,
    operationId: r.operation_id,
    paidOn: r.paid_on,
    accountNumber: r.account_number,
    amountKop: Number(r.amount_kop),
    commissionKop: Number(r.commission_kop),
    payerName: r.payer_name,
    payerAddress: r.payer_address,
    period: r.period,
    readingValues: r.reading_values ? (JSON.parse(r.reading_values) as string[]) : null,
    reason: r.reason,
    lineNo: Number(r.line_no),
    importRunId: Number(r.import_run_id),
  };
}

/** The payments waiting for an account, oldest first. */
export async function listUnallocated(db: Q, limit: number): Promise<UnallocatedPayment[]> {
  const rows = await db
    .selectFrom('registry_payments')
    .select(UNALLOCATED_COLUMNS)
    .where('status', '=', 'unallocated')
    .orderBy('id')
    .limit(limit)
    .execute();
  return rows.map(toUnallocated);
}

export async function findUnallocated(db: Q, id: number): Promise<UnallocatedPayment | undefined> {
  const r = await db
    .selectFrom('registry_payments')
    .select(UNALLOCATED_COLUMNS)
    .where('id', '=', id)
    .where('status', '=', 'unallocated')
    .executeTakeFirst();
  return r && toUnallocated(r);
}

/** Marks an unallocated payment credited to the account; false when someone else allocated it first. */
export async function markAllocated(
  tx: Q,
  id: number,
  accountId: number,
  by: string,
  now: number,
): Promise<boolean> {
  const res = await tx
    .updateTable('registry_payments')
    .set({ status: 'credited', account_id: accountId, allocated_by: by, allocated_at: now })
    .where('id', '=', id)
    .where('status', '=', 'unallocated')
    .executeTakeFirst();
  return Number(res.numUpdatedRows) === 1;
}

/** An unallocated payment with the name of the file whose import left it (the back office's list). */
export type ListedUnallocated = UnallocatedPayment & { fileName: string };

/** The oldest `limit` payments waiting for an account with their files, and how many wait in all. */
/**
 * A page of `limit` payments waiting for an account, oldest first (by id), from `at`, with their
 * files: the accountant's payments page.
 */
export async function unallocatedPage(
  db: Q,
  limit: number,
  at: Cursor<number> = undefined,
): Promise<ListPage<ListedUnallocated>> {
  const backwards = at !== undefined && 'before' in at;
  let q = db
    .selectFrom('registry_payments as p')
    .innerJoin('import_runs as r', 'r.id', 'p.import_run_id')
    .select(UNALLOCATED_COLUMNS.map((c) => `p.${c}` as const))
    .select('r.file_name')
    .where('p.status', '=', 'unallocated');
  if (at !== undefined) {
    q = 'after' in at ? q.where('p.id', '>', at.after) : q.where('p.id', '<', at.before);
  }
  const [found, total] = await Promise.all([
    q
      .orderBy('p.id', backwards ? 'desc' : 'asc')
      .limit(limit)
      .execute(),
    countUnallocated(db),
  ]);
  const rows = (backwards ? found.reverse() : found).map((r) => ({
    ...toUnallocated(r),
    fileName: r.file_name,
  }));
  const first = rows[0];
  // Past the end (the rows after the key are gone): every row comes before.
  const skipped = first ? await countUnallocated(db, first.id) : backwards ? 0 : total;
  return { rows, skipped, total };
}

/** How many payments wait for an account, in all or before the id (index registry_payments_status). */
export async function countUnallocated(db: Q, beforeId?: number): Promise<number> {
  let q = db
    .selectFrom('registry_payments')
    .select((eb) => eb.fn.countAll<number | string>().as('n'))
    .where('status', '=', 'unallocated');
  if (beforeId !== undefined) {
    q = q.where('id', '<', beforeId);
  }
  const r = await q.executeTakeFirstOrThrow();
  return Number(r.n);
}
