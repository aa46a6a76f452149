import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import type { FastifyInstance, LightMyRequestResponse } from 'fastify';
import { buildApp } from './app.ts';
import { openDb, type Db } from '../platform/db/connect.ts';
import { ManualClock } from '../platform/clock.ts';
import { Agent, testConfig, textOf, TEST_NOW, testLogging } from '../../test/helpers.ts';
import { createTestDb, type TestDb } from '../../test/db.ts';
import { ensureDemoData } from '../tools/demo/seed-demo.ts';
import { DEMO_ACCOUNT } from '../tools/demo/demo-account.ts';

// SQLite while another process holds the write lock (issue 20, fault 11): better-sqlite3 is
// synchronous, so SQLite's own busy wait froze the whole server for up to 5 s. The event loop
// must stay free; a write waits for the lock and succeeds, or answers 503 past DB_LOCK_WAIT_MS.

/** Another process: takes the write lock, says so, holds it for `ms`, then commits and exits. */
const HOLDER = `
const Database = require('better-sqlite3');
const db = new Database(process.argv[1]);
db.exec('begin immediate');
process.stdout.write('locked\\n');
setTimeout(() => { db.exec('commit'); db.close(); }, Number(process.argv[2]));
`;

async function holdWriteLock(file: string, ms: number): Promise<ChildProcess> {
  const child = spawn(process.execPath, ['-e', HOLDER, file, String(ms)], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const said: unknown[] = await once(child.stdout, 'data');
  assert.equal(String(said[0]).trim(), 'locked');
  return child;
}

/**
 * The longest delay of a 10 ms timer while `work` runs: how long the event loop could not serve
 * anything else (a generous bound in the asserts, for a loaded machine).
 */
async function loopLagDuring<T>(work: () => Promise<T>): Promise<{ result: T; lagMs: number }> {
  let worst = 0;
  let last = performance.now();
  const timer = setInterval(() => {
    const now = performance.now();
    worst = Math.max(worst, now - last - 10);
    last = now;
  }, 10);
  try {
    const result = await work();
    return { result, lagMs: Math.round(Math.max(worst, performance.now() - last - 10)) };
  } finally {
    clearInterval(timer);
  }
}

describe('SQLite while another process holds the write lock', () => {
  let base: TestDb;
  let db: Db;
  let app: FastifyInstance;
  before(async () => {
    base = await createTestDb('sqlite');
    await ensureDemoData(base.db, new Date(TEST_NOW));
    const config = testConfig({ DB_LOCK_WAIT_MS: '2000' });
    // As server.ts opens it: the requests' timeouts.
    db = openDb({ sqlitePath: base.url, timeouts: config.db.requests });
    app = await buildApp({ config, db, clock: new ManualClock(TEST_NOW), ...testLogging() });
  });
  after(async () => {
    await app.close();
    await db.close();
    await base.drop();
  });

  test('a login waits for the lock without freezing the server, then succeeds', async () => {
    const agent = new Agent(app);
    await agent.get('/cabinet');
    const holder = await holdWriteLock(base.url, 1200);
    const exited = once(holder, 'exit');
    const { result, lagMs } = await loopLagDuring(async () => {
      // Reads go on meanwhile (WAL): the login page of another visitor.
      const page = await app.inject({ url: '/cabinet' });
      const login = await agent.post('/login', {
        from: 'cabinet',
        account: DEMO_ACCOUNT.number,
        surname: DEMO_ACCOUNT.surname,
        consent: 'yes',
      });
      return { page, login };
    });
    await exited;
    console.log(`# lock held 1.2 s: event loop lag at most ${lagMs} ms; login ${result.login.statusCode}`);
    assert.equal(result.page.statusCode, 200);
    assert.equal(result.login.statusCode, 303, textOf(result.login.body).slice(0, 200));
    assert.ok(lagMs < 500, `the event loop froze for ${lagMs} ms`);
    assert.equal((await agent.get('/cabinet')).statusCode, 200);
  });

  test('past DB_LOCK_WAIT_MS the write answers 503 with Retry-After, and the server stays free', async () => {
    const agent = new Agent(app);
    await agent.get('/cabinet');
    const holder = await holdWriteLock(base.url, 3500);
    const exited = once(holder, 'exit');
    const { result, lagMs } = await loopLagDuring((): Promise<LightMyRequestResponse> =>
      agent.post('/login', {
        from: 'cabinet',
        account: DEMO_ACCOUNT.number,
        surname: DEMO_ACCOUNT.surname,
        consent: 'yes',
      }),
    );
    console.log(
      `# lock held 3.5 s, limit 2 s: event loop lag at most ${lagMs} ms; login ${result.statusCode}`,
    );
    assert.equal(result.statusCode, 503);
    assert.ok(Number(result.headers['retry-after']) > 0);
    assert.match(textOf(result.body), /Сервис временно недоступен/);
    assert.ok(lagMs < 500, `the event loop froze for ${lagMs} ms`);
    await exited;
    // The lock is gone: the same login goes through.
    const again = await agent.post('/login', {
      from: 'cabinet',
      account: DEMO_ACCOUNT.number,
      surname: DEMO_ACCOUNT.surname,
      consent: 'yes',
    });
    assert.equal(again.statusCode, 303);
  });
});
