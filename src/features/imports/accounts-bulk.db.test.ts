import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { sql, type Kysely, type Transaction } from 'kysely';
import { testDialects } from '../../../test/helpers.ts';
import { ManualClock } from '../../platform/clock.ts';
import type { Database } from '../../platform/db/schema.ts';
import { runImport } from './engine.ts';
import { accountsFormat } from './accounts.format.ts';
import { countAccounts, HEADER, line, NOW, REGION, tmpFile, withDb } from './accounts-fixture.db.test.ts';

// A big accounts file into a table that holds fewer accounts is loaded with the table's search
// indexes set aside (platform/db/deferred-indexes.ts), and they are built at the end; a small one
// keeps them. `bulkFrom` lowers the size that counts as big.

async function setAside(db: Kysely<Database> | Transaction<Database>): Promise<number> {
  return (await sql`select name from deferred_indexes`.execute(db)).rows.length;
}

/** Applies `lines` new accounts and notes how many indexes were set aside while each batch applied. */
async function load(db: Kysely<Database>, lines: number, bulkFrom: number) {
  const numbers = Array.from({ length: lines }, (_, i) => `17${String(70_000_000 + i * 7).padStart(8, '0')}`);
  const file = tmpFile([HEADER, ...numbers.map((n) => line(n))].join('\n') + '\n');
  const clock = new ManualClock(NOW);
  const format = accountsFormat({ region: REGION, full: false, clock, bulkFrom });
  const seen: number[] = [];
  const apply = format.apply.bind(format);
  format.apply = async (tx, batch, runId) => {
    seen.push(await setAside(tx));
    return apply(tx, batch, runId);
  };
  const reportPath = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'lk-report-')), 'report.csv');
  const summary = await runImport(db, format, file, { apply: true, clock, reportPath });
  return { summary, seen };
}

for (const dialect of await testDialects()) {
  describe(`accounts loaded in bulk (${dialect})`, () => {
    test('a file bigger than the table: indexes set aside while applying, all back after, accounts found', async () => {
      await withDb(dialect, async ({ db }) => {
        const k = db.kysely;
        const { summary, seen } = await load(k, 40, 30);
        assert.equal(summary.status, 'applied');
        assert.equal(summary.counts.added, 40);
        assert.ok(seen.length > 0 && seen.every((n) => n >= 8), `set aside per batch: ${seen.join(', ')}`);
        assert.equal(await setAside(k), 0);
        assert.equal(await countAccounts(db), 41);
        // The surname search's index is back and answers.
        const found = await sql<{ n: number }>`
          select count(*) as n from accounts where surname_key = ${'смирнов'}`.execute(k);
        assert.equal(Number(found.rows[0]!.n), 40);
      });
    });

    test('a file below the size, or not bigger than the table: the indexes stay', async () => {
      await withDb(dialect, async ({ db }) => {
        const small = await load(db.kysely, 20, 30);
        assert.equal(small.summary.counts.added, 20);
        assert.deepEqual([...new Set(small.seen)], [0]);
        // 21 accounts in the table now: a file of 21 lines is not bigger.
        const same = await load(db.kysely, 21, 1);
        assert.deepEqual([...new Set(same.seen)], [0]);
      });
    });
  });
}
