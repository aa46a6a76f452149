import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { setTimeout as sleep } from 'node:timers/promises';
import { testDialects } from '../../../test/helpers.ts';
import { bulkAccounts, cliEnvFor, cloneDb, createTestDb, reopenDb } from '../../../test/db.ts';
import { chargeStats } from '../../../test/billing-support.ts';
import { ensureReferenceData } from '../../tools/demo/reference-data.ts';
import { portalArgs } from '../../../test/portal-process.ts';

// The closing CLI killed mid-run and run again: exactly what a clean run gives.

/** The environment of a CLI run on the database at `url`: logs off, outside the test runner. */
function cliEnv(url: string): NodeJS.ProcessEnv {
  return cliEnvFor(url, { LOG_LEVEL: 'silent' });
}

for (const dialect of await testDialects()) {
  describe(`closing killed with SIGKILL and run again (${dialect})`, () => {
    test('exactly one charge per account, and the totals of a clean run', { timeout: 300_000 }, async () => {
      const base = await createTestDb(dialect);
      await ensureReferenceData(base.db.kysely, 2026);
      await bulkAccounts(base.db, 6000, '2026-09'); // closing October, a month the wall clock has left behind
      const clean = await cloneDb(dialect, base);
      const killed = await cloneDb(dialect, base);
      await base.drop();
      const run = (url: string) =>
        spawn(process.execPath, portalArgs('cli', ['close-month', '2026-10', '--batch-size', '100']), {
          env: cliEnv(url),
          stdio: ['ignore', 'pipe', 'pipe'],
        });
      const finish = (child: ReturnType<typeof run>) =>
        new Promise<{ code: number | null; out: string }>((resolve) => {
          let out = '';
          child.stdout.on('data', (d: Buffer) => (out += d.toString()));
          child.stderr.on('data', (d: Buffer) => (out += d.toString()));
          child.on('exit', (code) => resolve({ code, out }));
        });
      try {
        const cleanRun = await finish(run(clean.url));
        assert.equal(cleanRun.code, 0, cleanRun.out);
        const cleanDb = reopenDb(clean.url);
        const expected = await chargeStats(cleanDb, '2026-10');
        await cleanDb.close();
        assert.equal(expected.n, 6000, cleanRun.out);

        // Kill the run once it has written some charges, but not all.
        const watcher = reopenDb(killed.url);
        const child = run(killed.url);
        const exited = finish(child);
        let seen = 0;
        for (let i = 0; i < 600 && child.exitCode === null; i++) {
          seen = (await chargeStats(watcher, '2026-10')).n;
          if (seen > 0) {
            break;
          }
          await sleep(20);
        }
        child.kill('SIGKILL');
        await exited;
        const partial = (await chargeStats(watcher, '2026-10')).n;
        await watcher.close();
        assert.ok(partial > 0 && partial < 6000, `killed after ${partial} charges`);

        const rerun = await finish(run(killed.url));
        assert.equal(rerun.code, 0, rerun.out);
        assert.match(rerun.out, /2026-10 closed: 6000 charges/);
        const db = reopenDb(killed.url);
        const got = await chargeStats(db, '2026-10');
        const state = await db.kysely
          .selectFrom('billing_periods')
          .selectAll()
          .where('period', '=', '2026-10')
          .executeTakeFirstOrThrow();
        await db.close();
        assert.deepEqual(got, expected);
        assert.equal(state.status, 'closed');
      } finally {
        await clean.drop();
        await killed.drop();
      }
    });
  });
}
