import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { testDialects } from '../../../test/helpers.ts';
import { createTestDb } from '../../../test/db.ts';
import {
  ACCOUNTS,
  digests,
  NOW,
  rows,
  SEED,
  seeded,
  TODAY,
  TZ,
  type Seeded,
} from '../../../test/generate-support.ts';
import { openDb, type Db } from '../../platform/db/connect.ts';
import { migrateToLatest } from '../../platform/db/migrate.ts';
import { generate } from './generate.ts';
import { DEMO_ACCOUNT } from '../demo/demo-account.ts';

// Runs of the generator: the same rows for the same seed however they are made, appending to a
// database, and the bulk-load path into a SQLite file.

for (const dialect of await testDialects()) {
  describe(`generate runs (${dialect})`, () => {
    let a: Seeded;
    let db: Db;
    before(async () => {
      a = await seeded(dialect, false);
      db = a.t.db;
    });
    after(async () => a.t.drop());

    test('the same seed gives the same rows, with the model in a worker thread and in small chunks too', async () => {
      const b = await seeded(dialect, true);
      try {
        assert.deepEqual(b.result, a.result);
        const [da, db2] = [await digests(db), await digests(b.t.db)];
        assert.deepEqual([...da.keys()], [...db2.keys()]);
        for (const [table, digest] of da) {
          if (digest === db2.get(table)) {
            continue;
          }
          // Only a table that differed before the generator ran (migration timestamps, per-database
          // secrets) may differ, and the generator must not have touched it.
          assert.notEqual(
            a.before.get(table),
            b.before.get(table),
            `${table} differs after generating the same seed`,
          );
          assert.equal(digest, a.before.get(table), table);
          assert.equal(db2.get(table), b.before.get(table), table);
        }
        assert.equal(da.get('readings'), db2.get('readings'));
      } finally {
        await b.t.drop();
      }
    });

    test('appends after the existing accounts; the database keeps working', async () => {
      const before = await rows<{ m: number }>(db, `select max(id) as m from accounts`);
      const res = await generate(db, { accounts: 20, seed: SEED, now: NOW, timeZone: TZ, progress: false });
      assert.equal(res.accounts, 20);
      const added = await rows<{ id: number; number: string }>(
        db,
        `select id, number from accounts where id > ${Number(before[0]!.m)}`,
      );
      assert.equal(added.length, 20);
      const all = await rows<{ n: number; d: number }>(
        db,
        `select count(*) as n, count(distinct number) as d from accounts`,
      );
      assert.equal(Number(all[0]!.n), Number(all[0]!.d));
      const demo = await rows<{ n: number }>(
        db,
        `select count(*) as n from accounts where number = '${DEMO_ACCOUNT.number}'`,
      );
      assert.equal(Number(demo[0]!.n), 1);
      // Ids given by the generator do not collide with the ones the database gives next.
      const acc = added[0]!;
      await db.kysely
        .insertInto('payments')
        .values({
          account_id: acc.id,
          paid_on: TODAY,
          amount_kop: 100,
          channel: 'office',
          external_id: null,
          created_at: NOW.getTime(),
        })
        .execute();
      await db.kysely
        .insertInto('readings')
        .values({
          account_id: acc.id,
          meter_id: (
            await db.kysely
              .selectFrom('meters')
              .select('id')
              .where('account_id', '=', acc.id)
              .executeTakeFirstOrThrow()
          ).id,
          reading_date: TODAY,
          value1: 1,
          value2: null,
          value3: null,
          channel: 'operator',
          status: 'review',
          reason: null,
          submitted_at: NOW.getTime(),
          submitted_ip: null,
        })
        .execute();
    });
  });
}

describe('generate into a SQLite file (bulk-load path: second writer thread, indexes rebuilt)', () => {
  test('the same rows as in memory; WAL, indexes and settings restored; nothing left behind', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'lk-generate-'));
    const file = openDb({ sqlitePath: path.join(dir, 'portal.db') });
    const memory = await createTestDb('sqlite');
    try {
      await migrateToLatest(file);
      const opts = { accounts: ACCOUNTS, seed: SEED, now: NOW, timeZone: TZ, progress: false };
      const indexes = (db: Db) =>
        rows<{ name: string; sql: string | null }>(
          db,
          `select name, sql from sqlite_master where type in ('index', 'trigger') order by name`,
        );
      const indexesBefore = await indexes(file);
      const before = [await digests(memory.db), await digests(file)] as const;
      assert.deepEqual(
        await generate(file, { ...opts, worker: true, chunkSize: 37 }),
        await generate(memory.db, { ...opts, worker: false }),
      );
      const after = [await digests(memory.db), await digests(file)] as const;
      for (const [table, digest] of after[0]) {
        if (digest === after[1].get(table)) {
          continue;
        }
        assert.notEqual(before[0].get(table), before[1].get(table), `${table} differs`);
      }
      assert.deepEqual(await indexes(file), indexesBefore);
      const h = file.sqlite!;
      assert.equal(h.pragma('journal_mode', { simple: true }), 'wal');
      assert.equal(h.pragma('foreign_keys', { simple: true }), 1);
      assert.deepEqual(h.pragma('foreign_key_check'), []);
      assert.equal(h.pragma('integrity_check', { simple: true }), 'ok');
      assert.deepEqual(
        fs.readdirSync(dir).filter((f) => f.includes('.gen-')),
        [],
      );
      // Appending to tables that have rows takes the one-writer path.
      await generate(file, { ...opts, accounts: 30, worker: true });
      assert.equal(h.pragma('integrity_check', { simple: true }), 'ok');
      const [n] = await rows<{ n: number }>(file, `select count(*) as n from accounts`);
      assert.equal(Number(n!.n), ACCOUNTS + 30);
    } finally {
      await file.close();
      await memory.drop();
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
