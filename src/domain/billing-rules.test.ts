import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import {
  computeCharge,
  odnKwh,
  type ChargeInput,
  type PreviousCharge,
  type ReadingInput,
} from './billing.ts';
import type { PriceRow } from './tariff.ts';
import { billingPeriodFor } from './readings.ts';

/** The rules of billing.ts that pick what is charged: baselines, same-day readings, prices, rounding. */

const price = (zone: string, validFrom: string, priceE5: number): PriceRow => ({
  zone,
  band: 'base',
  validFrom,
  priceE5,
});
const meter = { id: 1, digits: 5, ratio: 1, zones: 1, verificationDue: '2035-01-01' };
const r = (id: number, date: string, ...values: number[]): ReadingInput => ({ id, date, values });
const billed = (period: string, readingId: number): PreviousCharge => ({
  period,
  method: 'readings',
  readingId,
  zoneKwh: [0],
});

function input(over: Partial<ChargeInput>): ChargeInput {
  return {
    period: '2026-05',
    residents: 1,
    plan: {
      zones: 1,
      normKwhPerResident: 120,
      socialNormKwh: null,
      socialNormExtraKwh: null,
      prices: [price('single', '2020-01-01', 100_000)],
    },
    meter,
    readings: [],
    readingPeriod: (x) => billingPeriodFor(x.date),
    previous: [],
    debtStartKop: 0,
    paymentsKop: 0,
    recalcKop: 0,
    odnKwh: null,
    limits: { averageMaxPeriods: 6, averageMaxPeriodsFault: 3, normCoefficientE3: 1000 },
    ...over,
  };
}

test('without a billed reading, consumption counts from the earliest reading before the latest', () => {
  const c = computeCharge(
    input({ readings: [r(1, '2026-03-10', 100), r(2, '2026-04-10', 150), r(3, '2026-05-10', 230)] }),
  );
  assert.equal(c.method, 'readings');
  assert.equal(c.reading?.id, 3);
  assert.equal(c.baseline?.id, 1);
  assert.equal(c.kwh, 130);
});

test('the first readings of a meter, all on one day, charge nothing: there is no earlier day', () => {
  const c = computeCharge(input({ readings: [r(1, '2026-05-10', 100), r(2, '2026-05-10', 105)] }));
  assert.equal(c.method, 'readings');
  assert.equal(c.reading?.id, 2);
  assert.equal(c.baseline, null);
  assert.equal(c.kwh, 0);
  assert.equal(c.amountKop, 0);
});

test('a reading corrected on the same day: the later one counts', () => {
  const c = computeCharge(
    input({
      readings: [r(1, '2026-04-15', 1_000), r(2, '2026-05-10', 1_100), r(3, '2026-05-10', 1_090)],
      previous: [billed('2026-04', 1)],
    }),
  );
  assert.equal(c.reading?.id, 3);
  assert.equal(c.kwh, 90);
});

test('a reading on the day of the billed one counts only if it came after it', () => {
  const readings = [r(1, '2026-04-10', 1_000), r(2, '2026-04-10', 1_020), r(3, '2026-04-10', 1_050)];
  const later = computeCharge(input({ readings, previous: [billed('2026-04', 2)] }));
  assert.equal(later.method, 'readings');
  assert.equal(later.reading?.id, 3);
  assert.equal(later.baseline?.id, 2);
  assert.equal(later.kwh, 30);
  // The billed reading is the last one: nothing new, so an estimate, not a charge of 0 kWh.
  const none = computeCharge(input({ readings: readings.slice(0, 2), previous: [billed('2026-04', 2)] }));
  assert.notEqual(none.method, 'readings');
  assert.equal(none.reading, null);
});

test('the price in force on the first day of the period is charged', () => {
  const prices = [price('single', '2025-07-01', 100_000), price('single', '2026-05-01', 120_000)];
  const plan = { ...input({}).plan, prices };
  const at = (period: string) => computeCharge(input({ period, meter: null, plan }));
  assert.equal(at('2026-04').priceE5, 100_000); // the day before the change
  assert.equal(at('2026-05').priceE5, 120_000); // the day of the change
  assert.equal(at('2026-06').priceE5, 120_000); // after it
  assert.equal(at('2026-05').amountKop, 14_400); // 120 kWh × 1.20
  const midMonth = { ...plan, prices: [prices[0]!, price('single', '2026-05-02', 120_000)] };
  assert.equal(computeCharge(input({ meter: null, plan: midMonth })).priceE5, 100_000);
});

test('two zones changing on different dates: each zone at its own price in force', () => {
  const plan = {
    ...input({}).plan,
    zones: 2,
    prices: [
      price('day', '2025-01-01', 400_000),
      price('night', '2025-01-01', 200_000),
      price('night', '2026-04-01', 220_000),
      price('day', '2026-06-01', 450_000),
    ],
  };
  const readings = [r(1, '2026-01-15', 1_000, 500), r(2, '2026-02-15', 1_100, 550)];
  const charge = (period: string, reading: ReadingInput) =>
    computeCharge(
      input({
        period,
        plan,
        meter: { ...meter, zones: 2 },
        readings: [readings[0]!, reading],
        previous: [billed('2026-01', 1)],
      }),
    ).zones.map((z) => z.bands[0]!.priceE5);
  assert.deepEqual(charge('2026-03', r(2, '2026-03-15', 1_100, 550)), [400_000, 200_000]);
  assert.deepEqual(charge('2026-05', r(2, '2026-05-15', 1_100, 550)), [400_000, 220_000]);
  assert.deepEqual(charge('2026-06', r(2, '2026-06-15', 1_100, 550)), [450_000, 220_000]);
});

test('a zone without a price of its own falls back to the single rate, else to any price in force', () => {
  const twoZones = { ...meter, zones: 2 };
  const readings = [r(1, '2026-04-15', 1_000, 500), r(2, '2026-05-15', 1_100, 550)];
  const withPrices = (prices: PriceRow[]) =>
    computeCharge(
      input({
        plan: { ...input({}).plan, zones: 2, prices },
        meter: twoZones,
        readings,
        previous: [billed('2026-04', 1)],
      }),
    ).zones.map((z) => [z.zone, z.bands[0]!.priceE5]);
  assert.deepEqual(
    withPrices([price('single', '2020-01-01', 300_000), price('day', '2020-01-01', 500_000)]),
    [
      ['day', 500_000],
      ['night', 300_000],
    ],
  );
  assert.deepEqual(withPrices([price('day', '2020-01-01', 500_000)]), [
    ['day', 500_000],
    ['night', 500_000],
  ]);
  assert.throws(() => withPrices([price('single', '2026-06-01', 300_000)]), {
    message: 'no price in force on 2026-05-01',
  });
});

test('kopecks are rounded half up once per band: 1 kWh at 1.12500 ₽ is 1.13, at 1.12499 ₽ 1.12', () => {
  const charge = (priceE5: number, kwh: number) =>
    computeCharge(
      input({
        plan: { ...input({}).plan, prices: [price('single', '2020-01-01', priceE5)] },
        readings: [r(1, '2026-04-15', 1_000), r(2, '2026-05-15', 1_000 + kwh)],
        previous: [billed('2026-04', 1)],
        odnKwh: kwh,
      }),
    );
  assert.equal(charge(112_500, 1).amountKop, 113);
  assert.equal(charge(112_499, 1).amountKop, 112);
  assert.equal(charge(112_500, 1).odnKop, 113);
  assert.equal(charge(112_499, 1).odnKop, 112);
  assert.equal(charge(112_650, 3).amountKop, 338); // 337.95
});

test('the norm volume is rounded half up to whole kWh', () => {
  const norm = (perResident: number, residents: number, coefficientE3: number) =>
    computeCharge(
      input({
        meter: null,
        residents,
        plan: { ...input({}).plan, normKwhPerResident: perResident },
        limits: { averageMaxPeriods: 6, averageMaxPeriodsFault: 3, normCoefficientE3: coefficientE3 },
      }),
    ).kwh;
  assert.equal(norm(125, 1, 1500), 188); // 187.5
  assert.equal(norm(125, 1, 1499), 187); // 187.375
  assert.equal(norm(101, 1, 1005), 102); // 101.505
  assert.equal(norm(120, 0, 1000), 120); // nobody registered: charged as for one resident
  assert.equal(norm(120, 3, 1000), 360);
});

test('ОДН kWh: the flat share of the common volume, rounded half up, never below zero', () => {
  const share = (common: number, flatAreaE2: number, flatsAreaE2: number) =>
    odnKwh({
      totalKwh: common + 30,
      nonresidentialKwh: 10,
      unmeteredFlatsKwh: 10,
      meteredFlatsKwh: 10,
      flatAreaE2,
      flatsAreaE2,
    });
  assert.equal(share(1, 1, 2), 1); // 0.5
  assert.equal(share(1, 1, 3), 0); // 0.33
  assert.equal(share(2, 1, 3), 1); // 0.67
  assert.equal(share(100, 6_000, 240_000), 3); // 2.5
  assert.equal(share(0, 1, 2), 0);
  assert.equal(share(-5, 1, 2), 0);
  assert.equal(share(10, 1, 0), 0);
});

const readingsArb = fc
  .uniqueArray(fc.integer({ min: 0, max: 400 }), { minLength: 2, maxLength: 6 })
  .chain((days) =>
    fc.tuple(
      fc.constant([...days].sort((a, b) => a - b)),
      fc.array(fc.tuple(fc.nat(3_000), fc.nat(3_000)), { minLength: days.length, maxLength: days.length }),
      fc.shuffledSubarray(
        days.map((_, i) => i + 1),
        { minLength: days.length, maxLength: days.length },
      ),
    ),
  )
  .map(([days, values, ids]) =>
    days.map((day, i) => {
      const date = new Date(Date.UTC(2025, 3, 1 + day)).toISOString().slice(0, 10);
      return r(ids[i]!, date, ...values[i]!);
    }),
  );

test('property: the zone charges sum to the total, and ids (the order stored) do not change it', () => {
  const plan = {
    ...input({}).plan,
    zones: 2,
    prices: [price('day', '2020-01-01', 412_345), price('night', '2020-01-01', 187_655)],
  };
  fc.assert(
    fc.property(readingsArb, fc.boolean(), (readings, withBaseline) => {
      const over = (rs: ReadingInput[]) =>
        input({
          period: '2026-06',
          plan,
          meter: { ...meter, digits: 4, zones: 2 },
          readings: rs,
          previous: withBaseline ? [billed('2026-01', rs[0]!.id)] : [],
        });
      const c = computeCharge(over(readings));
      assert.equal(c.amountKop, c.zones[0]!.amountKop + c.zones[1]!.amountKop);
      assert.equal(c.kwh, c.zones[0]!.kwh + c.zones[1]!.kwh);
      // The same readings stored in date order (ids 1, 2, …): the same charge.
      const renumbered = readings.map((x, i) => ({ ...x, id: i + 1 }));
      const d = computeCharge(over(renumbered));
      assert.deepEqual([d.method, d.kwh, d.amountKop], [c.method, c.kwh, c.amountKop]);
    }),
  );
});
