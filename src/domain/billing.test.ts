import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  averageMonthly,
  computeCharge,
  odnKwh,
  type ChargeInput,
  type PreviousCharge,
  type ReadingInput,
} from './billing.ts';
import { billingPeriodFor } from './readings.ts';

const single = (price: number, extra: Partial<ChargeInput['plan']> = {}): ChargeInput['plan'] => ({
  zones: 1,
  normKwhPerResident: 120,
  socialNormKwh: null,
  socialNormExtraKwh: null,
  prices: [{ zone: 'single', band: 'base', validFrom: '2020-01-01', priceE5: price }],
  ...extra,
});
const meter = { id: 1, digits: 5, ratio: 1, zones: 1, verificationDue: '2035-01-01' };
const r = (id: number, date: string, ...values: number[]): ReadingInput => ({ id, date, values });
const prev = (
  period: string,
  method: PreviousCharge['method'],
  readingId: number | null,
  ...zoneKwh: number[]
): PreviousCharge => ({
  period,
  method,
  readingId,
  zoneKwh,
});

function input(over: Partial<ChargeInput>): ChargeInput {
  return {
    period: '2026-05',
    residents: 1,
    plan: single(112_700),
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

test('the seed sample bill: 316 kWh × 1.1270 = 356.13, ОДН 26 kWh = 29.30, 342 kWh = 385.43', () => {
  const c = computeCharge(
    input({
      readings: [r(1, '2026-04-15', 29_500), r(2, '2026-05-15', 29_816)],
      previous: [prev('2026-04', 'readings', 1, 300)],
      odnKwh: 26,
      debtStartKop: 56_276,
      paymentsKop: 0,
    }),
  );
  assert.equal(c.method, 'readings');
  assert.equal(c.kwh, 316);
  assert.equal(c.amountKop, 35_613);
  assert.equal(c.odnKop, 2_930);
  assert.equal(c.kwh + c.odnKwh, 342);
  assert.equal(c.amountKop + c.odnKop, 38_543);
  assert.equal(c.debtKop, 56_276 + 38_543);
  assert.equal(c.reading?.id, 2);
  assert.equal(c.baseline?.id, 1);
});

test('by readings: the latest reading counting for the period, with rollover and ratio', () => {
  const c = computeCharge(
    input({
      meter: { ...meter, digits: 4, ratio: 40 },
      readings: [
        r(1, '2026-04-20', 9_990),
        r(2, '2026-05-10', 9_995),
        r(3, '2026-05-20', 5),
        r(4, '2026-05-28', 50),
      ],
      previous: [prev('2026-04', 'readings', 1, 0)],
      plan: single(161_000),
    }),
  );
  // The reading of the 28th counts for June (after the 25th): the one of the 20th is used.
  assert.equal(c.reading?.id, 3);
  assert.equal(c.kwh, (10_000 + 5 - 9_990) * 40);
  assert.equal(c.amountKop, 96_600); // 600 kWh × 1.61
});

test('the average (п.59б) over ~6 months when no reading counts, then settled by the next reading', () => {
  const readings = [r(1, '2025-11-15', 1_000), r(2, '2026-01-15', 1_300), r(3, '2026-04-15', 1_910)];
  const a = computeCharge(
    input({ readings, previous: [prev('2026-04', 'readings', 3, 200)], plan: single(161_000) }),
  );
  assert.equal(a.method, 'average');
  assert.equal(a.reason, 'no_reading');
  // 2025-11-15 → 2026-04-15: 151 days = 4.96 months; 910 kWh / 4.96 = 183.4 → 183.
  assert.equal(a.average?.from.id, 1);
  assert.deepEqual(a.average?.monthlyKwh, [183]);
  assert.equal(a.amountKop, 29_463);
  // June: a reading again. 2 100 − 1 910 = 190 kWh read since April, 183 already charged → 7.
  const b = computeCharge(
    input({
      period: '2026-06',
      readings: [...readings, r(4, '2026-06-20', 2_100)],
      previous: [prev('2026-05', 'average', null, 183), prev('2026-04', 'readings', 3, 200)],
      plan: single(161_000),
    }),
  );
  assert.equal(b.method, 'readings');
  assert.deepEqual(b.settledKwh, [183]);
  assert.equal(b.kwh, 7);
});

test('the average of a period ignores readings that count for later periods', () => {
  const readings = [r(1, '2025-11-15', 1_000), r(2, '2026-01-15', 1_300), r(3, '2026-04-15', 1_910)];
  const base = input({ readings, previous: [prev('2026-04', 'readings', 3, 200)], plan: single(161_000) });
  const a = computeCharge(base);
  // May closed late, after June's reading arrived: the same average as closed on time.
  const late = computeCharge({ ...base, readings: [...readings, r(4, '2026-06-20', 2_500)] });
  assert.equal(late.method, 'average');
  assert.deepEqual(late.average, a.average);
  assert.equal(late.amountKop, a.amountKop);
});

test('at most N periods by the average in a row, then the norm × residents × coefficient (п.60)', () => {
  const readings = [r(1, '2025-06-10', 1_000), r(2, '2025-12-10', 2_200)];
  const six = ['2026-05', '2026-04', '2026-03', '2026-02', '2026-01', '2025-12'].map((p, i) =>
    prev(p, i === 5 ? 'readings' : 'average', i === 5 ? 2 : null, 200),
  );
  const fifth = computeCharge(input({ readings, previous: six.slice(1), plan: single(161_000) }));
  assert.equal(fifth.method, 'average'); // 5 in a row so far: one more is allowed
  six[5] = prev('2025-12', 'average', null, 200);
  const c = computeCharge(
    input({
      readings,
      previous: [...six, prev('2025-11', 'readings', 2, 200)],
      residents: 3,
      plan: single(161_000),
      limits: { averageMaxPeriods: 6, averageMaxPeriodsFault: 3, normCoefficientE3: 1500 },
    }),
  );
  assert.equal(c.method, 'norm');
  assert.equal(c.kwh, 540); // 120 × 3 × 1.5
  assert.equal(c.amountKop, 86_940);
  // The norm goes on until a reading comes: a norm period does not restart the count.
  const next = computeCharge(
    input({
      period: '2026-06',
      readings,
      previous: [prev('2026-05', 'norm', null, 540), ...six, prev('2025-11', 'readings', 2, 200)],
    }),
  );
  assert.equal(next.method, 'norm');
});

test('a meter past verification (п.59а): the average for at most 3 periods, from readings before the due date', () => {
  const m = { ...meter, verificationDue: '2026-03-01' };
  // 10 April: after the due date but before the period: an unverified meter's figure all the same.
  const readings = [
    r(1, '2025-08-01', 100),
    r(2, '2026-02-01', 700),
    r(4, '2026-04-10', 4_000),
    r(3, '2026-05-10', 5_000),
  ];
  const c = computeCharge(input({ meter: m, readings, previous: [prev('2026-04', 'average', null, 100)] }));
  assert.equal(c.method, 'average');
  assert.equal(c.reason, 'meter_fault');
  assert.equal(c.average?.to.id, 2); // no reading after the due date counts
  assert.equal(c.kwh, Math.round(600 / (184 / (365.25 / 12)))); // 600 kWh over 184 days
  const after3 = computeCharge(
    input({
      meter: m,
      readings,
      previous: ['2026-04', '2026-03', '2026-02'].map((p) => prev(p, 'average', null, 100)),
    }),
  );
  assert.equal(after3.method, 'norm');
});

test('no meter: the norm (п.42); too little history for an average: the norm', () => {
  assert.equal(computeCharge(input({ meter: null, residents: 2 })).kwh, 240);
  assert.equal(computeCharge(input({ meter: null })).reason, 'no_meter');
  const short = computeCharge(
    input({
      readings: [r(1, '2026-03-01', 10), r(2, '2026-04-15', 100)],
      previous: [prev('2026-04', 'readings', 2, 90)],
    }),
  );
  assert.equal(short.method, 'norm');
  assert.equal(
    averageMonthly([r(1, '2026-01-01', 0), r(2, '2026-03-31', 300)], meter, null)?.monthlyKwh[0],
    103,
  ); // 89 days: 300 × 30.4375 / 89 = 102.6
});

test('two-zone meter: each zone at its own price', () => {
  const plan = {
    zones: 2,
    normKwhPerResident: 120,
    socialNormKwh: null,
    socialNormExtraKwh: null,
    prices: [
      { zone: 'day', band: 'base', validFrom: '2026-01-01', priceE5: 352_000 },
      { zone: 'night', band: 'base', validFrom: '2026-01-01', priceE5: 196_000 },
      { zone: 'day', band: 'base', validFrom: '2026-07-01', priceE5: 400_000 },
    ],
  };
  const c = computeCharge(
    input({
      plan,
      meter: { ...meter, zones: 2 },
      readings: [r(1, '2026-04-20', 1_000, 500), r(2, '2026-05-20', 1_150, 560)],
      previous: [prev('2026-04', 'readings', 1, 0, 0)],
    }),
  );
  assert.deepEqual(
    c.zones.map((z) => [z.zone, z.kwh, z.amountKop]),
    [
      ['day', 150, 52_800],
      ['night', 60, 11_760],
    ],
  );
  assert.equal(c.amountKop, 64_560);
});

test('social norm (Decree 614): within the norm at the base price, above it at the higher one', () => {
  const plan = single(300_000, {
    socialNormKwh: 110,
    socialNormExtraKwh: 75,
    prices: [
      { zone: 'single', band: 'base', validFrom: '2020-01-01', priceE5: 300_000 },
      { zone: 'single', band: 'above_norm', validFrom: '2020-01-01', priceE5: 450_000 },
    ],
  });
  const c = computeCharge(
    input({
      plan,
      residents: 2,
      readings: [r(1, '2026-04-20', 0), r(2, '2026-05-20', 250)],
      previous: [prev('2026-04', 'readings', 1, 0)],
    }),
  );
  assert.deepEqual(
    c.zones[0]!.bands.map((b) => [b.band, b.kwh, b.amountKop]),
    [
      ['base', 185, 55_500],
      ['above_norm', 65, 29_250],
    ],
  );
});

test('ОДН: the worked example of the domain notes', () => {
  const kwh = odnKwh({
    totalKwh: 12_000,
    nonresidentialKwh: 1_000,
    unmeteredFlatsKwh: 4_000,
    meteredFlatsKwh: 5_000,
    flatAreaE2: 6_000,
    flatsAreaE2: 240_000,
  });
  assert.equal(kwh, 50);
  const c = computeCharge(input({ meter: null, odnKwh: kwh, plan: single(193_600) }));
  assert.equal(c.odnKop, 9_680); // 96.80 ₽
  assert.equal(
    odnKwh({
      totalKwh: 100,
      nonresidentialKwh: 200,
      unmeteredFlatsKwh: 0,
      meteredFlatsKwh: 0,
      flatAreaE2: 1,
      flatsAreaE2: 10,
    }),
    0,
  );
});

test('the debt carries forward: start + charged + ОДН + recalculations − payments', () => {
  const c = computeCharge(
    input({
      meter: null,
      debtStartKop: -10_000,
      paymentsKop: 50_000,
      recalcKop: -1_234,
      odnKwh: 10,
      plan: single(100_000),
    }),
  );
  assert.equal(c.amountKop, 12_000);
  assert.equal(c.odnKop, 1_000);
  assert.equal(c.debtKop, -10_000 + 12_000 + 1_000 - 1_234 - 50_000);
});
