/**
 * The plans of the queries one logged-in view of the main page runs on a PostgreSQL dataset:
 * the session lookup, then every query of `loadMainPage` for a few accounts drawn as the main
 * scenario draws them, each through `EXPLAIN (ANALYZE, BUFFERS)` with the parameters the portal
 * sent. Each query runs twice: the first, cold, plan is not printed; the second shows what a
 * view costs once the account's pages are in the cache, as under load. Prints the plans of the
 * first account and, for all of them, each query's execution time and buffers.
 *
 *   npm run bench -- explain [--url URL] [--accounts N]
 *
 * The default URL is the `main --db pg --full` dataset, lk_bench_1m.
 */
import { parseArgs } from 'node:util';
import pg from 'pg';
import { openDb } from '../src/platform/db/connect.ts';
import { loadMainPage } from '../src/pages/main/main.service.ts';
import { findSessionByHash } from '../src/features/account/session.repository.ts';
import { dateInZone } from '../src/domain/dates.ts';
import { DEFAULT_MONTH_SCHEDULE } from '../src/domain/schedule.ts';
import { DEFAULT_TIME_ZONE } from '../src/platform/config.ts';
import { PG_SERVER_URL, pgDatasetName } from './lib/dataset.ts';
import { pickCustomersPg } from './lib/sessions.ts';

interface Query {
  sql: string;
  params: readonly unknown[];
}

export async function runExplainBench(args: string[]): Promise<void> {
  const { values } = parseArgs({
    args,
    options: { url: { type: 'string' }, accounts: { type: 'string', default: '5' } },
    allowPositionals: true,
  });
  const count = Number(values.accounts);
  if (!Number.isSafeInteger(count) || count < 1) {
    throw new Error('--accounts must be a whole number ≥ 1');
  }
  const url = values.url ?? defaultUrl();
  const customers = await pickCustomersPg(url, count, 1);
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  const seen: Query[] = [];
  const base = openDb({
    databaseUrl: url,
    // One connection: the page's queries then run one after another, in the order sent.
    poolSize: 1,
    log: (e) => {
      if (e.level === 'query') {
        seen.push({ sql: e.query.sql, params: e.query.parameters });
      }
    },
  });
  try {
    const today = dateInZone(new Date(), process.env.SUPPLIER_TIME_ZONE ?? DEFAULT_TIME_ZONE);
    const { rows: sizes } = await client.query<{
      accounts: string;
      readings: string;
      charges: string;
      payments: string;
    }>(
      `select (select count(*) from accounts) as accounts, (select count(*) from readings) as readings,
              (select count(*) from charges) as charges, (select count(*) from payments) as payments`,
    );
    console.log(
      `explain: ${url.replace(/\/\/[^@]*@/, '//')}, today ${today}, rows ${JSON.stringify(sizes[0])}`,
    );
    const { rows: settings } = await client.query<{ name: string; setting: string }>(
      `select name, current_setting(name) as setting from pg_settings
        where name in ('shared_buffers', 'work_mem', 'effective_cache_size', 'random_page_cost', 'max_connections', 'autovacuum')`,
    );
    console.log(`settings: ${settings.map((s) => `${s.name}=${s.setting}`).join(', ')}`);
    const summary: string[] = [];
    for (const [k, c] of customers.entries()) {
      const { rows } = await client.query<{ id: string }>('select id from accounts where number = $1', [
        c.number,
      ]);
      const accountId = Number(rows[0]!.id);
      seen.length = 0;
      // The session lookup every logged-in request makes (a token hash no session has: the same plan).
      await findSessionByHash(base.kysely, 'x'.repeat(64));
      await loadMainPage(base.kysely, accountId, today, DEFAULT_MONTH_SCHEDULE);
      const queries = [...seen];
      for (const [i, q] of queries.entries()) {
        await explain(client, q); // cold: not shown
        const plan = await explain(client, q);
        const time = /Execution Time: ([\d.]+) ms/.exec(plan)?.[1] ?? '?';
        const hits = /Buffers: shared hit=(\d+)/.exec(plan)?.[1] ?? '0';
        const table = /from "?(\w+)"?/i.exec(q.sql)?.[1] ?? '?';
        summary.push(`account ${c.number}  query ${i + 1} (${table})  ${time} ms, ${hits} buffers hit`);
        if (k === 0) {
          console.log(
            `\n-- query ${i + 1} of ${queries.length} (account ${c.number}):\n${q.sql}\n-- parameters: ${JSON.stringify(q.params)}\n${plan}`,
          );
        }
      }
    }
    console.log(`\n${summary.join('\n')}`);
  } finally {
    await base.close();
    await client.end();
  }
}

async function explain(client: pg.Client, q: Query): Promise<string> {
  const res = await client.query<{ 'QUERY PLAN': string }>(`explain (analyze, buffers) ${q.sql}`, [
    ...q.params,
  ]);
  return res.rows.map((r) => r['QUERY PLAN']).join('\n');
}

function defaultUrl(): string {
  const u = new URL(PG_SERVER_URL);
  u.pathname = `/${pgDatasetName(1_000_000, 1)}`;
  return u.toString();
}
