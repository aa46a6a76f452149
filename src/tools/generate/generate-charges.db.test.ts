import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { testDialects } from '../../../test/helpers.ts';
import { ACCOUNTS, rows, seeded, TODAY, type Seeded } from '../../../test/generate-support.ts';
import type { Db } from '../../platform/db/connect.ts';
import { DEMO_ACCOUNT } from '../demo/demo-account.ts';
import { addMonths, lastDayOfPeriod } from '../../domain/dates.ts';
import { closeMonth } from '../../features/billing/close-month.ts';
import { computeBatch } from '../../features/billing/close-batch.ts';
import { buildingVolumes, loadPlans, nextAccounts } from '../../features/billing/billing.repository.ts';

// The generated charges and closed months: the ones the monthly closing makes, and it follows on.

for (const dialect of await testDialects()) {
  describe(`generated charges (${dialect})`, () => {
    let a: Seeded;
    let db: Db;
    before(async () => {
      a = await seeded(dialect, false);
      db = a.t.db;
    });
    after(async () => a.t.drop());

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
