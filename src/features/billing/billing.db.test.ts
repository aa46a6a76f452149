import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import pg from 'pg';
import { testDialects } from '../../../test/helpers.ts';
import { bulkAccounts, createTestDb, PG_ADMIN_URL, reopenDb, type TestDb } from '../../../test/db.ts';
import { ensureReferenceData } from '../../tools/demo/reference-data.ts';
import { closeMonth, ClosingRefused, type CloseOptions } from './close-month.ts';
import { recalculate } from './recalculate.ts';
import type { Db } from '../../platform/db/connect.ts';

const NOW = new Date('2026-06-10T05:00:00Z');
const OPTS: Omit<CloseOptions, 'period'> = {
  currentPeriod: '2026-06',
  limits: { averageMaxPeriods: 6, averageMaxPeriodsFault: 3, normCoefficientE3: 1000 },
  readingsLastDay: 25,
  now: () => NOW,
  batchSize: 100,
};

async function chargeStats(db: Db, period: string) {
  const r = await db.kysely
    .selectFrom('charges')
    .select((eb) => [
      eb.fn.countAll<number>().as('n'),
      eb.fn.count<number>('account_id').distinct().as('accounts'),
      eb.fn.sum<number>('amount_kop').as('amount'),
      eb.fn.sum<number>('debt_kop').as('debt'),
    ])
    .where('period', '=', period)
    .executeTakeFirstOrThrow();
  return {
    n: Number(r.n),
    accounts: Number(r.accounts),
    amount: Number(r.amount ?? 0),
    debt: Number(r.debt ?? 0),
  };
}

for (const dialect of await testDialects()) {
  describe(`monthly closing (${dialect})`, () => {
    let t: TestDb;
    before(async () => {
      t = await createTestDb(dialect);
      await ensureReferenceData(t.db.kysely, 2026);
      await bulkAccounts(t.db, 300);
    });
    after(async () => t.drop());

    test('one charge per account, by readings where a reading came and by the average or norm otherwise', async () => {
      const res = await closeMonth(t.db, { ...OPTS, period: '2026-05' });
      assert.equal(res.status, 'closed');
      assert.equal(res.accounts, 300);
      const stats = await chargeStats(t.db, '2026-05');
      assert.deepEqual([stats.n, stats.accounts], [300, 300]);
      const methods = await t.db.kysely
        .selectFrom('charges')
        .select(['method'])
        .where('period', '=', '2026-05')
        .execute();
      const count = (m: string) => methods.filter((x) => x.method === m).length;
      assert.equal(count('readings'), 200); // two accounts in three sent a reading
      assert.equal(count('norm'), 100); // one reading of history is too little for an average
      // Account 1 (index 1): baseline 10 001, reading 10 001 + 50 + 0 → 50 kWh × 1.61 = 80.50; debt −1000 + 80.50.
      const one = await t.db.kysely
        .selectFrom('charges')
        .innerJoin('accounts', 'accounts.id', 'charges.account_id')
        .select([
          'charges.kwh',
          'charges.amount_kop',
          'charges.debt_start_kop',
          'charges.debt_kop',
          'charges.payments_kop',
          'charges.details',
        ])
        .where('accounts.number', '=', '1100000001')
        .where('charges.period', '=', '2026-05')
        .executeTakeFirstOrThrow();
      assert.deepEqual(
        [
          Number(one.kwh),
          Number(one.amount_kop),
          Number(one.debt_start_kop),
          Number(one.payments_kop),
          Number(one.debt_kop),
        ],
        [50, 8050, -1000, 0, 7050],
      );
      const details = JSON.parse(one.details!) as {
        baseline: { values: number[] };
        reading: { values: number[] };
      };
      assert.deepEqual([details.baseline.values, details.reading.values], [[10_001], [10_051]]);
    });

    test('a closed month is immutable: a second run is a no-op', async () => {
      const before = await chargeStats(t.db, '2026-05');
      // New data arriving after the closing changes nothing in it.
      const acc = await t.db.kysely
        .selectFrom('accounts')
        .select('id')
        .where('number', '=', '1100000003')
        .executeTakeFirstOrThrow();
      await t.db.kysely
        .insertInto('payments')
        .values({
          account_id: Number(acc.id),
          paid_on: '2026-05-20',
          amount_kop: 99_900,
          channel: 'office',
          external_id: null,
          created_at: 0,
        })
        .execute();
      const again = await closeMonth(t.db, { ...OPTS, period: '2026-05' });
      assert.equal(again.status, 'already_closed');
      assert.deepEqual(await chargeStats(t.db, '2026-05'), before);
    });

    test('refusals: a month not yet ended, an earlier month, a gap', async () => {
      await assert.rejects(closeMonth(t.db, { ...OPTS, period: '2026-06' }), ClosingRefused);
      await assert.rejects(closeMonth(t.db, { ...OPTS, period: '2026-03' }), /2026-05 is already closed/);
      await assert.rejects(
        closeMonth(t.db, { ...OPTS, currentPeriod: '2026-09', period: '2026-08' }),
        /close 2026-06 first/,
      );
      await assert.rejects(closeMonth(t.db, { ...OPTS, period: '2026-13' }), /not a period/);
    });

    test('a recalculation is recorded, leaves the closed charge alone, and is charged on the next bill', async () => {
      // Account 0 sent no reading in May (charged by the norm); a reading of 20 May turns up late.
      const acc = await t.db.kysely
        .selectFrom('accounts')
        .select('id')
        .where('number', '=', '1100000000')
        .executeTakeFirstOrThrow();
      const id = Number(acc.id);
      const old = await t.db.kysely
        .selectFrom('charges')
        .selectAll()
        .where('account_id', '=', id)
        .where('period', '=', '2026-05')
        .executeTakeFirstOrThrow();
      assert.equal(old.method, 'norm');
      const meter = await t.db.kysely
        .selectFrom('meters')
        .select('id')
        .where('account_id', '=', id)
        .executeTakeFirstOrThrow();
      await t.db.kysely
        .insertInto('readings')
        .values({
          account_id: id,
          meter_id: Number(meter.id),
          reading_date: '2026-05-20',
          value1: 10_030,
          value2: null,
          value3: null,
          channel: 'operator',
          status: 'accepted',
          reason: null,
          submitted_at: 0,
          submitted_ip: null,
        })
        .execute();
      const res = await recalculate(
        t.db.kysely,
        { account: '1100000000', period: '2026-05', reason: 'показание принято после закрытия' },
        OPTS,
      );
      // Was: norm 120 kWh × 1 resident = 193.20; now: 30 kWh by readings = 48.30 → −144.90.
      assert.deepEqual(res, { status: 'recorded', amountKop: -14_490, kwh: -90, method: 'readings' });
      const still = await t.db.kysely
        .selectFrom('charges')
        .selectAll()
        .where('account_id', '=', id)
        .where('period', '=', '2026-05')
        .executeTakeFirstOrThrow();
      assert.deepEqual(still, old);

      const june = await closeMonth(t.db, { ...OPTS, currentPeriod: '2026-07', period: '2026-06' });
      assert.equal(june.status, 'closed');
      const next = await t.db.kysely
        .selectFrom('charges')
        .selectAll()
        .where('account_id', '=', id)
        .where('period', '=', '2026-06')
        .executeTakeFirstOrThrow();
      assert.equal(Number(next.recalc_kop), -14_490);
      assert.equal(Number(next.debt_start_kop), Number(old.debt_kop));
      assert.equal(
        Number(next.debt_kop),
        Number(old.debt_kop) +
          Number(next.amount_kop) +
          Number(next.odn_kop) -
          14_490 -
          Number(next.payments_kop),
      );
      const rec = await t.db.kysely
        .selectFrom('recalculations')
        .selectAll()
        .where('account_id', '=', id)
        .executeTakeFirstOrThrow();
      assert.equal(rec.applied_period, '2026-06');
      // A second recalculation with nothing new records nothing.
      const again = await recalculate(
        t.db.kysely,
        { account: '1100000000', period: '2026-05', reason: 'повтор' },
        OPTS,
      );
      assert.equal(again.status, 'no_change');
      const audit = await t.db.kysely
        .selectFrom('audit_log')
        .select('event')
        .where('event', '=', 'recalculation')
        .execute();
      assert.equal(audit.length, 1);
    });
  });
}

/** Copies a database so that a clean run and an interrupted one start from the same data. */
async function cloneDb(
  dialect: 'sqlite' | 'postgres',
  src: TestDb,
): Promise<{ url: string; drop(): Promise<void> }> {
  if (dialect === 'sqlite') {
    src.db.sqlite!.pragma('wal_checkpoint(TRUNCATE)');
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'lk-clone-'));
    const file = path.join(dir, 'portal.db');
    await src.db.sqlite!.backup(file);
    return { url: file, drop: () => fs.promises.rm(dir, { recursive: true, force: true }) };
  }
  const name = `lk_clone_${Math.random().toString(16).slice(2, 10)}`;
  const admin = new pg.Client({ connectionString: PG_ADMIN_URL });
  await admin.connect();
  const srcName = new URL(src.url).pathname.slice(1);
  await admin.query(
    `select pg_terminate_backend(pid) from pg_stat_activity where datname = $1 and pid <> pg_backend_pid()`,
    [srcName],
  );
  await admin.query(`create database ${name} template ${srcName}`);
  await admin.end();
  const url = new URL(src.url);
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    async drop() {
      const a = new pg.Client({ connectionString: PG_ADMIN_URL });
      await a.connect();
      await a.query(`drop database if exists ${name} with (force)`);
      await a.end();
    },
  };
}

function cliEnv(url: string): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env, LOG_LEVEL: 'silent' };
  delete env.NODE_TEST_CONTEXT;
  if (url.startsWith('postgres')) {
    env.DATABASE_URL = url;
  } else {
    delete env.DATABASE_URL;
    env.DATA_DIR = path.dirname(url);
  }
  return env;
}

for (const dialect of await testDialects()) {
  describe(`closing with worker threads (${dialect})`, () => {
    test(
      'worker threads compute exactly the charges the closing computes alone',
      { timeout: 120_000 },
      async () => {
        const base = await createTestDb(dialect);
        await ensureReferenceData(base.db.kysely, 2026);
        await bulkAccounts(base.db, 1500, '2026-09');
        const alone = await cloneDb(dialect, base);
        const threaded = await cloneDb(dialect, base);
        await base.drop();
        const charges = async (db: Db) =>
          db.kysely
            .selectFrom('charges')
            .select([
              'account_id',
              'kwh',
              'amount_kop',
              'odn_kop',
              'method',
              'reading_id',
              'debt_kop',
              'details',
            ])
            .where('period', '=', '2026-10')
            .orderBy('account_id')
            .execute();
        const opts = { ...OPTS, currentPeriod: '2026-11', period: '2026-10', batchSize: 64 };
        try {
          const a = reopenDb(alone.url);
          const resA = await closeMonth(a, opts);
          const expected = await charges(a);
          await a.close();
          const b = reopenDb(threaded.url);
          const target = dialect === 'sqlite' ? { sqlitePath: threaded.url } : { databaseUrl: threaded.url };
          let progress = 0;
          const resB = await closeMonth(b, {
            ...opts,
            workers: { count: 2, db: target },
            onProgress: (done) => (progress = done),
          });
          const got = await charges(b);
          await b.close();
          assert.equal(expected.length, 1500);
          assert.equal(progress, 1500);
          assert.deepEqual(resB, resA);
          assert.deepEqual(got, expected);
        } finally {
          await alone.drop();
          await threaded.drop();
        }
      },
    );

    test('a worker that fails stops the closing with its error; the period stays open and a new run closes it', async () => {
      const t = await createTestDb(dialect);
      const empty = fs.mkdtempSync(path.join(os.tmpdir(), 'lk-empty-'));
      try {
        await ensureReferenceData(t.db.kysely, 2026);
        await bulkAccounts(t.db, 200, '2026-09');
        const opts = { ...OPTS, currentPeriod: '2026-11', period: '2026-10', batchSize: 50 };
        // A database without the schema: every batch the worker reads fails.
        await assert.rejects(
          closeMonth(t.db, {
            ...opts,
            workers: { count: 1, db: { sqlitePath: path.join(empty, 'portal.db') } },
          }),
          /closing worker: .*no such table/,
        );
        const state = await t.db.kysely
          .selectFrom('billing_periods')
          .select('status')
          .where('period', '=', '2026-10')
          .executeTakeFirst();
        assert.notEqual(state?.status, 'closed');
        const res = await closeMonth(t.db, opts);
        assert.equal(res.status, 'closed');
        assert.equal((await chargeStats(t.db, '2026-10')).n, 200);
      } finally {
        await t.drop();
        fs.rmSync(empty, { recursive: true, force: true });
      }
    });
  });
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
        spawn(
          process.execPath,
          ['--import', 'tsx', 'src/app/cli.ts', 'close-month', '2026-10', '--batch-size', '100'],
          {
            env: cliEnv(url),
            stdio: ['ignore', 'pipe', 'pipe'],
          },
        );
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
