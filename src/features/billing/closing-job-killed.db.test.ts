import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { setTimeout as sleep } from 'node:timers/promises';
import { testDialects } from '../../../test/helpers.ts';
import { bulkAccounts, cliEnvFor, cloneDb, createTestDb, reopenDb } from '../../../test/db.ts';
import { chargeStats } from '../../../test/billing-support.ts';
import { ensureReferenceData } from '../../tools/demo/reference-data.ts';
import * as repo from './closing-jobs.repository.ts';
import { portalArgs } from '../../../test/portal-process.ts';

// A closing requested from the back office, its runner process killed with SIGKILL half-way:
// the lease holds it while it runs out, then the next runner continues and ends with exactly
// what an uninterrupted run gives.

const ACCOUNTS = 4000;
const LEASE_SECONDS = 3;

for (const dialect of await testDialects()) {
  describe(`a closing job killed with SIGKILL and resumed (${dialect})`, () => {
    test(
      'one charge per account, the totals and the summary of an uninterrupted run',
      { timeout: 300_000 },
      async () => {
        const base = await createTestDb(dialect);
        await ensureReferenceData(base.db.kysely, 2026);
        await bulkAccounts(base.db, ACCOUNTS, '2026-09'); // closing October, a month the wall clock has left behind
        await repo.insertJob(base.db.kysely, '2026-10', 1, Date.now());
        const clean = await cloneDb(dialect, base);
        const killed = await cloneDb(dialect, base);
        await base.drop();
        const runner = (url: string) =>
          spawn(
            process.execPath,
            portalArgs('cli', [
              'closing-worker',
              '--drain',
              '--batch-size',
              '100',
              '--lease-seconds',
              String(LEASE_SECONDS),
            ]),
            { env: cliEnvFor(url, { LOG_LEVEL: 'silent' }), stdio: ['ignore', 'pipe', 'pipe'] },
          );
        const finish = (child: ReturnType<typeof runner>) =>
          new Promise<{ code: number | null; out: string }>((resolve) => {
            let out = '';
            child.stdout.on('data', (d: Buffer) => (out += d.toString()));
            child.stderr.on('data', (d: Buffer) => (out += d.toString()));
            child.on('exit', (code) => resolve({ code, out }));
          });
        const jobOf = async (url: string) => {
          const db = reopenDb(url);
          try {
            return {
              job: (await repo.recentJobs(db.kysely, 1))[0]!,
              stats: await chargeStats(db, '2026-10'),
            };
          } finally {
            await db.close();
          }
        };
        try {
          const cleanRun = await finish(runner(clean.url));
          assert.equal(cleanRun.code, 0, cleanRun.out);
          const expected = await jobOf(clean.url);
          assert.equal(expected.job.state, 'done', cleanRun.out);
          assert.equal(expected.stats.n, ACCOUNTS);

          // Kill the runner once the job records some progress, but before the end.
          const watcher = reopenDb(killed.url);
          const child = runner(killed.url);
          const exited = finish(child);
          for (let i = 0; i < 1500 && child.exitCode === null; i++) {
            const job = await repo.findJob(watcher.kysely, expected.job.id);
            if ((job?.done ?? 0) > 0) {
              break;
            }
            await sleep(20);
          }
          child.kill('SIGKILL');
          await exited;
          const half = (await repo.findJob(watcher.kysely, expected.job.id))!;
          const partial = (await chargeStats(watcher, '2026-10')).n;
          // While the dead runner's lease lasts, another runner leaves the job alone.
          assert.equal(await repo.claimJob(watcher.kysely, 'early', Date.now(), 1000), undefined);
          await watcher.close();
          assert.equal(half.state, 'running');
          assert.equal(half.runs, 1);
          assert.ok(half.done > 0 && half.done < ACCOUNTS, `killed after ${half.done} accounts`);
          assert.ok(partial >= half.done && partial < ACCOUNTS, `killed after ${partial} charges`);

          await sleep(LEASE_SECONDS * 1000 + 200);
          const rerun = await finish(runner(killed.url));
          assert.equal(rerun.code, 0, rerun.out);
          const got = await jobOf(killed.url);
          assert.equal(got.job.state, 'done', rerun.out);
          assert.equal(got.job.runs, 2);
          assert.equal(got.job.done, ACCOUNTS);
          assert.deepEqual(got.stats, expected.stats);
          assert.deepEqual(JSON.parse(got.job.summary!), JSON.parse(expected.job.summary!));
          const db = reopenDb(killed.url);
          const state = await db.kysely
            .selectFrom('billing_periods')
            .selectAll()
            .where('period', '=', '2026-10')
            .executeTakeFirstOrThrow();
          await db.close();
          assert.equal(state.status, 'closed');
          assert.equal(Number(state.accounts), ACCOUNTS);
        } finally {
          await clean.drop();
          await killed.drop();
        }
      },
    );
  });
}
