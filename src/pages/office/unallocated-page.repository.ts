import type { Kysely } from 'kysely';
import type { Database } from '../../platform/db/schema.ts';
import type { ListedUnallocated } from '../../features/imports/registry.repository.ts';
import type { Cursor, ListPage } from '../../features/payments/staff-orders.repository.ts';

// A page of the unallocated registry payments for the accountant's payments page. Its place is
// beside listUnallocatedWithFiles in features/imports/registry.repository.ts (which gives only the
// first rows); that folder is being changed by another piece of work, so the page's window is read
// here for now, in the same order (the id) and with the same columns. Move it there with the next
// change to the imports feature.

type Db = Kysely<Database>;

/** A page of `limit` payments waiting for an account, oldest first, from `at`, with their files. */
export async function unallocatedPage(
  db: Db,
  limit: number,
  at: Cursor<number> = undefined,
): Promise<ListPage<ListedUnallocated>> {
  const backwards = at !== undefined && 'before' in at;
  let q = db
    .selectFrom('registry_payments as p')
    .innerJoin('import_runs as r', 'r.id', 'p.import_run_id')
    .select([
      'p.id',
      'p.source',
      'p.operation_id',
      'p.paid_on',
      'p.account_number',
      'p.amount_kop',
      'p.commission_kop',
      'p.payer_name',
      'p.payer_address',
      'p.period',
      'p.reading_values',
      'p.reason',
      'p.line_no',
      'p.import_run_id',
      'r.file_name',
    ])
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
    fileName: r.file_name,
  }));
  const first = rows[0];
  // Past the end (the rows after the key are gone): every row comes before.
  const skipped = first ? await countUnallocated(db, first.id) : backwards ? 0 : total;
  return { rows, skipped, total };
}

/** How many payments wait for an account in all, or before the id (index registry_payments_status). */
async function countUnallocated(db: Db, beforeId?: number): Promise<number> {
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
