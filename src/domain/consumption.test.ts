import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { consumption } from './consumption.ts';

/** The register arithmetic under every charge: rollover at every digit count, and what it refuses. */

test('rollover at every digit count: from the last value to 0 is one step', () => {
  for (let digits = 1; digits <= 15; digits++) {
    const top = 10 ** digits - 1;
    assert.deepEqual(consumption(top, 0, digits), { kwh: 1, rollover: true, suspicious: true }, `${digits}`);
    assert.deepEqual(consumption(0, top, digits), { kwh: top, rollover: false, suspicious: top > 50_000 });
    assert.deepEqual(consumption(top, top, digits), { kwh: 0, rollover: false, suspicious: false });
  }
});

test('property: consumption is the forward distance on the dial, times the ratio', () => {
  fc.assert(
    fc.property(
      fc
        .integer({ min: 1, max: 12 })
        .chain((digits) =>
          fc.tuple(
            fc.constant(digits),
            fc.integer({ min: 0, max: 10 ** digits - 1 }),
            fc.integer({ min: 0, max: 10 ** digits - 1 }),
            fc.integer({ min: 1, max: 3000 }),
          ),
        ),
      ([digits, previous, current, ratio]) => {
        const c = consumption(previous, current, digits, ratio);
        const forward = (((current - previous) % 10 ** digits) + 10 ** digits) % 10 ** digits;
        assert.equal(c.kwh, forward * ratio);
        assert.equal(c.rollover, current < previous);
        assert.equal(c.suspicious, c.rollover || c.kwh > 50_000);
      },
    ),
  );
});

test('a 1-digit meter and a ratio of 1 are the smallest accepted', () => {
  assert.equal(consumption(3, 7, 1, 1).kwh, 4);
});

test('values, digits and ratio must be whole numbers; digits and ratio at least 1', () => {
  const refused: Array<[number, number, number, number]> = [
    [0.5, 1, 5, 1],
    [0, 1.5, 5, 1],
    [0, 1, 5.5, 1],
    [0, 1, 5, 1.5],
    [0, 2 ** 53, 5, 1],
    [0, Number.NaN, 5, 1],
    [0, 1, 0, 1],
    [0, 1, 5, 0],
    [0, 1, -1, 1],
  ];
  for (const [previous, current, digits, ratio] of refused) {
    assert.throws(
      () => consumption(previous, current, digits, ratio),
      { name: 'RangeError', message: 'consumption: integers expected' },
      `${previous}, ${current}, ${digits}, ${ratio}`,
    );
  }
});
