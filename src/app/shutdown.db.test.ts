import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { buildApp } from './app.ts';
import { ManualClock } from '../platform/clock.ts';
import { ensureDemoData } from '../tools/demo/seed-demo.ts';
import { DEMO_ACCOUNT } from '../tools/demo/demo-account.ts';
import { Agent, testConfig, testDialects, textOf, TEST_NOW, testLogging } from '../../test/helpers.ts';
import { createTestDb, reopenDb } from '../../test/db.ts';

for (const dialect of await testDialects()) {
  describe(`shutting down (${dialect})`, () => {
    test('pages being built when the server closes are finished before the database is closed', async () => {
      const base = await createTestDb(dialect);
      try {
        await ensureDemoData(base.db, new Date(TEST_NOW));
        const db = reopenDb(base.url);
        const app = await buildApp({
          config: testConfig(),
          db,
          clock: new ManualClock(TEST_NOW),
          ...testLogging(),
        });
        await app.ready();
        const agent = new Agent(app);
        assert.equal((await agent.login(DEMO_ACCOUNT.number, DEMO_ACCOUNT.surname)).statusCode, 303);
        const pages = Array.from({ length: 20 }, () => agent.get('/cabinet'));
        await new Promise((r) => setImmediate(r)); // the requests have arrived
        await app.close();
        assert.equal(await app.requestsDone(5_000), true, 'the requests finished');
        await db.close();
        for (const page of await Promise.all(pages)) {
          assert.equal(page.statusCode, 200);
          assert.match(textOf(page.body), /Справочная информация о потребителе/);
        }
      } finally {
        await base.drop();
      }
    });
  });
}
