import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { ChargeResult, ReadingInput } from './billing.ts';
import { chargeDetails } from './charge-details.ts';
import { explainCharge, parseChargeDetails } from './explain.ts';

/** What a closed charge stores to explain itself: only the fields named, nothing of its inputs' extras. */

const reading = (id: number, date: string, values: number[]): ReadingInput =>
  // A loader's row may carry more than the domain asks for; the details keep only their fields.
  ({ id, date, values, source: 'portal' }) as ReadingInput;

function result(over: Partial<ChargeResult>): ChargeResult {
  return {
    method: 'readings',
    reason: null,
    zones: [],
    kwh: 0,
    amountKop: 0,
    odnKwh: 0,
    odnKop: 0,
    odnPriceE5: 161_000,
    debtStartKop: 0,
    paymentsKop: 0,
    recalcKop: 0,
    debtKop: 0,
    reading: null,
    baseline: null,
    settledKwh: [0],
    replaced: null,
    average: null,
    norm: null,
    priceE5: 161_000,
    ...over,
  };
}

const dayNight = [
  {
    zone: 'day' as const,
    kwh: 120,
    amountKop: 42_240,
    bands: [{ band: 'base' as const, kwh: 120, priceE5: 352_000, amountKop: 42_240 }],
    extra: 1,
  },
  {
    zone: 'night' as const,
    kwh: -30,
    amountKop: -5_880,
    bands: [{ band: 'base' as const, kwh: -30, priceE5: 196_000, amountKop: -5_880 }],
  },
];

test('a charge by readings keeps its meter, zones, readings and the settled kWh, and nothing else', () => {
  const meter = { serial: '368985', digits: 5, ratio: 40, id: 9 } as unknown as Parameters<
    typeof chargeDetails
  >[1];
  const d = chargeDetails(
    result({
      zones: dayNight,
      reading: reading(12, '2026-05-20', [1_020, 505]),
      baseline: reading(7, '2026-02-20', [1_000, 500]),
      settledKwh: [0, 230],
    }),
    meter,
    [],
  );
  assert.deepEqual(JSON.parse(JSON.stringify(d)), {
    reason: null,
    meter: { serial: '368985', digits: 5, ratio: 40 },
    zones: [
      {
        zone: 'day',
        kwh: 120,
        amountKop: 42_240,
        bands: [{ band: 'base', kwh: 120, priceE5: 352_000, amountKop: 42_240 }],
      },
      {
        zone: 'night',
        kwh: -30,
        amountKop: -5_880,
        bands: [{ band: 'base', kwh: -30, priceE5: 196_000, amountKop: -5_880 }],
      },
    ],
    reading: { id: 12, date: '2026-05-20', values: [1_020, 505] },
    baseline: { id: 7, date: '2026-02-20', values: [1_000, 500] },
    settledKwh: [0, 230],
    average: null,
    norm: null,
    odnPriceE5: 161_000,
  });
});

test('nothing settled, no meter, no readings: those keys are empty or left out', () => {
  const d = chargeDetails(
    result({
      method: 'norm',
      reason: 'no_meter',
      settledKwh: [0, 0],
      norm: { perResident: 120, residents: 2, coefficientE3: 1500 },
    }),
    null,
    [],
  );
  assert.equal(d.meter, null);
  assert.equal(d.reading, null);
  assert.equal(d.baseline, null);
  assert.equal(d.average, null);
  assert.equal(d.settledKwh, undefined);
  assert.equal(d.recalculations, undefined);
  assert.deepEqual(d.norm, { perResident: 120, residents: 2, coefficientE3: 1500 });
  assert.deepEqual(Object.keys(JSON.parse(JSON.stringify(d)) as object).sort(), [
    'average',
    'baseline',
    'meter',
    'norm',
    'odnPriceE5',
    'reading',
    'reason',
    'zones',
  ]);
});

test('a charge by the average keeps the readings it was taken between, and the recalculations', () => {
  const d = chargeDetails(
    result({
      method: 'average',
      reason: 'no_reading',
      average: {
        from: reading(3, '2025-11-15', [900]),
        to: reading(5, '2026-05-15', [1_500]),
        monthlyKwh: [100],
      },
    }),
    { serial: '7', digits: 6, ratio: 1 },
    [{ period: '2026-03', amountKop: -1_500, reason: 'ошибка в показании', id: 4 } as never],
  );
  assert.deepEqual(JSON.parse(JSON.stringify(d.average)), {
    from: { date: '2025-11-15', values: [900] },
    to: { date: '2026-05-15', values: [1_500] },
    monthlyKwh: [100],
  });
  assert.deepEqual(d.recalculations, [
    { period: '2026-03', amountKop: -1_500, reason: 'ошибка в показании' },
  ]);
});

test('stored as JSON and read back, the details explain the charge', () => {
  const stored = JSON.stringify(
    chargeDetails(
      result({
        zones: dayNight,
        kwh: 90,
        amountKop: 36_360,
        reading: reading(12, '2026-05-20', [1_020, 505]),
        baseline: reading(7, '2026-02-20', [1_000, 500]),
        settledKwh: [0, 230],
      }),
      { serial: '368985', digits: 5, ratio: 1 },
      [],
    ),
  );
  const lines = explainCharge({
    method: 'readings',
    kwh: 90,
    amountKop: 36_360,
    tariffE5: 352_000,
    readingValue: 1_020,
    odnKwh: 0,
    odnKop: 0,
    recalcKop: 0,
    details: parseChargeDetails(stored),
  }).map((s) => s.replace(/\u00a0/g, ' '));
  assert.deepEqual(lines, [
    'День: 120 кВт·ч × 3,5200 ₽ = 422,40 ₽, по показаниям 1 000 → 1 020',
    'Ночь: −30 кВт·ч × 1,9600 ₽ = −58,80 ₽, по показаниям 500 → 505, за вычетом 230 кВт·ч, начисленных ранее по среднему',
  ]);
});
