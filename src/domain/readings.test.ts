import { test } from 'node:test';
import assert from 'node:assert/strict';
import { consumption, SUSPICIOUS_KWH } from './consumption.ts';
import { billingPeriodFor, checkRegisters, parseReadingValue } from './readings.ts';

test('rollover on 4-, 5-, 6- and 8-digit meters', () => {
  assert.deepEqual(consumption(9_950, 30, 4), { kwh: 80, rollover: true, suspicious: true });
  assert.equal(consumption(99_990, 10, 5).kwh, 20);
  assert.equal(consumption(29_700, 28_000, 5).kwh, 98_300); // the seed's example
  assert.equal(consumption(999_999, 0, 6).kwh, 1);
  assert.equal(consumption(99_999_000, 500, 8).kwh, 1_500);
  assert.equal(consumption(5, 5, 8).rollover, false);
});

test('transformer ratios 1, 40 and 3000 multiply the register difference', () => {
  assert.equal(consumption(1_000, 1_100, 5, 1).kwh, 100);
  assert.equal(consumption(1_000, 1_100, 5, 40).kwh, 4_000);
  assert.equal(consumption(1_000, 1_100, 5, 3000).kwh, 300_000);
  assert.equal(consumption(99_990, 10, 5, 40).kwh, 800); // rollover times the ratio
});

test('the 50 000 kWh boundary: 50 000 is fine, 50 001 is suspicious (also through a ratio)', () => {
  assert.equal(SUSPICIOUS_KWH, 50_000);
  assert.equal(consumption(0, 50_000, 6).suspicious, false);
  assert.equal(consumption(0, 50_001, 6).suspicious, true);
  assert.equal(consumption(0, 1_250, 6, 40).suspicious, false); // exactly 50 000
  assert.equal(consumption(0, 1_251, 6, 40).suspicious, true);
  assert.equal(consumption(0, 17, 6, 3000).suspicious, true); // 51 000
});

test('zone meters: each register on its own; a rollover in any zone asks for confirmation', () => {
  const two = checkRegisters([12_000, 4_000], [12_150, 4_060], 5, 1);
  assert.deepEqual(
    two.registers.map((r) => r.kwh),
    [150, 60],
  );
  assert.equal(two.reason, null);
  const three = checkRegisters([500, 300, 99_990], [600, 350, 5], 5, 1);
  assert.deepEqual(
    three.registers.map((r) => r.kwh),
    [100, 50, 15],
  );
  assert.equal(three.reason, 'rollover');
  assert.equal(checkRegisters([0, 0], [10, 60_000], 6, 1).reason, 'over_limit');
});

test('typed values: digits only, no more digits than the meter has', () => {
  assert.deepEqual(parseReadingValue(' 28 470 ', 5), { ok: true, value: 28_470 });
  assert.deepEqual(parseReadingValue('00042', 5), { ok: true, value: 42 });
  assert.deepEqual(parseReadingValue('000042', 5), { ok: true, value: 42 }); // leading zeros are not digits of the value
  const cases: Array<[string, RegExp]> = [
    ['', /Введите текущее показание/],
    ['28470,5', /только цифрами/],
    ['-5', /только цифрами/],
    ['2e4', /только цифрами/],
    ['123456', /У Вашего счётчика 5 разрядов, а введено 6/],
  ];
  for (const [input, message] of cases) {
    const r = parseReadingValue(input, 5);
    assert.equal(r.ok, false, input);
    if (!r.ok) {
      assert.match(r.message, message);
    }
  }
  const four = parseReadingValue('12345', 4);
  assert.ok(!four.ok && /4 разряда/.test(four.message));
});

test('the readings window: up to the 25th for this month, later for the next', () => {
  assert.equal(billingPeriodFor('2026-06-25'), '2026-06');
  assert.equal(billingPeriodFor('2026-06-26'), '2026-07');
  assert.equal(billingPeriodFor('2026-12-31'), '2027-01');
  assert.equal(billingPeriodFor('2026-06-20', 20), '2026-06');
  assert.equal(billingPeriodFor('2026-06-21', 20), '2026-07');
});
