import { test } from 'node:test';
import { Kysely, SqliteDialect } from 'kysely';
import assert from 'node:assert/strict';
import { createTestApp } from '../../../test/helpers.ts';
import { DEMO_ACCOUNT } from '../../tools/demo/demo-account.ts';
import { loadMainPage } from './main.service.ts';
import { DEFAULT_MONTH_SCHEDULE } from '../../domain/schedule.ts';
import type { Database } from '../../platform/db/schema.ts';

// The main page reads one customer's meter, payments and readings on every view; on SQLite these
// reads must be served by the (account, date) indexes alone, whose entries for one customer lie
// together, and never reach the table rows, which lie one per page (migration 2026112706).
test('on SQLite the main page reads the meter, payments and readings from covering indexes', async () => {
  const t = await createTestApp('sqlite');
  try {
    const account = await t.db.kysely
      .selectFrom('accounts')
      .select('id')
      .where('number', '=', DEMO_ACCOUNT.number)
      .executeTakeFirstOrThrow();
    // The same database through a Kysely that records each query it runs.
    const seen: Array<{ sql: string; params: readonly unknown[] }> = [];
    const db = new Kysely<Database>({
      dialect: new SqliteDialect({ database: t.db.sqlite! }),
      log: (e) => {
        seen.push({ sql: e.query.sql, params: e.query.parameters });
      },
    });
    const page = await loadMainPage(db, Number(account.id), '2026-06-10', DEFAULT_MONTH_SCHEDULE);
    assert.ok(
      page.payments.length > 0 && page.readings.length > 0 && page.meter,
      'the demo account has a history',
    );
    for (const table of ['meters', 'payments', 'readings']) {
      const reads = seen.filter((s) => new RegExp(`\\bfrom "?${table}"?(\\s|$)`).test(s.sql));
      assert.equal(reads.length, 1, `one read of ${table}`);
      const { sql, params } = reads[0]!;
      const plan = (
        t.db.sqlite!.prepare(`explain query plan ${sql}`).all(...params) as Array<{ detail: string }>
      )
        .map((r) => r.detail)
        .join(' | ');
      assert.match(plan, new RegExp(`^SEARCH ${table} USING COVERING INDEX ${table}_account_history `), plan);
      assert.doesNotMatch(plan, /TEMP B-TREE/, plan);
    }
  } finally {
    await t.close();
  }
});
