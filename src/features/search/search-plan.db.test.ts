import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { Kysely, PostgresDialect, SqliteDialect } from 'kysely';
import { createTestApp, testDialects, type TestApp } from '../../../test/helpers.ts';
import type { Database } from '../../platform/db/schema.ts';
import { parseSearch, type SearchValues } from './search.service.ts';
import { searchAccounts } from './search.repository.ts';

// Each kind of search is a range of an index (migration 2026120896), never a scan of accounts or
// meters: on SQLite by EXPLAIN QUERY PLAN; on PostgreSQL by EXPLAIN with sequential scans
// priced out (they stay in the plan only where no index can serve).

const EMPTY: SearchValues = { number: '', name: '', street: '', house: '', flat: '', serial: '' };
const QUERIES: Array<[string, Partial<SearchValues>]> = [
  ['a part of the number', { number: '0571' }],
  ['a 10-digit number', { number: '1705057190' }],
  ['the surname', { name: 'федоров' }],
  ['the surname with initials', { name: 'Иванов П. С.' }],
  ['the street', { street: 'Ленина' }],
  ['the street and house', { street: 'Ленина', house: '5' }],
  ['the street, house and flat', { street: 'Ленина', house: '5', flat: '12' }],
  ['the serial', { serial: '1680' }],
];

for (const dialect of await testDialects()) {
  describe(`search plans (${dialect})`, () => {
    let t: TestApp;
    before(async () => {
      t = await createTestApp(dialect);
    });
    after(async () => t.close());

    for (const [what, values] of QUERIES) {
      test(`${what}: index ranges only`, async () => {
        const parsed = parseSearch({ ...EMPTY, ...values });
        assert.equal(parsed.kind, 'ok');
        if (parsed.kind !== 'ok') {
          return;
        }
        const seen: Array<{ sql: string; params: readonly unknown[] }> = [];
        const log = (e: { query: { sql: string; parameters: readonly unknown[] } }) => {
          seen.push({ sql: e.query.sql, params: e.query.parameters });
        };
        const db = new Kysely<Database>({
          dialect:
            dialect === 'sqlite'
              ? new SqliteDialect({ database: t.db.sqlite! })
              : new PostgresDialect({ pool: t.db.pool! }),
          log,
        });
        await searchAccounts(db, parsed.criteria, 0, 21);
        assert.ok(seen.length >= 1);
        for (const { sql: text, params } of seen) {
          await checkPlan(t, dialect, text, params, what);
        }
      });
    }
  });
}

async function checkPlan(
  t: TestApp,
  dialect: string,
  text: string,
  params: readonly unknown[],
  what: string,
) {
  if (dialect === 'sqlite') {
    const plan = (
      t.db.sqlite!.prepare(`explain query plan ${text}`).all(...params) as Array<{ detail: string }>
    )
      .map((r) => r.detail)
      .join(' | ');
    assert.doesNotMatch(plan, /\bSCAN (accounts|meters)\b/, plan);
    assert.match(
      plan,
      /SEARCH accounts USING (COVERING INDEX|INDEX|INTEGER PRIMARY KEY)|MULTI-INDEX OR/,
      plan,
    );
  } else {
    const client = await t.db.pool!.connect();
    let plan: string;
    try {
      await client.query('begin');
      await client.query('set local enable_seqscan = off');
      const rows = await client.query<{ 'QUERY PLAN': string }>(`explain ${text}`, [...params]);
      plan = rows.rows.map((r) => r['QUERY PLAN']).join('\n');
    } finally {
      await client.query('rollback');
      client.release();
    }
    assert.doesNotMatch(plan, /Seq Scan on (accounts|meters)/, plan);
  }
  if (what === 'a part of the number' && dialect === 'sqlite' && /union/i.test(text)) {
    const plan = (
      t.db.sqlite!.prepare(`explain query plan ${text}`).all(...params) as Array<{ detail: string }>
    )
      .map((r) => r.detail)
      .join(' | ');
    // Every range read from its index alone: the table only for the page's rows.
    assert.doesNotMatch(plan, /SEARCH accounts USING INDEX/, plan);
  }
}
