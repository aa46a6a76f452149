import { test } from 'node:test';
import assert from 'node:assert/strict';
import { formatDecimalRu, formatFixed, formatTariff } from './format.ts';

/** Decimals: only trailing zeros are dropped, zeros inside stay; what is refused says why. */

test('a coefficient drops its trailing zeros only: 1,05 and 1,5, never 1,5 for 1,05', () => {
  assert.equal(formatDecimalRu(1050, 3), '1,05');
  assert.equal(formatDecimalRu(1005, 3), '1,005');
  assert.equal(formatDecimalRu(10_500, 3), '10,5');
  assert.equal(formatDecimalRu(100_000, 3), '100');
  assert.equal(formatDecimalRu(5, 3), '0,005');
});

test('fewer digits than the scale are padded with zeros after the comma', () => {
  assert.equal(formatFixed(5, 2), '0,05');
  assert.equal(formatFixed(-5, 2), '−0,05');
  assert.equal(formatFixed(50, 2), '0,50');
  assert.equal(formatFixed(500, 2), '5,00');
  assert.equal(formatTariff(7), '0,00007');
});

test('an amount that is not a whole number of units is named in the error', () => {
  assert.throws(() => formatFixed(1.5, 2), { name: 'RangeError', message: 'not an integer amount: 1.5' });
});
