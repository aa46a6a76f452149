import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { buildApp } from '../../app/app.ts';
import { ManualClock } from '../clock.ts';
import { Agent, testConfig, testDialects, TEST_NOW } from '../../../test/helpers.ts';
import { createTestDb } from '../../../test/db.ts';
import { ensureDemoData } from '../../tools/demo/seed-demo.ts';
import { DEMO_ACCOUNT } from '../../tools/demo/demo-account.ts';
import { createLogger } from './log-serializers.ts';

interface Line {
  time?: string;
  reqId?: string;
  msg?: string;
  route?: string | null;
  status?: number;
  durationMs?: number;
  accountId?: number | null;
  req?: { method: string; url: string };
}

/** An app over a fresh database with the demo account, logging into `lines`. */
async function loggingApp(dialect: 'sqlite' | 'postgres', env: Record<string, string> = {}) {
  const lines: Line[] = [];
  const sink = new Writable({
    write(chunk: Buffer, _enc, done) {
      for (const l of chunk.toString('utf8').split('\n').filter(Boolean)) {
        lines.push(JSON.parse(l) as Line);
      }
      done();
    },
  });
  const t = await createTestDb(dialect);
  await ensureDemoData(t.db, new Date(TEST_NOW));
  const app = await buildApp({
    config: testConfig(env),
    db: t.db,
    clock: new ManualClock(TEST_NOW),
    logger: createLogger('info', sink),
  });
  await app.ready();
  return {
    app,
    lines,
    async close() {
      await app.close();
      await t.drop();
    },
  };
}

for (const dialect of await testDialects()) {
  describe(`request log lines (${dialect})`, () => {
    test('each answer: ISO time, request id (also a header), route, status, duration, account', async () => {
      const t = await loggingApp(dialect);
      try {
        const agent = new Agent(t.app);
        assert.equal((await agent.login(DEMO_ACCOUNT.number, DEMO_ACCOUNT.surname)).statusCode, 303);
        const page = await agent.get('/cabinet/bills/2026-05.pdf?x=1');
        const id = page.headers['x-request-id'];
        assert.match(String(id), /^[0-9a-f-]{36}$/);
        const line = t.lines.find((l) => l.msg === 'request completed' && l.reqId === id);
        assert.ok(line, JSON.stringify(t.lines.slice(-3)));
        assert.match(line.time ?? '', /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
        assert.equal(line.route, '/cabinet/bills/:file');
        assert.equal(line.status, page.statusCode);
        assert.ok(typeof line.durationMs === 'number' && line.durationMs >= 0);
        assert.equal(line.req?.url, '/cabinet/bills/2026-05.pdf');
        const account = await agent.app.inject({ url: '/no-such-page' });
        const anonymous = t.lines.find((l) => l.reqId === account.headers['x-request-id']);
        assert.equal(anonymous?.accountId, null);
        assert.equal(anonymous?.route, null);
        assert.equal(typeof line.accountId, 'number');
        // Every line of a request carries its id; none carries the surname typed at login.
        assert.ok(t.lines.every((l) => l.reqId !== undefined || l.msg !== 'request completed'));
        assert.ok(!JSON.stringify(t.lines).includes(DEMO_ACCOUNT.surname));
      } finally {
        await t.close();
      }
    });

    test("the proxy's X-Request-Id only when proxies are trusted, and only a sane one", async () => {
      const direct = await loggingApp(dialect);
      const proxied = await loggingApp(dialect, { TRUST_PROXY: '1' });
      try {
        const ask = (app: typeof direct.app, id: string) =>
          app.inject({ url: '/ping', headers: { 'x-request-id': id }, remoteAddress: '127.0.0.1' });
        assert.notEqual((await ask(direct.app, 'nginx-4f2a9c')).headers['x-request-id'], 'nginx-4f2a9c');
        assert.equal((await ask(proxied.app, 'nginx-4f2a9c')).headers['x-request-id'], 'nginx-4f2a9c');
        for (const bad of ['a b', 'x'.repeat(200), '"},{"level":60']) {
          const id = (await ask(proxied.app, bad)).headers['x-request-id'];
          assert.match(String(id), /^[0-9a-f-]{36}$/, bad);
        }
        assert.ok(proxied.lines.some((l) => l.reqId === 'nginx-4f2a9c'));
      } finally {
        await direct.close();
        await proxied.close();
      }
    });
  });
}
