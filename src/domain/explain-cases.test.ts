import { test } from 'node:test';
import assert from 'node:assert/strict';
import { explainCharge, parseChargeDetails, type ChargeDetails, type ExplainInput } from './explain.ts';

/** "Как рассчитано" for the cases the seed sample does not show: zones, bands, first readings, ОДН, recalculations. */

const nb = (s: string) => s.replace(/\u00a0/g, ' ');
type ZoneDetails = NonNullable<ChargeDetails['zones']>[number];
const zone = (z: ZoneDetails['zone'], kwh: number, priceE5: number, amountKop: number): ZoneDetails => ({
  zone: z,
  kwh,
  amountKop,
  bands: [{ band: 'base', kwh, priceE5, amountKop }],
});

function explain(over: Partial<ExplainInput>, details: ChargeDetails | null): string[] {
  return explainCharge({
    method: 'readings',
    kwh: 0,
    amountKop: 0,
    tariffE5: 161_000,
    readingValue: null,
    odnKwh: 0,
    odnKop: 0,
    recalcKop: 0,
    details,
    ...over,
  }).map(nb);
}

test('two zones by readings: a line per zone, with the ratio and what the average charged before', () => {
  const lines = explain(
    { method: 'readings' },
    {
      reason: 'no_reading',
      meter: { serial: '7', digits: 5, ratio: 40 },
      zones: [zone('day', 400, 352_000, 140_800), zone('night', 200, 196_000, 39_200)],
      reading: { date: '2026-05-20', values: [1_020, 505] },
      baseline: { date: '2026-03-20', values: [1_000, 500] },
      settledKwh: [400, 0],
    },
  );
  assert.deepEqual(lines, [
    'День: 400 кВт·ч × 3,5200 ₽ = 1 408,00 ₽, по показаниям 1 000 → 1 020 × 40 (коэффициент трансформации), за вычетом 400 кВт·ч, начисленных ранее по среднему',
    'Ночь: 200 кВт·ч × 1,9600 ₽ = 392,00 ₽, по показаниям 500 → 505 × 40 (коэффициент трансформации)',
  ]);
});

test('a zone with no consumption by readings still has its line', () => {
  const lines = explain(
    { method: 'readings' },
    {
      zones: [zone('day', 20, 352_000, 7_040), zone('night', 0, 196_000, 0)],
      reading: { date: '2026-05-20', values: [1_020, 500] },
      baseline: { date: '2026-04-20', values: [1_000, 500] },
    },
  );
  assert.deepEqual(lines, [
    'День: 20 кВт·ч × 3,5200 ₽ = 70,40 ₽, по показаниям 1 000 → 1 020',
    'Ночь: 0 кВт·ч × 1,9600 ₽ = 0,00 ₽, по показаниям 500 → 500',
  ]);
});

test('the first reading of a meter, with nothing to count from', () => {
  const lines = explain(
    { method: 'readings' },
    {
      meter: { serial: '7', digits: 5, ratio: 1 },
      zones: [zone('single', 0, 161_000, 0)],
      reading: { date: '2026-05-20', values: [105] },
      baseline: null,
    },
  );
  assert.deepEqual(lines, ['0 кВт·ч × 1,6100 ₽ = 0,00 ₽, по показанию 105']);
});

test('the social norm: the bands within and above it; an empty band is left out', () => {
  const bands = (within: number, above: number): ZoneDetails => ({
    zone: 'single',
    kwh: within + above,
    amountKop: within * 3 + above * 4,
    bands: [
      { band: 'base', kwh: within, priceE5: 300_000, amountKop: within * 3 },
      { band: 'above_norm', kwh: above, priceE5: 400_000, amountKop: above * 4 },
    ],
  });
  const reading = { date: '2026-05-20', values: [250] };
  const baseline = { date: '2026-04-20', values: [0] };
  assert.deepEqual(explain({}, { zones: [bands(185, 65)], reading, baseline }), [
    '185 кВт·ч × 3,0000 ₽ (в пределах социальной нормы) + 65 кВт·ч × 4,0000 ₽ (сверх социальной нормы) = 8,15 ₽, по показаниям 0 → 250',
  ]);
  assert.deepEqual(explain({}, { zones: [bands(185, 0)], reading, baseline }), [
    '185 кВт·ч × 3,0000 ₽ (в пределах социальной нормы) = 5,55 ₽, по показаниям 0 → 250',
  ]);
});

test('two zones by the norm: one line for the norm, no line for the empty zone; no coefficient of 1', () => {
  const lines = explain(
    { method: 'norm' },
    {
      reason: 'no_meter',
      zones: [zone('day', 240, 352_000, 84_480), zone('night', 0, 196_000, 0)],
      norm: { perResident: 120, residents: 2, coefficientE3: 1000 },
    },
  );
  assert.deepEqual(lines, [
    'День: 240 кВт·ч × 3,5200 ₽ = 844,80 ₽, по нормативу: 120 кВт·ч × 2 чел.',
    'Прибор учёта не установлен.',
  ]);
});

test('two zones by the average: the monthly figure is told once, on the first zone', () => {
  const lines = explain(
    { method: 'average' },
    {
      reason: 'meter_fault',
      zones: [zone('day', 150, 352_000, 52_800), zone('night', 60, 196_000, 11_760)],
      average: { from: { date: '2025-11-15' }, to: { date: '2026-02-15' }, monthlyKwh: [150, 60] },
    },
  );
  assert.deepEqual(lines, [
    'День: 150 кВт·ч × 3,5200 ₽ = 528,00 ₽, по среднему (п. 59 Правил № 354): 150 кВт·ч в месяц по показаниям 2025-11-15 → 2026-02-15',
    'Ночь: 60 кВт·ч × 1,9600 ₽ = 117,60 ₽, по среднему',
    'Прибор учёта не пригоден к расчётам (истёк срок поверки).',
  ]);
});

test('a charge by readings says nothing of missing readings; ОДН without its price; a bare recalculation', () => {
  const lines = explain(
    { method: 'readings', odnKwh: 26, odnKop: 4_186, recalcKop: -14_490 },
    {
      reason: 'no_reading',
      zones: [zone('single', 10, 161_000, 1_610)],
      reading: { date: '2026-05-20', values: [110] },
      baseline: { date: '2026-04-20', values: [100] },
    },
  );
  assert.deepEqual(lines, [
    '10 кВт·ч × 1,6100 ₽ = 16,10 ₽, по показаниям 100 → 110',
    'ОДН: 26 кВт·ч = 41,86 ₽',
    'Перерасчёт: −144,90 ₽',
  ]);
  // With the recalculations listed, their total is not told again; no ОДН, no line.
  const listed = explain({ recalcKop: -14_490 }, { zones: [], recalculations: [] });
  assert.equal(
    listed.some((l) => l.startsWith('Перерасчёт') || l.startsWith('ОДН')),
    false,
  );
});

test('charges without stored inputs: the method in words, or as it is stored', () => {
  assert.deepEqual(explain({ method: 'average', kwh: 183, amountKop: 29_463 }, null), [
    '183 кВт·ч × 1,6100 ₽ = 294,63 ₽, по среднему',
  ]);
  assert.deepEqual(explain({ method: 'readings', kwh: 10, amountKop: 1_610 }, { zones: [] }), [
    '10 кВт·ч × 1,6100 ₽ = 16,10 ₽, по показаниям',
  ]);
  assert.deepEqual(explain({ method: 'average', kwh: 10, amountKop: 1_610, readingValue: 500 }, null), [
    '10 кВт·ч × 1,6100 ₽ = 16,10 ₽, по среднему',
  ]);
  assert.deepEqual(explain({ method: 'manual', kwh: 10, amountKop: 1_610 }, null), [
    '10 кВт·ч × 1,6100 ₽ = 16,10 ₽, manual',
  ]);
  assert.deepEqual(explain({ method: 'norm', kwh: 0, amountKop: 0, odnKop: 100 }, null), [
    '0 кВт·ч × 1,6100 ₽ = 0,00 ₽, по нормативу',
    'ОДН: 0 кВт·ч = 1,00 ₽',
  ]);
});

test('stored details are read back, and nothing comes of none or of broken JSON', () => {
  assert.equal(parseChargeDetails(null), null);
  assert.equal(parseChargeDetails(''), null);
  assert.equal(parseChargeDetails('{"reason": "no_meter"'), null);
  assert.deepEqual(parseChargeDetails('{"reason":"no_meter","settledKwh":[1]}'), {
    reason: 'no_meter',
    settledKwh: [1],
  });
});
