import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import type { AddressInfo } from 'node:net';
import pg from 'pg';
import { sql } from 'kysely';
import type { FastifyInstance, LightMyRequestResponse } from 'fastify';
import { buildApp } from './app.ts';
import { openDb, type Db } from '../platform/db/connect.ts';
import { ManualClock } from '../platform/clock.ts';
import { Agent, testConfig, testDialects, textOf, TEST_NOW, testLogging } from '../../test/helpers.ts';
import { createTestDb, PG_ADMIN_URL, type TestDb } from '../../test/db.ts';
import { ensureDemoData } from '../tools/demo/seed-demo.ts';
import { DEMO_ACCOUNT } from '../tools/demo/demo-account.ts';

// PostgreSQL refusing connections or stalling (issue 20, faults 1 and 2): pages answer 503 with
// Retry-After, the site's error page and its security headers, within the configured timeouts.

/** A TCP proxy in front of PostgreSQL that can stop forwarding while keeping every socket open. */
class StallingProxy {
  private server: net.Server | undefined;
  private readonly sockets = new Set<net.Socket>();
  private readonly pairs: Array<[net.Socket, net.Socket]> = [];
  private stalled = false;
  port = 0;

  async start(): Promise<void> {
    this.server = net.createServer((client) => {
      this.track(client);
      if (this.stalled) {
        return; // accepted, and then nothing: as a half-dead route would
      }
      const upstream = net.connect({ host: '127.0.0.1', port: 5432 });
      this.track(upstream);
      this.pairs.push([client, upstream]);
      client.pipe(upstream).pipe(client);
    });
    await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', resolve));
    this.port = (this.server.address() as AddressInfo).port;
  }

  /** Stops forwarding in both directions on the open connections and on new ones. */
  stall(): void {
    this.stalled = true;
    for (const s of this.sockets) {
      s.unpipe();
      s.pause();
    }
  }

  /** Forwards again, on the connections still open and on new ones. */
  resume(): void {
    this.stalled = false;
    for (const [client, upstream] of this.pairs) {
      if (!client.destroyed && !upstream.destroyed) {
        client.pipe(upstream).pipe(client);
      }
    }
  }

  private track(s: net.Socket): void {
    this.sockets.add(s);
    s.on('close', () => this.sockets.delete(s));
    s.on('error', () => s.destroy());
  }

  async close(): Promise<void> {
    for (const s of this.sockets) {
      s.destroy();
    }
    await new Promise<void>((resolve) => this.server?.close(() => resolve()));
  }
}

/** The response, or 'hung' when none came within `ms` (the test goes on instead of waiting forever). */
async function within(
  ms: number,
  res: Promise<LightMyRequestResponse>,
): Promise<LightMyRequestResponse | 'hung'> {
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<'hung'>((resolve) => {
    timer = setTimeout(() => resolve('hung'), ms);
  });
  try {
    return await Promise.race([res, deadline]);
  } finally {
    clearTimeout(timer);
  }
}

/** The site's 503: Retry-After, the security headers, the error page or JSON, no internals. */
function assertUnavailable(res: LightMyRequestResponse | 'hung', kind: 'html' | 'json', what: string): void {
  assert.notEqual(res, 'hung', `${what}: no answer`);
  const r = res as LightMyRequestResponse;
  assert.equal(r.statusCode, 503, `${what}: ${r.statusCode} ${r.body.slice(0, 200)}`);
  assert.ok(Number(r.headers['retry-after']) > 0, `${what}: Retry-After`);
  assert.match(String(r.headers['content-security-policy']), /frame-ancestors 'none'/, `${what}: CSP`);
  assert.equal(r.headers['x-content-type-options'], 'nosniff', `${what}: nosniff`);
  if (kind === 'json') {
    assert.match(String(r.headers['content-type']), /^application\/json/);
    assert.equal(r.json<{ error: { code: string } }>().error.code, 'unavailable');
  } else {
    assert.match(String(r.headers['content-type']), /^text\/html/);
    assert.match(textOf(r.body), /Сервис временно недоступен/);
  }
  assert.doesNotMatch(r.body, /55000|57P0|accepting connections|timeout|at .*\.ts:\d+|stack/i, what);
}

async function admin<T>(fn: (c: pg.Client) => Promise<T>): Promise<T> {
  const c = new pg.Client({ connectionString: PG_ADMIN_URL });
  await c.connect();
  try {
    return await fn(c);
  } finally {
    await c.end();
  }
}

async function appOver(db: Db): Promise<FastifyInstance> {
  return buildApp({ config: testConfig(), db, clock: new ManualClock(TEST_NOW), ...testLogging() });
}

if ((await testDialects()).includes('postgres')) {
  describe('PostgreSQL refusing connections or stalling', () => {
    let base: TestDb;
    let name = '';
    before(async () => {
      base = await createTestDb('postgres');
      await ensureDemoData(base.db, new Date(TEST_NOW));
      name = new URL(base.url).pathname.slice(1);
    });
    after(async () => {
      // Only the throw-away database of this test is ever altered.
      await admin((c) => c.query(`alter database ${name} allow_connections true`));
      await base.drop();
    });

    test('a database that refuses connections (55000) or ends them (57P01) gives 503 and recovers', async () => {
      const db = openDb({ databaseUrl: base.url, poolSize: 3, timeouts: testConfig().db.requests });
      const app = await appOver(db);
      try {
        const agent = new Agent(app);
        assert.equal((await agent.login(DEMO_ACCOUNT.number, DEMO_ACCOUNT.surname)).statusCode, 303);
        assert.equal((await agent.get('/cabinet')).statusCode, 200);

        await admin(async (c) => {
          await c.query(`alter database ${name} allow_connections false`);
          await c.query(
            'select pg_terminate_backend(pid) from pg_stat_activity where datname = $1 and pid <> pg_backend_pid()',
            [name],
          );
        });
        // Whether the pool still held a client that the server ended (57P01, "terminated") or
        // connects anew and is refused (55000), the page is the same.
        for (let i = 0; i < 4; i++) {
          assertUnavailable(await agent.get('/cabinet'), 'html', `page ${i}`);
        }
        assertUnavailable(await agent.get('/cabinet', { accept: 'application/json' }), 'json', 'JSON client');
        const login = await new Agent(app).login(DEMO_ACCOUNT.number, DEMO_ACCOUNT.surname);
        assertUnavailable(login, 'html', 'login');

        await admin((c) => c.query(`alter database ${name} allow_connections true`));
        assert.equal((await agent.get('/cabinet')).statusCode, 200);
      } finally {
        await admin((c) => c.query(`alter database ${name} allow_connections true`));
        await app.close();
        await db.close();
      }
    });

    test('a connection that stalls fails within the timeouts with 503, and the pool recovers', async () => {
      const proxy = new StallingProxy();
      await proxy.start();
      const url = new URL(base.url);
      url.port = String(proxy.port);
      const timeouts = testConfig({
        DB_CONNECT_TIMEOUT_MS: '1000',
        DB_STATEMENT_TIMEOUT_MS: '1500',
        DB_IDLE_TX_TIMEOUT_MS: '2000',
      }).db.requests;
      const db = openDb({ databaseUrl: url.toString(), poolSize: 3, timeouts });
      const app = await appOver(db);
      try {
        const settings = await sql<{
          statement_timeout: string;
          idle_in_transaction_session_timeout: string;
        }>`select current_setting('statement_timeout') as statement_timeout,
                  current_setting('idle_in_transaction_session_timeout') as idle_in_transaction_session_timeout`.execute(
          db.kysely,
        );
        assert.deepEqual(settings.rows[0], {
          statement_timeout: '1500ms',
          idle_in_transaction_session_timeout: '2s',
        });
        const agent = new Agent(app);
        assert.equal((await agent.login(DEMO_ACCOUNT.number, DEMO_ACCOUNT.surname)).statusCode, 303);
        assert.equal((await agent.get('/cabinet')).statusCode, 200);

        proxy.stall();
        // Each request meets a stalled pooled client (given up 1.5 + 1 s after sending) or a new
        // connection that never completes (1 s); 20 s is far beyond both, and far below "hangs".
        const started = Date.now();
        assertUnavailable(
          await within(20_000, agent.get('/cabinet')),
          'html',
          'page over a stalled connection',
        );
        const login = await within(20_000, new Agent(app).login(DEMO_ACCOUNT.number, DEMO_ACCOUNT.surname));
        assertUnavailable(login, 'html', 'login over a stalled connection');
        assertUnavailable(
          await within(20_000, agent.get('/cabinet', { accept: 'application/json' })),
          'json',
          'JSON client over a stalled connection',
        );
        console.log(`# three requests over a stalled connection answered 503 in ${Date.now() - started} ms`);

        proxy.resume();
        const again = await within(20_000, agent.get('/cabinet'));
        assert.equal(again === 'hung' ? 'hung' : again.statusCode, 200);
      } finally {
        // The proxy's sockets first: a client stuck on one would hold up the pool's end.
        await proxy.close();
        await app.close();
        await db.close();
      }
    });
  });
}
