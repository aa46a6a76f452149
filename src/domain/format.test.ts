import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import {
  formatDecimalRu,
  formatFixed,
  formatInteger,
  formatIntegerRu,
  formatKwhRu,
  formatRubles,
  formatRublesRu,
  formatTariff,
  formatTariffRu,
  pluralRu,
} from './format.ts';

const NBSP = '\u00a0';

test("the seed's plain form: a point, no grouping, a hyphen-minus", () => {
  assert.equal(formatRubles(-73863), '-738.63');
  assert.equal(formatRubles(200000), '2000.00');
  assert.equal(formatRubles(-5), '-0.05');
  assert.equal(formatRubles(0), '0.00');
  assert.equal(formatRubles(109285), '1092.85');
  assert.equal(formatTariff(161000), '1.61000');
  assert.equal(formatTariff(112700), '1.12700');
  assert.equal(formatTariff(5), '0.00005');
  assert.equal(formatInteger(28470), '28470');
  assert.equal(formatInteger(-7), '-7');
  assert.equal(formatFixed(4420, 2), '44.20');
});

test("the plain form is ru-RU's ungrouped figure with a point instead of the comma", () => {
  const oracles = [0, 2, 5].map(
    (scale) =>
      [
        scale,
        new Intl.NumberFormat('ru-RU', {
          useGrouping: false,
          minimumFractionDigits: scale,
          maximumFractionDigits: scale,
        }),
      ] as const,
  );
  fc.assert(
    fc.property(fc.maxSafeInteger(), (units) => {
      for (const [scale, intl] of oracles) {
        // "12345e-2": an exact decimal, parsed by Intl itself rather than built like ours.
        const expected = intl.format(`${units}e-${scale}` as `${number}`).replace(',', '.');
        assert.equal(formatFixed(units, scale), expected);
      }
      assert.equal(formatRubles(units), formatFixed(units, 2));
      assert.equal(formatTariff(units), formatFixed(units, 5));
      assert.equal(formatInteger(units), String(units));
    }),
  );
});

test('the Russian form: no-break spaces between thousands and before ₽, a decimal comma', () => {
  assert.equal(formatRublesRu(123456789), `1${NBSP}234${NBSP}567,89${NBSP}₽`);
  assert.equal(formatRublesRu(130410), `1${NBSP}304,10${NBSP}₽`);
  assert.equal(formatRublesRu(-9605), `−96,05${NBSP}₽`);
  assert.equal(formatRublesRu(-5), `−0,05${NBSP}₽`);
  assert.equal(formatRublesRu(0), `0,00${NBSP}₽`);
  assert.equal(formatTariffRu(112700), `1,1270${NBSP}₽`);
  assert.equal(formatTariffRu(161000), `1,6100${NBSP}₽`);
  assert.equal(formatTariffRu(112705), `1,12705${NBSP}₽`);
  assert.equal(formatKwhRu(1304), `1${NBSP}304${NBSP}кВт·ч`);
  assert.equal(formatDecimalRu(1500, 3), '1,5');
  assert.equal(formatDecimalRu(1000, 3), '1');
});

test('whole numbers in sentences are grouped by three from the right', () => {
  assert.equal(formatIntegerRu(0), '0');
  assert.equal(formatIntegerRu(999), '999');
  assert.equal(formatIntegerRu(1000), `1${NBSP}000`);
  assert.equal(formatIntegerRu(29842), `29${NBSP}842`);
  assert.equal(formatIntegerRu(1234567), `1${NBSP}234${NBSP}567`);
  assert.equal(formatIntegerRu(-1234), `-1${NBSP}234`);
  fc.assert(
    fc.property(fc.maxSafeInteger(), (n) => {
      const s = formatIntegerRu(n);
      assert.equal(s.replaceAll(NBSP, ''), String(n));
      const groups = s.replace('-', '').split(NBSP);
      assert.ok(groups[0]!.length <= 3 && groups.slice(1).every((g) => g.length === 3), s);
    }),
  );
});

test('sums keep their kopecks exactly, however large', () => {
  fc.assert(
    fc.property(fc.maxSafeInteger(), (kop) => {
      const s = formatRublesRu(kop).replaceAll(NBSP, '').replace('−', '-').replace('₽', '');
      assert.equal(s.replace(',', '.'), formatRubles(kop));
    }),
  );
});

test('amounts that are not whole units are refused, not rounded', () => {
  for (const bad of [0.5, NaN, Infinity, 2 ** 53]) {
    assert.throws(() => formatRubles(bad), RangeError);
    assert.throws(() => formatRublesRu(bad), RangeError);
    assert.throws(() => formatIntegerRu(bad), RangeError);
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
