import { createHash } from 'node:crypto';
import os from 'node:os';
import autocannon from 'autocannon';
import SQLite from 'better-sqlite3';
import type { BenchContext } from './index.ts';
import { loadResult } from './lib/load.ts';
import { table, verdict } from './lib/report.ts';
import { cpuMeter, RssSampler } from './lib/rss.ts';
import { startServer } from './lib/server.ts';
import { pickCustomers } from './lib/sessions.ts';

/**
 * `npm run bench -- api`: GET /api/v1/accounts/{number}/balance with Bearer tokens, on the
 * generated dataset (100 000 accounts, `--full` 1 000 000) and the built server. The bench adds
 * `--sessions` profiles (default 2 000), each with one account of the dataset and one `read`
 * token; the requests take the tokens in turn, so that each is used once in 2 000 requests and
 * none reaches its rate limit (60 a minute) in a run of up to about 40 000 requests a minute.
 * The tokens are derived from the seed (`lk_` + SHA-256 of the seed and the index, the token
 * page's format), so a later run finds the same rows in the reused dataset and adds none.
 * Target (ours): p99 ≤ 50 ms at 50 connections, no error and no answer but 200.
 */
export async function apiScenario(ctx: BenchContext): Promise<void> {
  const { options: o, dataset } = ctx;
  const server = await startServer(dataset.dir);
  const rss = new RssSampler(server.pid);
  rss.start();
  try {
    const callers = ensureCallers(dataset.dbPath, o.sessions, o.seed);
    console.log(`server: pid ${server.pid} at ${server.url}; ${callers.length} tokens, one account each`);
    const probe = await fetch(`${server.url}/api/v1/accounts/${callers[0]!.number}/balance`, {
      headers: { authorization: `Bearer ${callers[0]!.token}` },
    });
    if (probe.status !== 200) {
      throw new Error(`the balance answered ${probe.status}: ${await probe.text()}`);
    }
    const loadBefore = os.loadavg()[0]!.toFixed(2);
    const run = (seconds: number) => balanceRun(server.url, callers, o.connections, seconds);
    rss.phasePeakMb();
    if (o.warmup > 0) {
      await run(o.warmup);
    }
    const cpu = cpuMeter(server.pid);
    const result = loadResult('GET /api/v1/accounts/{number}/balance', await run(o.seconds), rss, cpu.stop());
    console.log('');
    console.log(
      `scenario api: SQLite, ${dataset.accounts.toLocaleString('en-US')} accounts (seed ${dataset.seed}), ` +
        `${callers.length} tokens, ${o.connections} connections, ${o.seconds} s after ${o.warmup} s of warm-up; ` +
        `load average ${loadBefore} before, ${os.loadavg()[0]!.toFixed(2)} after`,
    );
    console.log(table([result]));
    const failed = result.non2xx + result.errors + result.timeouts;
    console.log(`balance p99: ${result.p99} ms (target ≤ 50 ms: ${verdict(result.p99 <= 50)})`);
    console.log(`answers other than 200, errors, timeouts: ${failed} (target 0: ${verdict(failed === 0)})`);
  } finally {
    rss.stop();
    await server.stop();
  }
}

interface Caller {
  number: string;
  token: string;
}

/**
 * One autocannon run: the requests take the tokens in turn, all of them before any again, so that
 * each token is used once in `callers.length` requests. (autocannon hands a request's context to
 * the next request fresh, so a per-connection counter in it starts again at every request: an
 * earlier version of this bench used 50 tokens only, which met their rate limit at once.)
 */
async function balanceRun(
  url: string,
  callers: Caller[],
  connections: number,
  seconds: number,
): Promise<autocannon.Result> {
  let next = 0;
  return autocannon({
    url,
    connections,
    duration: seconds,
    requests: [
      {
        method: 'GET',
        setupRequest: (req) => {
          const caller = callers[next++ % callers.length]!;
          return {
            ...req,
            path: `/api/v1/accounts/${caller.number}/balance`,
            headers: { ...req.headers, authorization: `Bearer ${caller.token}` },
          };
        },
      },
    ],
  });
}

const YEAR_MS = 365 * 24 * 60 * 60 * 1000;

/**
 * The bench's profiles and tokens in the dataset (the server has migrated it): `count` distinct
 * accounts drawn as the main scenario draws its customers, each in a profile of its own with a
 * `read` token, made once and renewed (unrevoked, a year from now) on each run.
 */
function ensureCallers(dbPath: string, count: number, seed: number): Caller[] {
  const customers = pickCustomers(dbPath, count, seed + 7);
  const db = new SQLite(dbPath);
  db.pragma('busy_timeout = 10000');
  const now = Date.now();
  const accountId = db.prepare('select id from accounts where number = ?');
  const addProfile = db.prepare(
    'insert into profiles (email, email_confirmed_at, password_hash, created_at) values (?, ?, null, ?) on conflict (email) do nothing',
  );
  const profileId = db.prepare('select id from profiles where email = ?');
  const attach = db.prepare(
    "insert into profile_accounts (profile_id, account_id, attached_at, attached_by) values (?, ?, ?, 'proof') on conflict do nothing",
  );
  const addToken = db.prepare(
    `insert into api_tokens (profile_id, name, token_hash, scopes, created_at, expires_at, revoked_at, last_used_at, last_used_ip)
     values (?, 'bench', ?, 'read', ?, ?, null, null, null)
     on conflict (token_hash) do update set expires_at = excluded.expires_at, revoked_at = null`,
  );
  const callers: Caller[] = [];
  db.transaction(() => {
    customers.forEach((c, i) => {
      const email = `bench-api-${seed}-${i}@example.invalid`;
      addProfile.run(email, now, now);
      const profile = (profileId.get(email) as { id: number }).id;
      attach.run(profile, (accountId.get(c.number) as { id: number }).id, now);
      const token = `lk_${createHash('sha256').update(`bench-api:${seed}:${i}`).digest('base64url')}`;
      addToken.run(profile, createHash('sha256').update(token).digest('hex'), now, now + YEAR_MS);
      callers.push({ number: c.number, token });
    });
  })();
  db.close();
  return callers;
}
