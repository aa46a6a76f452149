import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { testDialects, TEST_NOW } from '../../../test/helpers.ts';
import { bulkAccounts, createTestDb, reopenDb, type TestDb } from '../../../test/db.ts';
import { CLOSE_OPTS } from '../../../test/billing-support.ts';
import { runCli } from '../../../test/cli-child.ts';
import { ensureReferenceData } from '../../tools/demo/reference-data.ts';
import { ManualClock } from '../../platform/clock.ts';
import type { Db } from '../../platform/db/connect.ts';
import { enqueueBillMailing, MailingRefused } from '../mail/mailing.ts';
import {
  awaitsConfirmation,
  closablePeriod,
  confirmClosing,
  CLOSING_LEASE_MS,
  progressFigures,
  requestClosing,
  runClosingJobs,
  runNextClosingJob,
  type ClosingDeps,
  type ClosingSummary,
} from './closing-job.ts';
import * as repo from './closing-jobs.repository.ts';
import { closeMonth, ClosingRefused } from './close-month.ts';

// The back office's closing job: one at a time, claimed once under a lease, its progress, a run
// stopped half-way and continued by another runner, its summary, and the confirmation that lets
// the period's bills be mailed.

const ACCOUNTS = 250;

/** The period's charges summed straight from the table, by method: what the summary must say. */
async function sumsOf(db: Db, period: string) {
  const rows = await db.kysely
    .selectFrom('charges')
    .select(['method', 'kwh', 'amount_kop', 'odn_kwh', 'odn_kop', 'recalc_kop', 'account_id'])
    .where('period', '=', period)
    .execute();
  const by = (m: string) => rows.filter((r) => r.method === m);
  const method = (m: string) => ({
    accounts: by(m).length,
    kwh: by(m).reduce((a, r) => a + Number(r.kwh), 0),
    amountKop: by(m).reduce((a, r) => a + Number(r.amount_kop), 0),
  });
  return {
    rows,
    summary: {
      period,
      accounts: rows.length,
      kwh: rows.reduce((a, r) => a + Number(r.kwh), 0),
      byMethod: { readings: method('readings'), average: method('average'), norm: method('norm') },
      odn: {
        kwh: rows.reduce((a, r) => a + Number(r.odn_kwh), 0),
        kop: rows.reduce((a, r) => a + Number(r.odn_kop), 0),
      },
      recalcKop: rows.reduce((a, r) => a + Number(r.recalc_kop), 0),
      totalKop: rows.reduce((a, r) => a + Number(r.amount_kop) + Number(r.odn_kop) + Number(r.recalc_kop), 0),
    } satisfies ClosingSummary,
  };
}

for (const dialect of await testDialects()) {
  describe(`month closing as a back-office job (${dialect})`, () => {
    let t: TestDb;
    let clock: ManualClock;
    let deps: ClosingDeps;
    const now = () => clock.now().getTime();
    const request = (period: string) =>
      t.db.kysely
        .transaction()
        .execute((tx) =>
          requestClosing(tx, { period, currentPeriod: '2026-06', staffUserId: 7, now: now() }),
        );

    before(async () => {
      t = await createTestDb(dialect);
      await ensureReferenceData(t.db.kysely, 2026);
      await bulkAccounts(t.db, ACCOUNTS, '2026-04');
      clock = new ManualClock(TEST_NOW);
      deps = {
        db: t.db,
        clock,
        timeZone: 'Asia/Krasnoyarsk',
        limits: CLOSE_OPTS.limits,
        readingsLastDay: CLOSE_OPTS.readingsLastDay,
      };
    });
    after(async () => t.drop());

    test('a request is refused for a period that may not be closed now, with the reason', async () => {
      assert.equal(await closablePeriod(t.db.kysely, '2026-06'), '2026-05');
      const refused = async (period: string, pattern: RegExp) => {
        const res = await request(period);
        assert.ok(res.kind === 'refused', period);
        assert.match(res.message, pattern);
      };
      await refused('2026-06', /ещё не закончился/);
      await refused('2026-04', /уже закрыт/);
      await refused('2026-03', /уже закрыт|по порядку/);
      await refused('2026-13', /не распознан/);
      assert.equal((await repo.recentJobs(t.db.kysely, 10)).length, 0);
    });

    test('one job at a time: a second request is refused, and so is a second row by the unique index', async () => {
      const first = await request('2026-05');
      assert.equal(first.kind, 'ok');
      const second = await request('2026-05');
      assert.ok(second.kind === 'refused');
      assert.match(second.message, /Уже идёт закрытие \(2026 Май\)/);
      await assert.rejects(repo.insertJob(t.db.kysely, '2026-05', 8, now()));
      const jobs = await repo.recentJobs(t.db.kysely, 10);
      assert.deepEqual(
        jobs.map((j) => [j.period, j.state, j.requestedBy]),
        [['2026-05', 'queued', 7]],
      );
    });

    test('of two runners on two connections asking at once, one claims the job; an expired lease is taken over', async () => {
      const other = reopenDb(t.url);
      try {
        const claims = await Promise.all([
          repo.claimJob(t.db.kysely, 'runner-a', now(), 60_000),
          repo.claimJob(other.kysely, 'runner-b', now(), 60_000),
        ]);
        assert.equal(claims.filter(Boolean).length, 1, 'exactly one claim');
        const winner = claims.find(Boolean)!;
        assert.equal(winner.state, 'running');
        assert.equal(winner.runs, 1);
        const loser = winner.leaseOwner === 'runner-a' ? 'runner-b' : 'runner-a';
        // The lease holds: nobody else may claim it, nor record progress in its name.
        assert.equal(await repo.claimJob(other.kysely, loser, now() + 59_000, 60_000), undefined);
        const p = { total: 1, done: 0, afterId: 0, now: now(), leaseMs: 60_000 };
        assert.equal(await repo.recordProgress(t.db.kysely, winner.id, loser, p), false);
        // Its runner died: once the lease ran out, the other takes it, and the first is out.
        const taken = await repo.claimJob(other.kysely, loser, now() + 60_001, 60_000);
        assert.equal(taken?.leaseOwner, loser);
        assert.equal(taken?.runs, 2);
        assert.equal(await repo.recordProgress(t.db.kysely, winner.id, winner.leaseOwner!, p), false);
        // Given back (as a closing server does): claimable at once, and no runs are lost.
        await repo.releaseJob(t.db.kysely, winner.id, loser);
        assert.equal((await repo.claimJob(t.db.kysely, 'runner-c', now(), 60_000))?.runs, 3);
        await repo.releaseJob(t.db.kysely, winner.id, 'runner-c');
      } finally {
        await other.close();
      }
    });

    test('a run stopped half-way is continued after its last account by another runner, to the same summary', async () => {
      const stop = new AbortController();
      const seen: Array<[number, number]> = [];
      const ran = await runNextClosingJob(deps, {
        owner: 'first',
        leaseMs: 60_000,
        batchSize: 50,
        signal: stop.signal,
        afterBatch: (done, total) => {
          seen.push([done, total]);
          clock.advance(2_000);
          if (done >= 100) {
            stop.abort();
          }
        },
      });
      assert.equal(ran, true);
      assert.deepEqual(seen, [
        [50, ACCOUNTS],
        [100, ACCOUNTS],
      ]);
      const half = (await repo.activeJob(t.db.kysely))!;
      assert.equal(half.done, 100);
      assert.equal(half.total, ACCOUNTS);
      assert.equal((await sumsOf(t.db, '2026-05')).rows.length, 100);
      const hundredth = await t.db.kysely
        .selectFrom('accounts')
        .select('id')
        .orderBy('id')
        .offset(99)
        .limit(1)
        .executeTakeFirstOrThrow();
      assert.equal(half.afterId, Number(hundredth.id));
      assert.equal(half.leaseUntil, 0, 'the lease was given back');

      const second: Array<[number, number]> = [];
      await runNextClosingJob(deps, {
        owner: 'second',
        leaseMs: 60_000,
        batchSize: 50,
        afterBatch: (done, total) => second.push([done, total]),
      });
      // It went on from account 101: no batch of the first run was walked again.
      assert.deepEqual(
        second.map(([d]) => d),
        [150, 200, 250],
      );
      const job = (await repo.recentJobs(t.db.kysely, 1))[0]!;
      assert.equal(job.state, 'done');
      assert.equal(job.runs, half.runs + 1);
      assert.equal(job.done, ACCOUNTS);
      assert.equal(await repo.activeJob(t.db.kysely), undefined);
      const { rows, summary } = await sumsOf(t.db, '2026-05');
      assert.equal(new Set(rows.map((r) => Number(r.account_id))).size, ACCOUNTS);
      assert.deepEqual(JSON.parse(job.summary!), summary);
      // Accounts without a reading in May are charged by the norm (no average: one month of history).
      assert.ok(summary.byMethod.readings.accounts > 0 && summary.byMethod.norm.accounts > 0);
      assert.ok(rows.every((r) => ['readings', 'average', 'norm'].includes(r.method)));
      const period = await t.db.kysely
        .selectFrom('billing_periods')
        .selectAll()
        .where('period', '=', '2026-05')
        .executeTakeFirstOrThrow();
      assert.equal(period.status, 'closed');
      assert.equal(Number(period.total_kop), summary.totalKop);
      assert.equal(Number(period.accounts), summary.accounts);
    });

    test('the bills of a closing done here wait for the confirmation of its summary, given once', async () => {
      assert.equal(await awaitsConfirmation(t.db.kysely, '2026-05'), true);
      await assert.rejects(
        enqueueBillMailing(t.db.kysely, { period: '2026-05', now: clock.now() }),
        (err) => {
          assert.ok(err instanceof MailingRefused);
          assert.match(err.message, /awaits an accountant's confirmation/);
          return true;
        },
      );
      const job = (await repo.recentJobs(t.db.kysely, 1))[0]!;
      const confirm = () => t.db.kysely.transaction().execute((tx) => confirmClosing(tx, job.id, 9, now()));
      const ok = await confirm();
      assert.ok(ok.kind === 'ok');
      assert.equal(ok.job.confirmedBy, 9);
      const again = await confirm();
      assert.ok(again.kind === 'refused');
      assert.match(again.message, /уже подтверждены/);
      assert.equal(await awaitsConfirmation(t.db.kysely, '2026-05'), false);
      assert.equal(
        (await enqueueBillMailing(t.db.kysely, { period: '2026-05', now: clock.now() })).period,
        '2026-05',
      );
    });

    test('a job the rules refuse when it runs ends failed with the reason, and frees the way', async () => {
      // Queued directly, past the request's checks: 2026-07 has not ended.
      const id = await repo.insertJob(t.db.kysely, '2026-07', 7, now());
      assert.equal(await runNextClosingJob(deps, { owner: 'x', leaseMs: 60_000 }), true);
      const job = (await repo.findJob(t.db.kysely, id))!;
      assert.equal(job.state, 'failed');
      assert.match(job.error!, /Закрытие отказано: 2026-07 has not ended yet/);
      assert.equal(await repo.activeJob(t.db.kysely), undefined);
      const confirm = await t.db.kysely.transaction().execute((tx) => confirmClosing(tx, id, 9, now()));
      assert.equal(confirm.kind, 'refused');
      assert.equal(await runNextClosingJob(deps, { owner: 'x', leaseMs: 60_000 }), false, 'nothing left');
    });

    test('the CLI is refused while a job is queued or running, naming it and its period', async () => {
      const june = await t.db.kysely
        .transaction()
        .execute((tx) =>
          requestClosing(tx, { period: '2026-06', currentPeriod: '2026-07', staffUserId: 7, now: now() }),
        );
      assert.ok(june.kind === 'ok');
      const outside = () =>
        closeMonth(t.db, {
          ...CLOSE_OPTS,
          currentPeriod: '2026-07',
          period: '2026-06',
          outsideJobs: true,
          now: () => clock.now(),
        });
      const refusedWhile = async (state: string) => {
        await assert.rejects(outside(), (err) => {
          assert.ok(err instanceof ClosingRefused);
          assert.equal(
            err.message,
            `the back office's closing job #${june.id} for 2026-06 is ${state}: no closing may run beside it; wait for it to end (see /office/closing)`,
          );
          return true;
        });
      };
      await refusedWhile('queued');
      // The command itself, as an operator runs it: exit 2 and the same words.
      const cli = await runCli(t.url, ['close-month', '2026-06', '--workers', '0']).done;
      assert.equal(cli.code, 2, cli.out);
      assert.match(cli.out, new RegExp(`closing job #${june.id} for 2026-06 is queued`));
      const claimed = await repo.claimJob(t.db.kysely, 'runner', now(), 60_000);
      assert.equal(claimed?.id, june.id);
      await refusedWhile('running');
      // Nothing was marked or charged by the refused runs.
      const marked = await t.db.kysely
        .selectFrom('billing_periods')
        .select('period')
        .where('period', '=', '2026-06')
        .execute();
      assert.deepEqual(marked, []);
      assert.equal((await sumsOf(t.db, '2026-06')).rows.length, 0);
      await repo.finishJob(t.db.kysely, june.id, 'runner', { state: 'failed', error: 'test', now: now() });
    });

    test('a request is refused while a closing outside the jobs is under way, and continues it once that stopped', async () => {
      const request7 = () =>
        t.db.kysely
          .transaction()
          .execute((tx) =>
            requestClosing(tx, { period: '2026-06', currentPeriod: '2026-07', staffUserId: 7, now: now() }),
          );
      // July in the supplier's calendar: the job's runner may close June.
      clock.set('2026-07-05T03:00:00Z');
      const seen: string[] = [];
      class Killed extends Error {}
      // A CLI run that dies after its second batch; the back office asks after each batch.
      await assert.rejects(
        closeMonth(t.db, {
          ...CLOSE_OPTS,
          currentPeriod: '2026-07',
          period: '2026-06',
          batchSize: 50,
          outsideJobs: true,
          now: () => clock.now(),
          onProgress: async (done) => {
            clock.advance(10_000);
            const res = await request7();
            seen.push(res.kind === 'refused' ? res.message : res.kind);
            if (done >= 100) {
              throw new Killed();
            }
          },
        }),
        Killed,
      );
      assert.equal(seen.length, 2);
      for (const message of seen) {
        assert.match(message, /^2026 Июнь сейчас закрывается из командной строки \(close-month\)/);
      }
      assert.equal(await repo.activeJob(t.db.kysely), undefined);
      // Still within a lease of its last batch: refused.
      clock.advance(CLOSING_LEASE_MS - 10_001);
      assert.equal((await request7()).kind, 'refused');
      // Silent for longer: taken to be dead, and the job finishes its month.
      clock.advance(2);
      const res = await request7();
      assert.equal(res.kind, 'ok');
      assert.equal(await runNextClosingJob(deps, { owner: 'after-cli', leaseMs: 60_000 }), true);
      const job = (await repo.findJob(t.db.kysely, res.kind === 'ok' ? res.id : 0))!;
      assert.equal(job.state, 'done', job.error ?? '');
      const { rows, summary } = await sumsOf(t.db, '2026-06');
      assert.equal(rows.length, ACCOUNTS);
      assert.equal(new Set(rows.map((r) => Number(r.account_id))).size, ACCOUNTS);
      assert.deepEqual(JSON.parse(job.summary!), summary);
    });
  });
}

test('progress figures: the rate of the current run and the time left', () => {
  const base = { total: 1000, runDoneFrom: 200, runStartedAt: 1_000_000 };
  assert.deepEqual(progressFigures({ ...base, done: 400, progressAt: 1_020_000 }), {
    rate: 10,
    secondsLeft: 60,
  });
  assert.deepEqual(progressFigures({ ...base, done: 200, progressAt: 1_020_000 }), {
    rate: null,
    secondsLeft: null,
  });
  assert.deepEqual(progressFigures({ ...base, done: 200, progressAt: null }), {
    rate: null,
    secondsLeft: null,
  });
  assert.deepEqual(progressFigures({ ...base, done: 999, progressAt: 1_003_000 }), {
    rate: 799 / 3,
    secondsLeft: 1,
  });
});

test("a server's runner goes on after a database error; the CLI's (drain) fails", async () => {
  let calls = 0;
  const away = {
    kysely: {
      selectFrom() {
        calls++;
        throw new Error('connection refused');
      },
    },
  } as unknown as Db;
  const deps: ClosingDeps = {
    db: away,
    clock: new ManualClock(TEST_NOW),
    timeZone: 'Asia/Krasnoyarsk',
    limits: CLOSE_OPTS.limits,
    readingsLastDay: CLOSE_OPTS.readingsLastDay,
  };
  const stop = new AbortController();
  const errors: string[] = [];
  // The runner's waits do not keep a process alive (a server's do not need to): this test must.
  const alive = setInterval(() => {}, 1000);
  await runClosingJobs(deps, {
    owner: 'server',
    leaseMs: 60_000,
    pollMs: 5,
    signal: stop.signal,
    onError: (err) => {
      errors.push((err as Error).message);
      if (errors.length === 3) {
        stop.abort();
      }
    },
  });
  assert.deepEqual(errors, ['connection refused', 'connection refused', 'connection refused']);
  clearInterval(alive);
  assert.equal(calls, 3);
  await assert.rejects(
    runClosingJobs(deps, { owner: 'cli', leaseMs: 60_000, pollMs: 5, drain: true, onError: () => {} }),
    /connection refused/,
  );
});
