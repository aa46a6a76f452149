import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { testDialects } from '../../../test/helpers.ts';
import { bulkAccounts, cloneDb, createTestDb, reopenDb } from '../../../test/db.ts';
import { chargeStats, CLOSE_OPTS } from '../../../test/billing-support.ts';
import { ensureReferenceData } from '../../tools/demo/reference-data.ts';
import { closeMonth } from './close-month.ts';
import type { Db } from '../../platform/db/connect.ts';

// The closing with worker threads: the same charges as alone, and a failing worker.

for (const dialect of await testDialects()) {
  describe(`closing with worker threads (${dialect})`, () => {
    test(
      'worker threads compute exactly the charges the closing computes alone',
      { timeout: 120_000 },
      async () => {
        const base = await createTestDb(dialect);
        await ensureReferenceData(base.db.kysely, 2026);
        await bulkAccounts(base.db, 1500, '2026-09');
        const alone = await cloneDb(dialect, base);
        const threaded = await cloneDb(dialect, base);
        await base.drop();
        const charges = async (db: Db) =>
          db.kysely
            .selectFrom('charges')
            .select([
              'account_id',
              'kwh',
              'amount_kop',
              'odn_kop',
              'method',
              'reading_id',
              'debt_kop',
              'details',
            ])
            .where('period', '=', '2026-10')
            .orderBy('account_id')
            .execute();
        const opts = { ...CLOSE_OPTS, currentPeriod: '2026-11', period: '2026-10', batchSize: 64 };
        try {
          const a = reopenDb(alone.url);
          const resA = await closeMonth(a, opts);
          const expected = await charges(a);
          await a.close();
          const b = reopenDb(threaded.url);
          const target = dialect === 'sqlite' ? { sqlitePath: threaded.url } : { databaseUrl: threaded.url };
          let progress = 0;
          const resB = await closeMonth(b, {
            ...opts,
            workers: { count: 2, db: target },
            onProgress: (done) => (progress = done),
          });
          const got = await charges(b);
          await b.close();
          assert.equal(expected.length, 1500);
          assert.equal(progress, 1500);
          assert.deepEqual(resB, resA);
          assert.deepEqual(got, expected);
        } finally {
          await alone.drop();
          await threaded.drop();
        }
      },
    );

    test('a worker that fails stops the closing with its error; the period stays open and a new run closes it', async () => {
      const t = await createTestDb(dialect);
      const empty = fs.mkdtempSync(path.join(os.tmpdir(), 'lk-empty-'));
      try {
        await ensureReferenceData(t.db.kysely, 2026);
        await bulkAccounts(t.db, 200, '2026-09');
        const opts = { ...CLOSE_OPTS, currentPeriod: '2026-11', period: '2026-10', batchSize: 50 };
        // A database without the schema: every batch the worker reads fails.
        await assert.rejects(
          closeMonth(t.db, {
            ...opts,
            workers: { count: 1, db: { sqlitePath: path.join(empty, 'portal.db') } },
          }),
          /closing worker: .*no such table/,
        );
        const state = await t.db.kysely
          .selectFrom('billing_periods')
          .select('status')
          .where('period', '=', '2026-10')
          .executeTakeFirst();
        assert.notEqual(state?.status, 'closed');
        const res = await closeMonth(t.db, opts);
        assert.equal(res.status, 'closed');
        assert.equal((await chargeStats(t.db, '2026-10')).n, 200);
      } finally {
        await t.drop();
        fs.rmSync(empty, { recursive: true, force: true });
      }
    });
  });
}
