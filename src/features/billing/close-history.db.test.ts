import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { addAccount, testDialects } from '../../../test/helpers.ts';
import { createTestDb, type TestDb } from '../../../test/db.ts';
import { CLOSE_OPTS } from '../../../test/billing-support.ts';
import { ensureReferenceData } from '../../tools/demo/reference-data.ts';
import { closeMonth } from './close-month.ts';

// Estimates running longer than the closing's window of recent charges: found by the charge
// oracle (charge-oracle.db.test.ts). A customer sends readings monthly until May 2025, then none;
// June to November are charged by the average (6 periods), December and January by the norm.

/** Months closed in a row, May 2025 to February 2026. */
const PERIODS = [
  '2025-05',
  '2025-06',
  '2025-07',
  '2025-08',
  '2025-09',
  '2025-10',
  '2025-11',
  '2025-12',
  '2026-01',
  '2026-02',
];

for (const dialect of await testDialects()) {
  describe(`a long run of estimates (${dialect})`, () => {
    let t: TestDb;
    let silent: number;
    let back: number;
    let sparse: number;
    before(async () => {
      t = await createTestDb(dialect);
      await ensureReferenceData(t.db.kysely, 2026);
      silent = await addAccount(t.db, { number: '1000000101', surname: 'Молчанов', serial: '700001' });
      back = await addAccount(t.db, { number: '1000000102', surname: 'Вернувшийся', serial: '700002' });
      // 100 kWh a month, read on the 10th from November 2024 to May 2025.
      const months = ['2024-11', '2024-12', '2025-01', '2025-02', '2025-03', '2025-04', '2025-05'];
      for (const id of [silent, back]) {
        await addReadings(
          t,
          id,
          months.map((m, i) => [`${m}-10`, 1_000 + i * 100]),
        );
      }
      // The second customer reads again on 10 February 2026: 9 months later, 900 kWh more.
      await addReadings(t, back, [['2026-02-10', 1_600 + 900]]);
      // The third reads twice a year: 100 kWh a month.
      sparse = await addAccount(t.db, { number: '1000000103', surname: 'Редкий', serial: '700003' });
      await addReadings(t, sparse, [
        ['2024-11-10', 1_000],
        ['2025-05-10', 1_600],
        ['2025-10-10', 2_100],
      ]);
      for (const period of PERIODS) {
        await closeMonth(t.db, { ...CLOSE_OPTS, currentPeriod: '2026-03', period });
      }
    });
    after(async () => t.drop());

    const charge = async (accountId: number, period: string) => {
      const c = await t.db.kysely
        .selectFrom('charges')
        .select(['method', 'kwh'])
        .where('account_id', '=', accountId)
        .where('period', '=', period)
        .executeTakeFirstOrThrow();
      return { method: c.method, kwh: Number(c.kwh) };
    };

    test('six months by the average, then the norm while no reading comes, past the window', async () => {
      const methods = [];
      for (const period of PERIODS.slice(1)) {
        methods.push((await charge(silent, period)).method);
      }
      assert.deepEqual(methods, [...Array<string>(6).fill('average'), 'norm', 'norm', 'norm']);
      // The norm: 120 kWh × 2 residents; not the May reading billed again, less the averages.
      assert.deepEqual(await charge(silent, '2026-02'), { method: 'norm', kwh: 240 });
    });

    test('a reading after the run counts from the last billed one, less the six averages', async () => {
      // 10 May 2025 → 10 February 2026: 900 kWh; the averages of June to November charged some.
      let averages = 0;
      for (const period of PERIODS.slice(1, 7)) {
        const c = await charge(back, period);
        assert.equal(c.method, 'average');
        averages += c.kwh;
      }
      assert.equal(averages, 6 * 101); // 600 kWh over 181 days: 100.9 a month
      assert.deepEqual(await charge(back, '2026-02'), { method: 'readings', kwh: 900 - averages });
    });

    test('the average spans six months or more even when its first reading is older than a year', async () => {
      // From 10 October 2025 back to the latest reading at least six months earlier: 10 November
      // 2024, 1100 kWh over 334 days, 100 a month; not 10 May 2025 (500 kWh over 153 days, 99).
      const methods = [];
      for (const period of ['2025-11', '2025-12', '2026-01', '2026-02']) {
        methods.push(await charge(sparse, period));
      }
      assert.deepEqual(methods, Array(4).fill({ method: 'average', kwh: 100 }));
    });
  });
}

async function addReadings(t: TestDb, accountId: number, readings: Array<[string, number]>): Promise<void> {
  const meter = await t.db.kysely
    .selectFrom('meters')
    .select('id')
    .where('account_id', '=', accountId)
    .executeTakeFirstOrThrow();
  await t.db.kysely
    .insertInto('readings')
    .values(
      readings.map(([date, value]) => ({
        account_id: accountId,
        meter_id: Number(meter.id),
        reading_date: date,
        value1: value,
        value2: null,
        value3: null,
        channel: 'internet',
        status: 'accepted',
        reason: null,
        submitted_at: 0,
        submitted_ip: null,
      })),
    )
    .execute();
}
