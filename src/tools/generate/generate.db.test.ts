import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { sql } from 'kysely';
import { testDialects } from '../../../test/helpers.ts';
import { createTestDb, type TestDb } from '../../../test/db.ts';
import { openDb, type Db } from '../../platform/db/connect.ts';
import { migrateToLatest } from '../../platform/db/migrate.ts';
import { generate, type GenerateResult } from './generate.ts';
import { ensureDemoData } from '../demo/seed-demo.ts';
import { DEMO_ACCOUNT } from '../demo/demo-account.ts';
import { BRANCH_OF_SETTLEMENT } from '../demo/reference-data.ts';
import { SETTLEMENTS } from '../../domain/account-number.ts';
import { addDays, addMonths, lastDayOfPeriod } from '../../domain/dates.ts';
import { closeMonth } from '../../features/billing/close-month.ts';
import { computeBatch } from '../../features/billing/close-batch.ts';
import { buildingVolumes, loadPlans, nextAccounts } from '../../features/billing/billing.repository.ts';
import { billingPeriodFor } from '../../domain/readings.ts';

const NOW = new Date('2026-06-10T05:00:00.000Z'); // 2026-06-10 in Krasnoyarsk
const TODAY = '2026-06-10';
const TZ = 'Asia/Krasnoyarsk';
const SEED = 20261127;
const ACCOUNTS = 300;

interface Seeded {
  t: TestDb;
  result: GenerateResult;
  /** Per-table digests before the generator ran (after migrations and the demo data). */
  before: Map<string, string>;
}

/** The database after the demo data and `ACCOUNTS` generated accounts. */
async function seeded(dialect: Db['dialect'], worker: boolean): Promise<Seeded> {
  const t = await createTestDb(dialect);
  await ensureDemoData(t.db, NOW, TZ);
  const before = await digests(t.db);
  // The worker run also takes many small chunks: buffers go back and forth and get reused.
  const result = await generate(t.db, {
    accounts: ACCOUNTS,
    seed: SEED,
    now: NOW,
    timeZone: TZ,
    progress: false,
    worker,
    ...(worker ? { chunkSize: 37 } : {}),
  });
  return { t, result, before };
}

async function rows<T>(db: Db, query: string): Promise<T[]> {
  const r = await sql.raw<T>(query).execute(db.kysely);
  return r.rows;
}

/** A digest of every table's rows (sorted, so that it does not depend on scan order), by table. */
async function digests(db: Db): Promise<Map<string, string>> {
  const tables =
    db.dialect === 'sqlite'
      ? await rows<{ name: string }>(db, `select name from sqlite_master where type = 'table' order by name`)
      : await rows<{ name: string }>(
          db,
          `select table_name as name from information_schema.tables where table_schema = 'public' order by table_name`,
        );
  const out = new Map<string, string>();
  for (const { name } of tables) {
    const lines = (await rows<Record<string, unknown>>(db, `select * from "${name}"`))
      .map((r) => JSON.stringify(r))
      .sort();
    out.set(name, createHash('sha256').update(lines.join('\n')).digest('hex'));
  }
  return out;
}

for (const dialect of await testDialects()) {
  describe(`generate (${dialect})`, () => {
    let a: Seeded;
    let db: Db;
    before(async () => {
      a = await seeded(dialect, false);
      db = a.t.db;
    });
    after(async () => a.t.drop());

    test('reports what it wrote', async () => {
      const [c] = await rows<{ n: number }>(
        db,
        `select count(*) as n from accounts where number <> '${DEMO_ACCOUNT.number}'`,
      );
      assert.equal(Number(c!.n), ACCOUNTS);
      assert.equal(a.result.accounts, ACCOUNTS);
      const [r] = await rows<{ r: number; p: number; c: number }>(
        db,
        `select (select count(*) from readings) as r, (select count(*) from payments) as p, (select count(*) from charges) as c`,
      );
      // The demo account has 23 readings, 12 payments and 17 charges.
      assert.equal(Number(r!.r) - 23, a.result.readings);
      assert.equal(Number(r!.p) - 12, a.result.payments);
      assert.equal(Number(r!.c) - 17, a.result.charges);
    });

    test('accounts: all 13 settlement codes, well-formed unique numbers, the branch of the settlement', async () => {
      const accounts = await rows<{
        number: string;
        settlement_code: string;
        branch_code: string;
        residents: number;
      }>(
        db,
        `select a.number, a.settlement_code, b.code as branch_code, a.residents from accounts a join branches b on b.id = a.branch_id`,
      );
      assert.deepEqual(
        new Set(accounts.map((x) => x.settlement_code)),
        new Set(SETTLEMENTS.map((s) => s.code)),
      );
      assert.equal(new Set(accounts.map((x) => x.number)).size, accounts.length);
      for (const x of accounts) {
        assert.match(x.number, /^\d{10}$/);
        assert.equal(x.number.slice(0, 2), x.settlement_code);
        assert.equal(x.branch_code, BRANCH_OF_SETTLEMENT[x.settlement_code]);
        assert.ok(x.residents >= 1 && x.residents <= 6);
      }
      const plans = await rows<{ code: string; n: number }>(
        db,
        `select p.code, count(*) as n from accounts a join tariff_plans p on p.id = a.tariff_plan_id group by p.code`,
      );
      const byPlan = Object.fromEntries(plans.map((p) => [p.code, Number(p.n)]));
      assert.ok(byPlan['single']! > ACCOUNTS / 2, 'most accounts are single-rate');
      assert.ok(byPlan['two-zone']! > 0 && byPlan['three-zone']! > 0);
    });

    test('names agree in gender; addresses are in the settlement', async () => {
      const people = await rows<{
        surname: string;
        first_name: string;
        patronymic: string;
        object_address: string;
      }>(
        db,
        `select surname, first_name, patronymic, object_address from accounts where number <> '${DEMO_ACCOUNT.number}'`,
      );
      let female = 0;
      for (const p of people) {
        const woman = /на$/.test(p.patronymic);
        assert.ok(woman || /ич$/.test(p.patronymic), p.patronymic);
        if (woman) {
          female++;
        }
        if (/(ов|ев|ёв|ин|ский)$/.test(p.surname)) {
          assert.ok(!woman, `${p.surname} ${p.first_name} ${p.patronymic}`);
        }
        if (/(ова|ева|ёва|ина|ская)$/.test(p.surname)) {
          assert.ok(woman, `${p.surname} ${p.first_name} ${p.patronymic}`);
        }
        assert.match(p.object_address, /^Республика Хакасия, (г|рп|п|с|д)\. /);
      }
      assert.ok(female > ACCOUNTS * 0.3 && female < ACCOUNTS * 0.7);
    });

    test('meters: zones of the plan, ratios, verification expired and due within 90 days', async () => {
      const meters = await rows<{
        zones: number;
        plan_zones: number;
        ratio: number;
        digits: number;
        verification_due: string;
        installed_on: string;
      }>(
        db,
        `select m.zones, p.zones as plan_zones, m.ratio, m.digits, m.verification_due, m.installed_on
           from meters m join accounts a on a.id = m.account_id join tariff_plans p on p.id = a.tariff_plan_id`,
      );
      for (const m of meters) {
        assert.equal(m.zones, m.plan_zones);
        assert.ok([4, 5, 6, 8].includes(m.digits));
        assert.ok(m.installed_on < m.verification_due);
      }
      assert.ok(
        meters.some((m) => m.zones > 1),
        'multi-zone meters',
      );
      assert.ok(
        meters.some((m) => m.ratio > 1),
        'a transformer ratio above 1',
      );
      assert.ok(
        meters.some((m) => m.verification_due <= TODAY),
        'verification expired',
      );
      const soon = addDays(TODAY, 90);
      assert.ok(
        meters.some((m) => m.verification_due > TODAY && m.verification_due <= soon),
        'due within 90 days',
      );
    });

    test('readings: channels, statuses, billing periods, and a rollover among accepted readings', async () => {
      const readings = await rows<{
        meter_id: number;
        reading_date: string;
        value1: number;
        channel: string;
        status: string;
        billing_period: string;
      }>(
        db,
        `select meter_id, reading_date, value1, channel, status, billing_period from readings order by meter_id, reading_date, id`,
      );
      const channels = new Set(readings.map((r) => r.channel));
      for (const c of ['internet', 'grid', 'bill', 'customer', 'operator', 'computed']) {
        assert.ok(channels.has(c), c);
      }
      const accepted = readings.filter((r) => r.status === 'accepted');
      assert.ok(accepted.length > readings.length * 0.95, 'almost all accepted');
      assert.ok(readings.some((r) => r.status === 'rejected'));
      assert.ok(readings.every((r) => r.reading_date < TODAY));
      let rollovers = 0;
      for (let i = 1; i < accepted.length; i++) {
        const [prev, cur] = [accepted[i - 1]!, accepted[i]!];
        if (prev.meter_id === cur.meter_id && Number(cur.value1) < Number(prev.value1)) {
          rollovers++;
        }
      }
      assert.ok(rollovers > 0, 'a reading lower than the previous accepted one on the same meter');
      const generated = await rows<{ reading_date: string; billing_period: string }>(
        db,
        `select r.reading_date, r.billing_period from readings r join accounts a on a.id = r.account_id where a.number <> '${DEMO_ACCOUNT.number}'`,
      );
      for (const r of generated) {
        assert.equal(r.billing_period, billingPeriodFor(r.reading_date));
      }
    });

    test('payments: every channel, whole kopecks, up to today', async () => {
      const payments = await rows<{
        channel: string;
        amount_kop: number;
        paid_on: string;
        external_id: string | null;
      }>(db, `select channel, amount_kop, paid_on, external_id from payments`);
      assert.deepEqual(
        new Set(payments.map((p) => p.channel)),
        new Set(['bank', 'post', 'card', 'terminal', 'office']),
      );
      for (const p of payments) {
        assert.ok(Number.isSafeInteger(Number(p.amount_kop)) && Number(p.amount_kop) > 0);
        assert.ok(p.paid_on < TODAY);
      }
    });

    test('charges: 24+ unique periods per account, up to last month, with average and norm months', async () => {
      const per = await rows<{ account_id: number; n: number; periods: number; last: string }>(
        db,
        `select account_id, count(*) as n, count(distinct period) as periods, max(period) as last from charges group by account_id`,
      );
      assert.equal(per.length, ACCOUNTS + 1);
      const [demo] = await rows<{ id: number }>(
        db,
        `select id from accounts where number = '${DEMO_ACCOUNT.number}'`,
      );
      for (const p of per.filter((x) => Number(x.account_id) !== Number(demo!.id))) {
        assert.ok(Number(p.n) >= 24, `account ${p.account_id}: ${p.n} charges`);
        assert.equal(Number(p.n), Number(p.periods));
      }
      const lastMonth = addMonths(TODAY.slice(0, 7), -1);
      assert.ok(per.some((p) => p.last === lastMonth));
      const methods = await rows<{ method: string; n: number; with_reading: number }>(
        db,
        `select method, count(*) as n, count(reading_id) as with_reading from charges group by method`,
      );
      const m = Object.fromEntries(methods.map((x) => [x.method, x]));
      assert.ok(Number(m['average']?.n) > 0, 'months billed by the average');
      assert.ok(Number(m['norm']?.n) > 0, 'months billed by the norm');
      assert.equal(Number(m['average']!.with_reading), 0);
      assert.equal(Number(m['norm']!.with_reading), 0);
      assert.equal(Number(m['readings']!.with_reading), Number(m['readings']!.n));
    });

    test('charges: the debt chain, payments of the period, billed on its last day', async () => {
      const charges = await rows<{
        account_id: number;
        period: string;
        billed_on: string;
        amount_kop: number;
        odn_kop: number;
        payments_kop: number;
        debt_start_kop: number;
        debt_kop: number;
      }>(
        db,
        `select account_id, period, billed_on, amount_kop, odn_kop, payments_kop, debt_start_kop, debt_kop from charges order by account_id, period`,
      );
      const paid = await rows<{ account_id: number; period: string; total: number }>(
        db,
        `select account_id, substr(paid_on, 1, 7) as period, sum(amount_kop) as total from payments group by account_id, substr(paid_on, 1, 7)`,
      );
      const paidBy = new Map(paid.map((p) => [`${p.account_id}/${p.period}`, Number(p.total)]));
      for (let i = 0; i < charges.length; i++) {
        const c = charges[i]!;
        const prev = charges[i - 1];
        if (prev && prev.account_id === c.account_id) {
          assert.equal(c.period, addMonths(prev.period, 1));
          assert.equal(Number(c.debt_start_kop), Number(prev.debt_kop), `${c.account_id} ${c.period}`);
        }
        assert.equal(
          Number(c.debt_kop),
          Number(c.debt_start_kop) + Number(c.amount_kop) + Number(c.odn_kop) - Number(c.payments_kop),
        );
        assert.equal(
          Number(c.payments_kop),
          paidBy.get(`${c.account_id}/${c.period}`) ?? 0,
          `${c.account_id} ${c.period}`,
        );
        assert.equal(c.billed_on, lastDayOfPeriod(c.period));
      }
    });

    test('every charge is the one the monthly closing computes: recomputing a period changes nothing', async () => {
      // The closing's own batch computation over the generated rows, as recalculate.ts runs it for a
      // closed period (charges already there included): the inputs it reads from the database
      // (readings, the last billed one, earlier charges and debts, payments) must give back every row.
      const k = db.kysely;
      const plans = await loadPlans(k);
      const accounts = (await nextAccounts(k, 0, ACCOUNTS + 1)).filter(
        (x) => x.number !== DEMO_ACCOUNT.number,
      );
      assert.equal(accounts.length, ACCOUNTS);
      const stored = await rows<Record<string, string | number | null>>(
        db,
        `select account_id, period, billed_on, reading_id, reading_value, kwh, amount_kop, odn_kwh, odn_kop, method,
                payments_kop, debt_start_kop, debt_kop, tariff_e5, details, recalc_kop
           from charges where account_id in (${accounts.map((x) => x.id).join(',')}) order by period, account_id`,
      );
      const periods = [...new Set(stored.map((c) => String(c.period)))];
      assert.equal(periods.length, 24);
      const methods = new Set<string>();
      for (const period of periods) {
        const { charges, results } = await computeBatch(
          k,
          accounts,
          period,
          plans,
          await buildingVolumes(k, period),
          {
            limits: { averageMaxPeriods: 6, averageMaxPeriodsFault: 3, normCoefficientE3: 1000 },
            readingsLastDay: 25,
          },
          { includeCharged: true },
        );
        const made = stored.filter((c) => c.period === period);
        assert.equal(charges.length, made.length, period);
        charges.forEach((c, i) => {
          const { details, ...row } = made[i]!;
          const where = `account ${c.account_id} ${period}`;
          const result = results.get(c.account_id)!;
          // Numbers as numbers (PostgreSQL gives bigint columns as text), NULL as null.
          const asClosed = Object.fromEntries(
            Object.entries(row).map(([key, v]) => [
              key,
              v === null || typeof v !== 'string' || !/^-?\d+$/.test(v) ? v : Number(v),
            ]),
          );
          const { details: closedDetails, ...closed } = c;
          assert.deepEqual(asClosed, closed, where);
          if (details === null) {
            assert.ok(
              result.zones.length === 1 && result.method === 'readings',
              `${where}: details left out only for single-rate charges by readings`,
            );
          } else {
            assert.equal(details, closedDetails, where);
          }
          methods.add(`${result.method}/${result.reason ?? ''}`);
        });
      }
      for (const m of [
        'readings/',
        'average/no_reading',
        'norm/no_reading',
        'average/meter_fault',
        'norm/meter_fault',
      ]) {
        assert.ok(methods.has(m), `a charge ${m}`);
      }
    });

    test('the same seed gives the same rows, with the model in a worker thread and in small chunks too', async () => {
      const b = await seeded(dialect, true);
      try {
        assert.deepEqual(b.result, a.result);
        const [da, db2] = [await digests(db), await digests(b.t.db)];
        assert.deepEqual([...da.keys()], [...db2.keys()]);
        for (const [table, digest] of da) {
          if (digest === db2.get(table)) {
            continue;
          }
          // Only a table that differed before the generator ran (migration timestamps, per-database
          // secrets) may differ, and the generator must not have touched it.
          assert.notEqual(
            a.before.get(table),
            b.before.get(table),
            `${table} differs after generating the same seed`,
          );
          assert.equal(digest, a.before.get(table), table);
          assert.equal(db2.get(table), b.before.get(table), table);
        }
        assert.equal(da.get('readings'), db2.get('readings'));
      } finally {
        await b.t.drop();
      }
    });

    test('appends after the existing accounts; the database keeps working', async () => {
      const before = await rows<{ m: number }>(db, `select max(id) as m from accounts`);
      const res = await generate(db, { accounts: 20, seed: SEED, now: NOW, timeZone: TZ, progress: false });
      assert.equal(res.accounts, 20);
      const added = await rows<{ id: number; number: string }>(
        db,
        `select id, number from accounts where id > ${Number(before[0]!.m)}`,
      );
      assert.equal(added.length, 20);
      const all = await rows<{ n: number; d: number }>(
        db,
        `select count(*) as n, count(distinct number) as d from accounts`,
      );
      assert.equal(Number(all[0]!.n), Number(all[0]!.d));
      const demo = await rows<{ n: number }>(
        db,
        `select count(*) as n from accounts where number = '${DEMO_ACCOUNT.number}'`,
      );
      assert.equal(Number(demo[0]!.n), 1);
      // Ids given by the generator do not collide with the ones the database gives next.
      const acc = added[0]!;
      await db.kysely
        .insertInto('payments')
        .values({
          account_id: acc.id,
          paid_on: TODAY,
          amount_kop: 100,
          channel: 'office',
          external_id: null,
          created_at: NOW.getTime(),
        })
        .execute();
      await db.kysely
        .insertInto('readings')
        .values({
          account_id: acc.id,
          meter_id: (
            await db.kysely
              .selectFrom('meters')
              .select('id')
              .where('account_id', '=', acc.id)
              .executeTakeFirstOrThrow()
          ).id,
          reading_date: TODAY,
          value1: 1,
          value2: null,
          value3: null,
          channel: 'operator',
          status: 'review',
          reason: null,
          submitted_at: NOW.getTime(),
          submitted_ip: null,
        })
        .execute();
    });

    test('generated months are closed, and the monthly closing follows on from them', async () => {
      const periods = await rows<{ period: string; status: string; accounts: number; total_kop: number }>(
        db,
        `select period, status, accounts, total_kop from billing_periods order by period`,
      );
      const totals = await rows<{ period: string; n: number; total: number }>(
        db,
        `select period, count(*) as n, sum(amount_kop + odn_kop + recalc_kop) as total from charges where period >= '2024-06' group by period order by period`,
      );
      assert.equal(periods.length, 24);
      assert.deepEqual(
        periods.map((p) => [p.period, p.status, Number(p.accounts), Number(p.total_kop)]),
        totals.map((t) => [t.period, 'closed', Number(t.n), Number(t.total)]),
      );
      const res = await closeMonth(db, {
        period: '2026-06',
        currentPeriod: '2026-07',
        limits: { averageMaxPeriods: 6, averageMaxPeriodsFault: 3, normCoefficientE3: 1000 },
        readingsLastDay: 25,
        now: () => new Date('2026-07-01T02:00:00.000Z'),
      });
      const [all] = await rows<{ n: number }>(db, `select count(*) as n from accounts`);
      assert.equal(res.status, 'closed');
      assert.equal(res.status === 'closed' && res.computed, Number(all!.n));
      const chain = await rows<{ start: number; prev: number }>(
        db,
        `select c.debt_start_kop as start, p.debt_kop as prev from charges c join charges p on p.account_id = c.account_id and p.period = '2026-05' where c.period = '2026-06'`,
      );
      assert.equal(chain.length, Number(all!.n));
      for (const c of chain) {
        assert.equal(Number(c.start), Number(c.prev));
      }
    });
  });
}

describe('generate into a SQLite file (bulk-load path: second writer thread, indexes rebuilt)', () => {
  test('the same rows as in memory; WAL, indexes and settings restored; nothing left behind', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'lk-generate-'));
    const file = openDb({ sqlitePath: path.join(dir, 'portal.db') });
    const memory = await createTestDb('sqlite');
    try {
      await migrateToLatest(file);
      const opts = { accounts: ACCOUNTS, seed: SEED, now: NOW, timeZone: TZ, progress: false };
      const indexes = (db: Db) =>
        rows<{ name: string; sql: string | null }>(
          db,
          `select name, sql from sqlite_master where type in ('index', 'trigger') order by name`,
        );
      const indexesBefore = await indexes(file);
      const before = [await digests(memory.db), await digests(file)] as const;
      assert.deepEqual(
        await generate(file, { ...opts, worker: true, chunkSize: 37 }),
        await generate(memory.db, { ...opts, worker: false }),
      );
      const after = [await digests(memory.db), await digests(file)] as const;
      for (const [table, digest] of after[0]) {
        if (digest === after[1].get(table)) {
          continue;
        }
        assert.notEqual(before[0].get(table), before[1].get(table), `${table} differs`);
      }
      assert.deepEqual(await indexes(file), indexesBefore);
      const h = file.sqlite!;
      assert.equal(h.pragma('journal_mode', { simple: true }), 'wal');
      assert.equal(h.pragma('foreign_keys', { simple: true }), 1);
      assert.deepEqual(h.pragma('foreign_key_check'), []);
      assert.equal(h.pragma('integrity_check', { simple: true }), 'ok');
      assert.deepEqual(
        fs.readdirSync(dir).filter((f) => f.includes('.gen-')),
        [],
      );
      // Appending to tables that have rows takes the one-writer path.
      await generate(file, { ...opts, accounts: 30, worker: true });
      assert.equal(h.pragma('integrity_check', { simple: true }), 'ok');
      const [n] = await rows<{ n: number }>(file, `select count(*) as n from accounts`);
      assert.equal(Number(n!.n), ACCOUNTS + 30);
    } finally {
      await file.close();
      await memory.drop();
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
