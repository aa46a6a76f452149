import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import type { AddressInfo } from 'node:net';
import { buildApp } from './app.ts';
import { openDb } from '../platform/db/connect.ts';
import { migrateToLatest } from '../platform/db/migrate.ts';
import { ManualClock } from '../platform/clock.ts';
import {
  Agent,
  createTestApp,
  testConfig,
  testDialects,
  textOf,
  TEST_NOW,
  testLogging,
} from '../../test/helpers.ts';
import { createTestDb, type TestDb } from '../../test/db.ts';
import { ensureDemoData } from '../tools/demo/seed-demo.ts';
import { DEMO_ACCOUNT } from '../tools/demo/demo-account.ts';

/** A TCP proxy in front of PostgreSQL that the test can cut and restore, as if the server stopped. */
class CuttableProxy {
  private server: net.Server | undefined;
  private sockets = new Set<net.Socket>();
  port = 0;
  constructor(private readonly target: { host: string; port: number }) {}
  async start(port = 0): Promise<void> {
    this.server = net.createServer((client) => {
      const upstream = net.connect(this.target);
      for (const s of [client, upstream]) {
        this.sockets.add(s);
        s.on('close', () => this.sockets.delete(s));
        s.on('error', () => s.destroy());
      }
      client.pipe(upstream).pipe(client);
    });
    await new Promise<void>((resolve) => this.server!.listen(port, '127.0.0.1', resolve));
    this.port = (this.server.address() as AddressInfo).port;
  }
  async cut(): Promise<void> {
    for (const s of this.sockets) {
      s.destroy();
    }
    await new Promise<void>((resolve) => this.server!.close(() => resolve()));
  }
}

for (const dialect of await testDialects()) {
  describe(`health and database loss (${dialect})`, () => {
    test('GET /healthz says the process lives; GET /readyz that the database answers, migrated', async () => {
      const t = await createTestApp(dialect);
      try {
        const res = await t.app.inject({ url: '/healthz' });
        assert.equal(res.statusCode, 200);
        assert.deepEqual(res.json(), { status: 'ok' });
        const ready = await t.app.inject({ url: '/readyz' });
        assert.equal(ready.statusCode, 200);
        assert.deepEqual(ready.json(), {
          status: 'ready',
          checks: { database: 'ok', migrations: 'ok', shutdown: 'ok', load: 'ok' },
        });
      } finally {
        await t.close();
      }
    });

    test('GET /readyz is 503 while a migration of this version is pending, then ready', async () => {
      // Not the bare initial schema: building the app reads the database's secret (mail_keys, from
      // 2026112705_mail) for the sandbox bank's notification key; the server migrates first.
      const t = await createTestDb(dialect, { upTo: '2026120870_staff' });
      const app = await buildApp({
        config: testConfig(),
        db: t.db,
        clock: new ManualClock(TEST_NOW),
        ...testLogging(),
      });
      try {
        const early = await app.inject({ url: '/readyz' });
        assert.equal(early.statusCode, 503);
        assert.equal(early.headers['retry-after'], '5');
        assert.deepEqual(early.json(), {
          status: 'unavailable',
          checks: { database: 'ok', migrations: 'failing', shutdown: 'ok', load: 'ok' },
        });
        assert.equal((await app.inject({ url: '/healthz' })).statusCode, 200);
        await migrateToLatest(t.db);
        assert.equal((await app.inject({ url: '/readyz' })).statusCode, 200);
      } finally {
        await app.close();
        await t.drop();
      }
    });
  });
}

describe('database loss on SQLite', () => {
  test('a closed database answers 503 with Retry-After and no internals', async () => {
    const t = await createTestApp('sqlite');
    const agent = new Agent(t.app);
    await agent.login(DEMO_ACCOUNT.number, DEMO_ACCOUNT.surname);
    t.db.sqlite!.close();
    assert.equal((await t.app.inject({ url: '/healthz' })).statusCode, 200, 'the process lives');
    const ready = await t.app.inject({ url: '/readyz' });
    assert.equal(ready.statusCode, 503);
    assert.equal(ready.headers['retry-after'], '5');
    assert.deepEqual(ready.json(), {
      status: 'unavailable',
      checks: { database: 'failing', migrations: 'unknown', shutdown: 'ok', load: 'ok' },
    });
    const page = await agent.get('/cabinet');
    assert.equal(page.statusCode, 503);
    assert.equal(page.headers['retry-after'], '30');
    assert.match(textOf(page.body), /Сервис временно недоступен/);
    assert.doesNotMatch(page.body, /at .*\.ts:\d+|SqliteError|TypeError|stack/i);
    await t.app.close();
  });
});

test('migrating an unreachable database says so, not that some migration failed', async () => {
  // A port nothing listens on: bind one, then free it.
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  const db = openDb({ databaseUrl: `postgres://127.0.0.1:${port}/nothing`, poolSize: 1 });
  try {
    await assert.rejects(migrateToLatest(db), /cannot migrate the PostgreSQL database: .*ECONNREFUSED/);
  } finally {
    await db.close();
  }
});

if ((await testDialects()).includes('postgres')) {
  describe('database loss on PostgreSQL', () => {
    let base: TestDb;
    const proxy = new CuttableProxy({ host: '127.0.0.1', port: 5432 });
    before(async () => {
      base = await createTestDb('postgres');
      await ensureDemoData(base.db, new Date(TEST_NOW));
      await proxy.start();
    });
    after(async () => {
      await base.drop();
    });

    test('pages answer 503 with Retry-After while PostgreSQL is away, and recover by themselves', async () => {
      const url = new URL(base.url);
      url.port = String(proxy.port);
      const db = openDb({ databaseUrl: url.toString(), poolSize: 3 });
      const app = await buildApp({
        config: testConfig(),
        db,
        clock: new ManualClock(TEST_NOW),
        ...testLogging(),
      });
      try {
        const agent = new Agent(app);
        assert.equal((await agent.login(DEMO_ACCOUNT.number, DEMO_ACCOUNT.surname)).statusCode, 303);
        assert.equal((await agent.get('/cabinet')).statusCode, 200);

        await proxy.cut();
        assert.equal((await app.inject({ url: '/healthz' })).statusCode, 200, 'the process lives');
        const ready = await app.inject({ url: '/readyz' });
        assert.equal(ready.statusCode, 503);
        assert.ok(Number(ready.headers['retry-after']) > 0);
        assert.deepEqual(ready.json(), {
          status: 'unavailable',
          checks: { database: 'failing', migrations: 'unknown', shutdown: 'ok', load: 'ok' },
        });
        const page = await agent.get('/cabinet');
        assert.equal(page.statusCode, 503);
        assert.match(textOf(page.body), /Сервис временно недоступен/);
        assert.doesNotMatch(page.body, /ECONNREFUSED|at .*\.ts:\d+|stack/);
        const login = await new Agent(app).login(DEMO_ACCOUNT.number, DEMO_ACCOUNT.surname);
        assert.equal(login.statusCode, 503);

        await proxy.start(proxy.port);
        assert.equal((await app.inject({ url: '/readyz' })).statusCode, 200);
        assert.equal((await agent.get('/cabinet')).statusCode, 200);
      } finally {
        await app.close();
        await db.close();
        await proxy.cut();
      }
    });
  });
}
