import { test } from 'node:test';
import assert from 'node:assert/strict';
import { explainCharge, type ChargeDetails } from './explain.ts';

/**
 * "Как рассчитано" tells the formula of the charge's own method, even when its stored details
 * also hold another method's figures (a closing stores the last reading it saw, the average it
 * would have used, the norm that applies): a charge by the average never reads "по показаниям".
 */

const single = [
  {
    zone: 'single' as const,
    kwh: 100,
    amountKop: 16_100,
    bands: [{ band: 'base' as const, kwh: 100, priceE5: 161_000, amountKop: 16_100 }],
  },
];

const everything: ChargeDetails = {
  reason: null,
  zones: single,
  reading: { date: '2026-05-20', values: [28_470] },
  baseline: { date: '2026-04-20', values: [28_370] },
  average: { from: { date: '2025-11-20' }, to: { date: '2026-04-20' }, monthlyKwh: [100] },
  norm: { perResident: 50, residents: 2, coefficientE3: 1000 },
};

function explain(method: string, details: ChargeDetails): string[] {
  return explainCharge({
    method,
    kwh: 100,
    amountKop: 16_100,
    tariffE5: 161_000,
    readingValue: null,
    odnKwh: 0,
    odnKop: 0,
    recalcKop: 0,
    details,
  }).map((s) => s.replace(/\u00a0/g, ' '));
}

test('each method tells its own formula when the details hold all three', () => {
  assert.deepEqual(explain('readings', everything), [
    '100 кВт·ч × 1,6100 ₽ = 161,00 ₽, по показаниям 28 370 → 28 470',
  ]);
  assert.deepEqual(explain('average', everything), [
    '100 кВт·ч × 1,6100 ₽ = 161,00 ₽, по среднему (п. 59 Правил № 354): 100 кВт·ч в месяц по показаниям 2025-11-20 → 2026-04-20',
  ]);
  assert.deepEqual(explain('norm', everything), [
    '100 кВт·ч × 1,6100 ₽ = 161,00 ₽, по нормативу: 50 кВт·ч × 2 чел.',
  ]);
});

test("a figure missing for the own method leaves the formula out, not another method's in", () => {
  assert.deepEqual(explain('average', { ...everything, average: null }), ['100 кВт·ч × 1,6100 ₽ = 161,00 ₽']);
  assert.deepEqual(explain('readings', { ...everything, reading: null }), [
    '100 кВт·ч × 1,6100 ₽ = 161,00 ₽',
  ]);
});

test('a second zone by the average says only "по среднему", never another method', () => {
  const twoZones = [
    {
      zone: 'day' as const,
      kwh: 70,
      amountKop: 24_640,
      bands: [{ band: 'base' as const, kwh: 70, priceE5: 352_000, amountKop: 24_640 }],
    },
    {
      zone: 'night' as const,
      kwh: 30,
      amountKop: 5_880,
      bands: [{ band: 'base' as const, kwh: 30, priceE5: 196_000, amountKop: 5_880 }],
    },
  ];
  const lines = explain('average', {
    ...everything,
    zones: twoZones,
    reading: { date: '2026-05-20', values: [1_000, 500] },
  });
  assert.equal(lines[1], 'Ночь: 30 кВт·ч × 1,9600 ₽ = 58,80 ₽, по среднему');
  const byNorm = explain('norm', { ...everything, zones: twoZones });
  assert.equal(byNorm[1], 'Ночь: 30 кВт·ч × 1,9600 ₽ = 58,80 ₽');
});
