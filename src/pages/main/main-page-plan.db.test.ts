import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createTestApp } from '../../../test/helpers.ts';
import { DEMO_ACCOUNT } from '../../tools/demo/demo-account.ts';
import { loadMainPage } from './main.service.ts';

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
    const seen: Array<{ sql: string; params: readonly (string | number | null)[] }> = [];
    const rows = t.db.rows.bind(t.db);
    t.db.rows = (sql, params) => {
      seen.push({ sql, params });
      return rows(sql, params);
    };
    const page = await loadMainPage(t.db, Number(account.id), '2026-06-10');
    assert.ok(
      page.payments.length > 0 && page.readings.length > 0 && page.meter,
      'the demo account has a history',
    );
    for (const table of ['meters', 'payments', 'readings']) {
      const reads = seen.filter((s) => new RegExp(`\\bfrom ${table}\\b`).test(s.sql));
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
