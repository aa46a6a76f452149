import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { testDialects } from '../../../test/helpers.ts';
import { ACCOUNTS, rows, seeded, TODAY, type Seeded } from '../../../test/generate-support.ts';
import type { Db } from '../../platform/db/connect.ts';
import { DEMO_ACCOUNT } from '../demo/demo-account.ts';
import { BRANCH_OF_SETTLEMENT, SETTLEMENTS } from '../demo/reference-data.ts';
import { addDays } from '../../domain/dates.ts';
import { billingPeriodFor } from '../../domain/readings.ts';

// The generated accounts, meters, readings and payments: what they are made of.

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
  });
}
