import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import {
  formatDecimalRu,
  formatFixed,
  formatInteger,
  formatKwhRu,
  formatRubles,
  formatRublesRu,
  formatTariff,
  formatTariffRu,
  pluralRu,
} from './format.ts';

const NBSP = '\u00a0';

test('the Russian form: thousands grouped with a no-break space, a decimal comma, a true minus', () => {
  assert.equal(formatRubles(-73863), '−738,63');
  assert.equal(formatRubles(200000), `2${NBSP}000,00`);
  assert.equal(formatRubles(-5), '−0,05');
  assert.equal(formatRubles(0), '0,00');
  assert.equal(formatRubles(-109285), `−1${NBSP}092,85`);
  assert.equal(formatRubles(123456789), `1${NBSP}234${NBSP}567,89`);
  assert.equal(formatTariff(161000), '1,61000');
  assert.equal(formatTariff(5), '0,00005');
  assert.equal(formatInteger(0), '0');
  assert.equal(formatInteger(999), '999');
  assert.equal(formatInteger(1000), `1${NBSP}000`);
  assert.equal(formatInteger(28470), `28${NBSP}470`);
  assert.equal(formatInteger(-7), '−7');
  assert.equal(formatFixed(4420, 2), '44,20');
  assert.equal(formatRublesRu(130410), `1${NBSP}304,10${NBSP}₽`);
  assert.equal(formatRublesRu(-9605), `−96,05${NBSP}₽`);
  assert.equal(formatTariffRu(112700), `1,1270${NBSP}₽`);
  assert.equal(formatTariffRu(161000), `1,6100${NBSP}₽`);
  assert.equal(formatTariffRu(112705), `1,12705${NBSP}₽`);
  assert.equal(formatKwhRu(1304), `1${NBSP}304${NBSP}кВт·ч`);
  assert.equal(formatDecimalRu(1500, 3), '1,5');
  assert.equal(formatDecimalRu(1000, 3), '1');
  assert.equal(formatDecimalRu(1000, 0), `1${NBSP}000`);
  assert.equal(formatDecimalRu(-125, 2), '−1,25');
});

test("every figure is exactly ru-RU's Intl form, with a true minus", () => {
  const oracles = [0, 2, 3, 5].map(
    (scale) =>
      [
        scale,
        new Intl.NumberFormat('ru-RU', { minimumFractionDigits: scale, maximumFractionDigits: scale }),
      ] as const,
  );
  const rubles = new Intl.NumberFormat('ru-RU', { style: 'currency', currency: 'RUB' });
  const minus = (x: string) => x.replace('-', '−');
  fc.assert(
    fc.property(fc.maxSafeInteger(), (units) => {
      for (const [scale, intl] of oracles) {
        // "12345e-2": an exact decimal, parsed by Intl itself rather than built like ours.
        assert.equal(formatFixed(units, scale), minus(intl.format(`${units}e-${scale}` as `${number}`)));
      }
      assert.equal(formatRubles(units), formatFixed(units, 2));
      assert.equal(formatTariff(units), formatFixed(units, 5));
      assert.equal(formatInteger(units), formatFixed(units, 0));
      assert.equal(formatRublesRu(units), minus(rubles.format(`${units}e-2` as `${number}`)));
    }),
  );
});

test('sums keep their kopecks exactly, however large', () => {
  fc.assert(
    fc.property(fc.maxSafeInteger(), (kop) => {
      const s = formatRublesRu(kop).replaceAll(NBSP, '').replace('−', '-').replace('₽', '');
      assert.equal(BigInt(s.replace(',', '')), BigInt(kop));
    }),
  );
});

test('amounts that are not whole units are refused, not rounded', () => {
  for (const bad of [0.5, NaN, Infinity, 2 ** 53]) {
    assert.throws(() => formatRubles(bad), RangeError);
    assert.throws(() => formatRublesRu(bad), RangeError);
    assert.throws(() => formatInteger(bad), RangeError);
  }
});

test('words agree with their count: 1, 2–4 and 5–20 and on, 11–14 apart', () => {
  const forms = { one: 'попытка', few: 'попытки', many: 'попыток' };
  const expected: Array<[number, string]> = [
    [0, 'попыток'],
    [1, 'попытка'],
    [2, 'попытки'],
    [4, 'попытки'],
    [5, 'попыток'],
    [11, 'попыток'],
    [12, 'попыток'],
    [14, 'попыток'],
    [21, 'попытка'],
    [22, 'попытки'],
    [25, 'попыток'],
    [101, 'попытка'],
    [111, 'попыток'],
    [1004, 'попытки'],
  ];
  for (const [n, word] of expected) {
    assert.equal(pluralRu(n, forms), word, String(n));
  }
});
