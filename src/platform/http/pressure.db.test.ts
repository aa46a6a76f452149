import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { createTestApp, testDialects, textOf } from '../../../test/helpers.ts';

/** Keeps the event loop busy for `ms`, as a runaway computation would. */
function blockLoop(ms: number): void {
  const until = Date.now() + ms;
  while (Date.now() < until) {
    // busy
  }
}

for (const dialect of await testDialects()) {
  describe(`load shedding (${dialect})`, () => {
    test('a saturated event loop gets 503 with Retry-After and the error page; /healthz still answers', async () => {
      const t = await createTestApp(dialect, {
        env: { PRESSURE_MAX_EVENT_LOOP_DELAY_MS: '50', PRESSURE_SAMPLE_INTERVAL_MS: '100' },
      });
      try {
        // Building the app (its OpenAPI document among it) holds the loop past this test's 50 ms:
        // the first samples after the start see that. The test begins once they have passed.
        for (let i = 0; i < 50 && t.app.isUnderPressure(); i++) {
          await sleep(20);
        }
        assert.equal((await t.app.inject({ url: '/' })).statusCode, 200);
        blockLoop(1500);
        // The plugin's sample, overdue, runs before this timer: it sees the blocked loop.
        await sleep(0);
        const page = await t.app.inject({ url: '/', headers: { accept: 'text/html' } });
        const api = await t.app.inject({ url: '/', headers: { accept: 'application/json' } });
        const ready = await t.app.inject({ url: '/readyz' });
        const health = await t.app.inject({ url: '/healthz' });

        assert.equal(page.statusCode, 503);
        assert.equal(page.headers['retry-after'], '10');
        assert.match(page.headers['content-security-policy'] as string, /default-src 'self'/);
        assert.match(textOf(page.body), /Сервис временно недоступен/);
        assert.doesNotMatch(page.body, /pressure|event ?loop|delay/i);
        assert.equal(api.statusCode, 503);
        assert.equal(api.json<{ error: { code: string } }>().error.code, 'overloaded');
        assert.equal(health.statusCode, 200, 'liveness is not shed');
        assert.equal(ready.statusCode, 503);
        assert.equal(ready.json<{ checks: { load: string } }>().checks.load, 'failing');

        // Once the loop is free again, the next samples let requests through.
        let status = 503;
        for (let i = 0; i < 100 && status === 503; i++) {
          await sleep(100);
          status = (await t.app.inject({ url: '/' })).statusCode;
        }
        assert.equal(status, 200);
      } finally {
        await t.close();
      }
    });
  });
}
