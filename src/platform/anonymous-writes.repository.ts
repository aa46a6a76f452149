import { sql, type Kysely, type Transaction } from 'kysely';
import type { Database } from './db/schema.ts';

// The counters of writes without a session (platform/http/anonymous-writes.ts): one row per
// scope, key and window, counted by one upsert so that every instance adds to the same row.

export interface WriteCount {
  scope: string;
  key: string;
  windowStart: number;
  hits: number;
  maxHits: number;
}

/** Adds one write to its window's counter and returns the count with it. */
export async function countWrite(
  db: Kysely<Database>,
  w: { scope: string; key: string; windowStart: number; maxHits: number },
): Promise<number> {
  const row = await db
    .insertInto('anonymous_writes')
    .values({ scope: w.scope, key: w.key, window_start: w.windowStart, hits: 1, max_hits: w.maxHits })
    .onConflict((oc) =>
      oc
        .columns(['scope', 'key', 'window_start'])
        .doUpdateSet({ hits: sql<number>`anonymous_writes.hits + 1`, max_hits: w.maxHits }),
    )
    .returning('hits')
    .executeTakeFirstOrThrow();
  return Number(row.hits);
}

/** Deletes the counters of windows that began before `before` and returns them (each to one caller). */
export async function takeFinished(
  db: Kysely<Database> | Transaction<Database>,
  before: number,
): Promise<WriteCount[]> {
  const rows = await db
    .deleteFrom('anonymous_writes')
    .where('window_start', '<', before)
    .returningAll()
    .execute();
  return rows.map((r) => ({
    scope: r.scope,
    key: r.key,
    windowStart: Number(r.window_start),
    hits: Number(r.hits),
    maxHits: Number(r.max_hits),
  }));
}
