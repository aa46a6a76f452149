import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseAmount, type NumberFormat } from './registry.parse.ts';

// Amounts in a registry profile's number format: its separator before kopecks, its thousands.

const COMMA: NumberFormat = { decimalSeparator: ',', thousandsSeparator: 'none' };
const POINT: NumberFormat = { decimalSeparator: '.', thousandsSeparator: 'none' };
const SPACED: NumberFormat = { decimalSeparator: ',', thousandsSeparator: 'space' };

test('an amount in the profile’s format is read to kopecks', () => {
  assert.equal(parseAmount('1500,00', true, COMMA), 150_000);
  assert.equal(parseAmount('1500,5', true, COMMA), 150_050);
  assert.equal(parseAmount('1500', true, COMMA), 150_000);
  assert.equal(parseAmount('1500.00', true, POINT), 150_000);
  assert.equal(parseAmount('1 500,00', true, SPACED), 150_000);
  assert.equal(parseAmount('1\u00a0234\u00a0567,89', true, SPACED), 123_456_789);
  assert.equal(parseAmount('0,00', false, COMMA), 0);
});

test('an amount in the other format is refused, never read as another sum', () => {
  assert.match(
    String(parseAmount('1,500', true, POINT)),
    /^«1,500»: в этом реестре рубли от копеек отделяет точка \(1500\.00\), а в сумме стоит «,»/,
  );
  assert.match(String(parseAmount('1,50', true, POINT)), /отделяет точка/);
  assert.match(
    String(parseAmount('1500.00', true, COMMA)),
    /^«1500\.00»: в этом реестре рубли от копеек отделяет запятая \(1500,00\), а в сумме стоит «\.»/,
  );
  assert.match(
    String(parseAmount('1 500,00', true, COMMA)),
    /^«1 500,00»: в этом реестре суммы пишутся без пробелов \(1500,00\)\./,
  );
  assert.match(String(parseAmount('15 00,00', true, SPACED)), /пробелы разделяют разряды по три цифры/);
  assert.match(String(parseAmount('1 5000,00', true, SPACED)), /пробелы разделяют разряды по три цифры/);
  assert.match(String(parseAmount('100,005', true, COMMA)), /больше двух знаков после запятой/);
  assert.match(String(parseAmount('-100,00', true, COMMA)), /не может быть отрицательной/);
  assert.equal(parseAmount('', true, COMMA), 'Нет суммы.');
});
