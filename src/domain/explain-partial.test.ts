import { test } from 'node:test';
import assert from 'node:assert/strict';
import { explainCharge, type ChargeDetails, type ExplainInput } from './explain.ts';

/**
 * "Как рассчитано" from details that lack a part (stored by an older closing, or by hand): each
 * zone's amount is still told, the part that is missing is left out, and nothing fails.
 */

type ZoneDetails = NonNullable<ChargeDetails['zones']>[number];
const zone = (z: ZoneDetails['zone'], kwh: number, priceE5: number, amountKop: number): ZoneDetails => ({
  zone: z,
  kwh,
  amountKop,
  bands: [{ band: 'base', kwh, priceE5, amountKop }],
});

function explain(method: string, details: ChargeDetails): string[] {
  const input: ExplainInput = {
    method,
    kwh: 0,
    amountKop: 0,
    tariffE5: 161_000,
    readingValue: null,
    odnKwh: 0,
    odnKop: 0,
    recalcKop: 0,
    details,
  };
  return explainCharge(input).map((s) => s.replace(/\u00a0/g, ' '));
}

const twoZones = [zone('day', 20, 352_000, 7_040), zone('night', 10, 196_000, 1_960)];

test('by readings without the reading stored: the amounts alone, and no word of missing readings', () => {
  assert.deepEqual(explain('readings', { reason: null, zones: [zone('single', 20, 161_000, 3_220)] }), [
    '20 кВт·ч × 1,6100 ₽ = 32,20 ₽',
  ]);
});

test('by the average or the norm without their figures stored: the amounts alone', () => {
  assert.deepEqual(explain('average', { reason: 'no_reading', zones: twoZones, average: null }), [
    'День: 20 кВт·ч × 3,5200 ₽ = 70,40 ₽',
    'Ночь: 10 кВт·ч × 1,9600 ₽ = 19,60 ₽',
    'Показания за месяц не переданы.',
  ]);
  assert.deepEqual(explain('norm', { reason: 'no_meter', zones: twoZones, norm: null }), [
    'День: 20 кВт·ч × 3,5200 ₽ = 70,40 ₽',
    'Ночь: 10 кВт·ч × 1,9600 ₽ = 19,60 ₽',
    'Прибор учёта не установлен.',
  ]);
});

test('the norm’s formula is told once, on the first zone, even when it is 0 kWh or another zone has kWh', () => {
  const norm = { perResident: 0, residents: 1, coefficientE3: 1000 };
  assert.deepEqual(explain('norm', { zones: [zone('single', 0, 161_000, 0)], norm }), [
    '0 кВт·ч × 1,6100 ₽ = 0,00 ₽, по нормативу: 0 кВт·ч × 1 чел.',
  ]);
  assert.deepEqual(
    explain('norm', { zones: twoZones, norm: { perResident: 30, residents: 1, coefficientE3: 1000 } }),
    [
      'День: 20 кВт·ч × 3,5200 ₽ = 70,40 ₽, по нормативу: 30 кВт·ч × 1 чел.',
      'Ночь: 10 кВт·ч × 1,9600 ₽ = 19,60 ₽',
    ],
  );
});
