import { test } from 'node:test';
import assert from 'node:assert/strict';
import { explainCharge } from './explain.ts';

const nb = (s: string) => s.replace(/\u00a0/g, ' ');

test('the seed sample, by readings, with ОДН', () => {
  const lines = explainCharge({
    method: 'readings',
    kwh: 342,
    amountKop: 38_543,
    tariffE5: 112_700,
    readingValue: 29_842,
    odnKwh: 0,
    odnKop: 0,
    recalcKop: 0,
    details: {
      zones: [
        {
          zone: 'single',
          kwh: 342,
          amountKop: 38_543,
          bands: [{ band: 'base', kwh: 342, priceE5: 112_700, amountKop: 38_543 }],
        },
      ],
      reading: { date: '2026-05-15', values: [29_842] },
      baseline: { date: '2026-04-15', values: [29_500] },
      meter: { serial: '1', digits: 5, ratio: 1 },
    },
  }).map(nb);
  assert.deepEqual(lines, ['342 кВт·ч × 1,1270 ₽ = 385,43 ₽, по показаниям 29 500 → 29 842']);
});

test('average, norm with coefficient, ОДН and a recalculation', () => {
  const avg = explainCharge({
    method: 'average',
    kwh: 183,
    amountKop: 29_463,
    tariffE5: 161_000,
    readingValue: null,
    odnKwh: 26,
    odnKop: 4_186,
    recalcKop: -14_490,
    details: {
      reason: 'no_reading',
      zones: [
        {
          zone: 'single',
          kwh: 183,
          amountKop: 29_463,
          bands: [{ band: 'base', kwh: 183, priceE5: 161_000, amountKop: 29_463 }],
        },
      ],
      average: { from: { date: '2025-11-15' }, to: { date: '2026-04-15' }, monthlyKwh: [183] },
      odnPriceE5: 161_000,
      recalculations: [{ period: '2026-04', amountKop: -14_490, reason: 'показание принято после закрытия' }],
    },
  }).map(nb);
  assert.deepEqual(avg, [
    '183 кВт·ч × 1,6100 ₽ = 294,63 ₽, по среднему (п. 59 Правил № 354): 183 кВт·ч в месяц по показаниям 2025-11-15 → 2026-04-15',
    'Показания за месяц не переданы.',
    'ОДН: 26 кВт·ч × 1,6100 ₽ = 41,86 ₽',
    'Перерасчёт за 2026-04: −144,90 ₽ (показание принято после закрытия)',
  ]);
  const norm = explainCharge({
    method: 'norm',
    kwh: 540,
    amountKop: 86_940,
    tariffE5: 161_000,
    readingValue: null,
    odnKwh: 0,
    odnKop: 0,
    recalcKop: 0,
    details: {
      reason: 'meter_fault',
      zones: [
        {
          zone: 'single',
          kwh: 540,
          amountKop: 86_940,
          bands: [{ band: 'base', kwh: 540, priceE5: 161_000, amountKop: 86_940 }],
        },
      ],
      norm: { perResident: 120, residents: 3, coefficientE3: 1500 },
    },
  }).map(nb);
  assert.deepEqual(norm, [
    '540 кВт·ч × 1,6100 ₽ = 869,40 ₽, по нормативу: 120 кВт·ч × 3 чел. × 1,5',
    'Прибор учёта не пригоден к расчётам (истёк срок поверки).',
  ]);
});

test('charges without stored inputs are explained from the row', () => {
  assert.deepEqual(
    explainCharge({
      method: 'readings',
      kwh: 309,
      amountKop: 49_749,
      tariffE5: 161_000,
      readingValue: 27_439,
      odnKwh: 0,
      odnKop: 0,
      recalcKop: 0,
      details: null,
    }).map(nb),
    ['309 кВт·ч × 1,6100 ₽ = 497,49 ₽, по показаниям (27 439)'],
  );
});
