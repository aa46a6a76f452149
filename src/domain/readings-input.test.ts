import { test } from 'node:test';
import assert from 'node:assert/strict';
import { pluralRu } from './format.ts';
import { checkRegisters, parseReadingValue } from './readings.ts';

/** A typed reading: zeros, spaces, and the digit count in words; each register keeps its own values. */

const message = (input: string, digits: number) => {
  const r = parseReadingValue(input, digits);
  return r.ok ? `ok ${r.value}` : r.message;
};

test('only leading zeros are dropped, every one of them; zeros inside the value stay', () => {
  assert.equal(message('1002', 4), 'ok 1002');
  assert.equal(message('10020', 5), 'ok 10020');
  assert.equal(message('0012', 2), 'ok 12');
  assert.equal(message('0000', 2), 'ok 0');
  assert.equal(message('0\u00a01 2', 3), 'ok 12');
});

test('the meter’s digit count agrees with its number, as ru-RU’s plural rules have it', () => {
  const words = { one: 'разряд', few: 'разряда', many: 'разрядов' };
  assert.equal(message('12', 1), 'У Вашего счётчика 1 разряд, а введено 2.');
  assert.equal(message('123', 2), 'У Вашего счётчика 2 разряда, а введено 3.');
  for (let digits = 1; digits <= 125; digits++) {
    assert.equal(
      message('1'.repeat(digits + 1), digits),
      `У Вашего счётчика ${digits} ${pluralRu(digits, words)}, а введено ${digits + 1}.`,
    );
  }
});

test('each register reports the values it was computed from', () => {
  const { registers } = checkRegisters([100, 40], [150, 45], 5, 1);
  assert.deepEqual(
    registers.map((r) => [r.previous, r.current, r.kwh]),
    [
      [100, 150, 50],
      [40, 45, 5],
    ],
  );
  // A register without a previous value counts from 0.
  assert.deepEqual(
    checkRegisters([7], [10, 3], 5, 1).registers.map((r) => [r.previous, r.kwh]),
    [
      [7, 3],
      [0, 3],
    ],
  );
});
