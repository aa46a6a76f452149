import { test } from 'node:test';
import assert from 'node:assert/strict';
import { consumption } from './consumption.ts';
import { balanceAtLastReading } from './balance.ts';
import { demoCharges } from '../tools/demo/seed-demo.ts';

test('consumption, plain and on rollover (the seed example)', () => {
  assert.deepEqual(consumption(29700, 29842, 5), { kwh: 142, rollover: false, suspicious: false });
  assert.deepEqual(consumption(29700, 28000, 5), { kwh: 98300, rollover: true, suspicious: true });
  assert.equal(consumption(9990, 15, 4).kwh, 25);
  assert.equal(consumption(100, 120, 6, 40).kwh, 800);
  assert.equal(consumption(0, 50_000, 6).suspicious, false);
  assert.equal(consumption(0, 50_001, 6).suspicious, true);
});

test('the demo balance: the May debt less nothing paid plus 220 kWh at 1.61', () => {
  assert.equal(
    balanceAtLastReading({
      closedDebtKop: -109285,
      paymentsSinceKop: 0,
      unbilled: [{ previous: 28250, current: 28470, priceE5: 161000 }],
      digits: 5,
      ratio: 1,
    }),
    -73865,
  );
});

test('the demo charges reproduce the seed charge history', () => {
  const byPeriod = new Map(demoCharges().map((c) => [c.period, c]));
  const expected: Array<[string, number, number]> = [
    ['2014-02', 27130, -9605],
    ['2014-03', 27439, -9856],
    ['2014-04', 27440, -79695],
    ['2014-05', 28250, -109285],
  ];
  for (const [period, reading, debt] of expected) {
    assert.equal(byPeriod.get(period)?.readingValue, reading, period);
    assert.equal(byPeriod.get(period)?.debtKop, debt, period);
  }
});
