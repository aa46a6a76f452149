import type { Kysely } from 'kysely';
import type { Database } from '../../platform/db/schema.ts';
import { deferIndexes, restoreIndexes, rowCount } from '../../platform/db/deferred-indexes.ts';

/** A format that mostly adds rows to `table`: files of `minRecords` records or more may load in bulk. */
export interface BulkLoad {
  table: string;
  minRecords: number;
}

/**
 * Runs `apply` with the table's secondary indexes set aside when the file is big (at least
 * `minRecords` records) next to what the table holds (fewer rows than the file), and builds them
 * again after, whether `apply` ended or threw (killed, the next start builds them: see
 * platform/db/deferred-indexes.ts).
 */
export async function withBulkLoad(
  db: Kysely<Database>,
  bulk: BulkLoad | undefined,
  records: number,
  now: number,
  apply: () => Promise<void>,
): Promise<void> {
  const big = bulk !== undefined && records >= bulk.minRecords && (await rowCount(db, bulk.table)) < records;
  if (!big) {
    return apply();
  }
  await deferIndexes(db, bulk.table, now);
  try {
    await apply();
  } finally {
    await restoreIndexes(db);
  }
}
