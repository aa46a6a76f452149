import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { sql } from 'kysely';
import { testDialects } from '../../../test/helpers.ts';
import { createTestDb } from '../../../test/db.ts';
import { migrateToLatest } from './migrate.ts';
import type { Db } from './connect.ts';

async function columns(db: Db, table: string): Promise<string[]> {
  const r =
    db.dialect === 'sqlite'
      ? await sql<{ name: string }>`select name from pragma_table_info(${table})`.execute(db.kysely)
      : await sql<{
          name: string;
        }>`select column_name as name from information_schema.columns where table_name = ${table}`.execute(
          db.kysely,
        );
  return r.rows.map((c) => c.name);
}

async function triggers(db: Db): Promise<string[]> {
  const r =
    db.dialect === 'sqlite'
      ? await sql<{ name: string }>`select name from sqlite_master where type = 'trigger'`.execute(db.kysely)
      : await sql<{ name: string }>`select tgname as name from pg_trigger where not tgisinternal`.execute(
          db.kysely,
        );
  return r.rows.map((t) => t.name);
}

for (const dialect of await testDialects()) {
  describe(`migrations (${dialect})`, () => {
    test('a database that had the main page cache stamp loses it, its triggers and functions on upgrade', async () => {
      // A database as the version with the cache left it: migrated up to the stamp's migration.
      const t = await createTestDb(dialect, { upTo: '2026112707_page_versions' });
      try {
        const db = t.db.kysely;
        // The state the removed cache left: the stamp column and a trigger that renews it.
        await sql`alter table accounts add column page_version bigint not null default 0`.execute(db);
        if (dialect === 'sqlite') {
          await sql`create trigger page_version_payments_insert after insert on payments begin update accounts set page_version = 1 where id = new.account_id; end`.execute(
            db,
          );
        } else {
          await sql`create function page_version_bump_new() returns trigger language plpgsql as $$ begin update accounts set page_version = 1 where id in (select account_id from page_version_new); return null; end $$`.execute(
            db,
          );
          await sql`create trigger page_version_payments_insert after insert on payments referencing new table as page_version_new for each statement execute function page_version_bump_new()`.execute(
            db,
          );
        }
        assert.ok((await columns(t.db, 'accounts')).includes('page_version'));

        const res = await migrateToLatest(t.db);
        assert.deepEqual(res.results?.[0], {
          migrationName: '2026120601_drop_page_version',
          direction: 'Up',
          status: 'Success',
        });
        assert.ok(!(await columns(t.db, 'accounts')).includes('page_version'));
        assert.deepEqual(await triggers(t.db), []);
        if (dialect === 'postgres') {
          const f = await sql<{
            n: number;
          }>`select count(*)::int as n from pg_proc where proname like 'page_version%'`.execute(db);
          assert.equal(f.rows[0]!.n, 0);
        }
      } finally {
        await t.drop();
      }
    });

    test('a new database passes the removed cache migrations without the column; a second run does nothing', async () => {
      const t = await createTestDb(dialect);
      try {
        assert.ok(!(await columns(t.db, 'accounts')).includes('page_version'));
        const again = await migrateToLatest(t.db);
        assert.deepEqual(again.results, []);
      } finally {
        await t.drop();
      }
    });
  });
}
