import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { sql, SqliteAdapter, type Kysely } from 'kysely';
import { testDialects } from '../../../test/helpers.ts';
import { createTestDb } from '../../../test/db.ts';
import type { Database } from './schema.ts';
import { deferIndexes, restoreIndexes } from './deferred-indexes.ts';
import { migrateToLatest } from './migrate.ts';

// Indexes set aside for a bulk load come back as they were: at the load's end, or at the next
// start when the load was killed half-way.

/** The table's indexes by name with their definitions, as the database lists them. */
async function indexesOf(db: Kysely<Database>, table: string): Promise<Map<string, string>> {
  const rows =
    db.getExecutor().adapter instanceof SqliteAdapter
      ? await sql<{ name: string; def: string | null }>`
          select name, sql as def from sqlite_master where type = 'index' and tbl_name = ${table}`.execute(db)
      : await sql<{ name: string; def: string }>`
          select indexname as name, indexdef as def from pg_indexes
          where schemaname = current_schema() and tablename = ${table}`.execute(db);
  return new Map(rows.rows.map((r) => [r.name, r.def ?? '(automatic)']));
}

for (const dialect of await testDialects()) {
  describe(`indexes set aside for a bulk load (${dialect})`, () => {
    test('the secondary indexes are dropped with their definitions kept, the unique ones stay', async () => {
      const t = await createTestDb(dialect);
      try {
        const db = t.db.kysely;
        const before = await indexesOf(db, 'accounts');
        const set = await deferIndexes(db, 'accounts', 1);
        assert.ok(set.length >= 8, `set aside: ${set.join(', ')}`);
        const during = await indexesOf(db, 'accounts');
        for (const name of set) {
          assert.equal(during.has(name), false, name);
          assert.doesNotMatch(before.get(name)!, /unique/i);
        }
        // What stays is every index that is not set aside, the unique number among them.
        assert.deepEqual(
          [...during.keys()].sort(),
          [...before.keys()].filter((n) => !set.includes(n)).sort(),
        );
        assert.ok([...during.values()].some((d) => /unique|automatic/i.test(d)));
        const kept = await sql<{ name: string }>`select name from deferred_indexes`.execute(db);
        assert.deepEqual(kept.rows.map((r) => r.name).sort(), [...set].sort());

        assert.deepEqual((await restoreIndexes(db)).sort(), [...set].sort());
        assert.deepEqual(await indexesOf(db, 'accounts'), before);
        assert.equal((await sql`select name from deferred_indexes`.execute(db)).rows.length, 0);
        assert.deepEqual(await restoreIndexes(db), [], 'a second restore has nothing to do');
      } finally {
        await t.drop();
      }
    });

    test('a load killed with its indexes set aside: the next start (migration) builds them', async () => {
      const t = await createTestDb(dialect);
      try {
        const db = t.db.kysely;
        const before = await indexesOf(db, 'accounts');
        await deferIndexes(db, 'accounts', 1);
        assert.notDeepEqual(await indexesOf(db, 'accounts'), before);
        await migrateToLatest(t.db);
        assert.deepEqual(await indexesOf(db, 'accounts'), before);
      } finally {
        await t.drop();
      }
    });

    test('an index built meanwhile (two restores at once) is not built twice', async () => {
      const t = await createTestDb(dialect);
      try {
        const db = t.db.kysely;
        const before = await indexesOf(db, 'accounts');
        const set = await deferIndexes(db, 'accounts', 1);
        const first = await sql<{ definition: string }>`
          select definition from deferred_indexes where name = ${set[0]!}`.execute(db);
        await sql.raw(first.rows[0]!.definition).execute(db);
        await restoreIndexes(db);
        assert.deepEqual(await indexesOf(db, 'accounts'), before);
      } finally {
        await t.drop();
      }
    });
  });
}
