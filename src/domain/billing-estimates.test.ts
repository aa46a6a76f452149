import { test } from 'node:test';
import assert from 'node:assert/strict';
import { computeCharge, type ChargeInput, type PreviousCharge, type ReadingInput } from './billing.ts';
import { billingPeriodFor } from './readings.ts';

/** When billing.ts estimates (п.59 average, п.60 norm), over which readings, and what a reading settles later. */

const meter = { id: 1, digits: 5, ratio: 1, zones: 1, verificationDue: '2035-01-01' };
const r = (id: number, date: string, ...values: number[]): ReadingInput => ({ id, date, values });
const prev = (period: string, method: PreviousCharge['method'], readingId: number | null, kwh = 0) => ({
  period,
  method,
  readingId,
  zoneKwh: [kwh, 0],
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
      prices: [{ zone: 'single', band: 'base', validFrom: '2020-01-01', priceE5: 100_000 }],
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

test('the single reading of a new meter is its starting point: by readings, 0 kWh', () => {
  const c = computeCharge(input({ readings: [r(1, '2026-05-10', 4_321)] }));
  assert.equal(c.method, 'readings');
  assert.equal(c.reading?.id, 1);
  assert.equal(c.kwh, 0);
});

test('a meter without any reading yet is charged by the norm', () => {
  const c = computeCharge(input({ readings: [] }));
  assert.equal(c.method, 'norm');
  assert.equal(c.reason, 'no_reading');
  assert.equal(c.kwh, 120);
  assert.deepEqual(c.settledKwh, [0]);
});

test('a reading dated before the billed one, entered after it, does not count again', () => {
  const readings = [r(1, '2025-11-15', 1_000), r(6, '2026-04-10', 1_500), r(5, '2026-04-15', 1_600)];
  const c = computeCharge(input({ readings, previous: [prev('2026-04', 'readings', 5)] }));
  assert.equal(c.method, 'average');
  assert.equal(c.reading, null);
});

test('the meter is unfit in the month its verification is due, not the month before', () => {
  const readings = [r(1, '2025-11-10', 1_000), r(2, '2026-04-10', 1_500), r(3, '2026-05-10', 1_600)];
  const due = (verificationDue: string) =>
    computeCharge(
      input({ meter: { ...meter, verificationDue }, readings, previous: [prev('2026-04', 'readings', 2)] }),
    );
  assert.equal(due('2026-05-31').reason, 'meter_fault');
  assert.equal(due('2026-05-01').reason, 'meter_fault');
  assert.equal(due('2026-06-01').method, 'readings');
});

test('п.59а: readings counting for the period but dated before its first day are averaged, later ones not', () => {
  const m = { ...meter, verificationDue: '2026-05-15' };
  // 28 April counts for May (after the 25th) and is before 1 May; 1 May is not.
  const readings = [r(1, '2025-10-28', 1_000), r(2, '2026-04-28', 1_600), r(3, '2026-05-01', 1_700)];
  const c = computeCharge(input({ meter: m, readings, previous: [prev('2026-04', 'average', null, 100)] }));
  assert.equal(c.method, 'average');
  assert.equal(c.average?.from.id, 1);
  assert.equal(c.average?.to.id, 2);
  assert.deepEqual(c.average?.monthlyKwh, [100]); // 600 kWh over 6 months
});

test('п.59б: a reading dated in the period is averaged too; only п.59а stops at its first day', () => {
  // Every reading counted for April, the last one included (a window closed on the 5th).
  const readings = [r(1, '2025-11-03', 1_000), r(2, '2026-05-03', 1_600)];
  const c = computeCharge(
    input({ readings, readingPeriod: () => '2026-04', previous: [prev('2026-04', 'readings', 2)] }),
  );
  assert.equal(c.method, 'average');
  assert.equal(c.average?.to.id, 2);
  assert.deepEqual(c.average?.monthlyKwh, [101]); // 600 kWh over 181 days (5.95 months)
});

test('the average runs from the last reading at least six months before the latest one', () => {
  const readings = [
    r(1, '2025-01-15', 1_000),
    r(2, '2025-10-15', 1_900), // six months before 15 April exactly
    r(3, '2025-10-20', 1_910),
    r(4, '2026-04-15', 2_500),
  ];
  const c = computeCharge(input({ readings, previous: [prev('2026-04', 'readings', 4)] }));
  assert.equal(c.average?.from.id, 2);
  assert.equal(c.average?.to.id, 4);
  assert.deepEqual(c.average?.monthlyKwh, [100]); // 600 kWh over 182 days (5.98 months), not from 20 October
});

test('a two-zone meter by the norm: the whole norm on the first zone', () => {
  const c = computeCharge(
    input({
      meter: { ...meter, zones: 2 },
      plan: {
        ...input({}).plan,
        zones: 2,
        prices: [
          { zone: 'day', band: 'base', validFrom: '2020-01-01', priceE5: 400_000 },
          { zone: 'night', band: 'base', validFrom: '2020-01-01', priceE5: 200_000 },
        ],
      },
      residents: 2,
    }),
  );
  assert.equal(c.method, 'norm');
  assert.deepEqual(
    c.zones.map((z) => [z.zone, z.kwh]),
    [
      ['day', 240],
      ['night', 0],
    ],
  );
  assert.equal(c.amountKop, 96_000);
  assert.deepEqual(c.settledKwh, [0, 0]);
});

test('a reading settles the average charged since the last reading, not the norm nor older runs', () => {
  const readings = [r(1, '2025-06-15', 1_000), r(2, '2026-01-15', 2_000), r(3, '2026-05-15', 2_500)];
  const c = computeCharge(
    input({
      readings,
      previous: [
        prev('2026-04', 'norm', null, 120),
        prev('2026-03', 'average', null, 100),
        prev('2026-02', 'average', null, 90),
        prev('2026-01', 'readings', 2, 150),
        prev('2025-12', 'average', null, 70),
      ],
    }),
  );
  assert.equal(c.method, 'readings');
  assert.deepEqual(c.settledKwh, [190]);
  assert.equal(c.kwh, 500 - 190);
});

test('the count of periods by the average stops at the last reading', () => {
  const readings = [r(1, '2025-06-15', 1_000), r(2, '2025-12-15', 2_200)];
  const previous = [
    ...['2026-04', '2026-03', '2026-02', '2026-01', '2025-12'].map((p) => prev(p, 'average', null, 200)),
    prev('2025-11', 'readings', 2, 200),
    ...['2025-10', '2025-09', '2025-08'].map((p) => prev(p, 'average', null, 200)),
  ];
  assert.equal(computeCharge(input({ readings, previous })).method, 'average'); // the sixth in a row
});

test('once charged by the norm, the average does not come back until a reading', () => {
  // The norm in April (too little history then); by May the history would allow an average.
  const readings = [r(1, '2025-10-15', 1_000), r(2, '2026-03-15', 1_500)];
  const previous = [prev('2026-04', 'norm', null, 120), prev('2026-03', 'readings', 2, 100)];
  const c = computeCharge(input({ readings: [readings[0]!, readings[1]!], previous }));
  assert.equal(c.method, 'norm');
  assert.equal(computeCharge(input({ readings, previous: previous.slice(1) })).method, 'average');
});
