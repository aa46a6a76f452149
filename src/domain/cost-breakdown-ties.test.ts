import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { SHARE_SCALE, splitByLargestRemainder } from './cost-breakdown.ts';

/** The largest-remainder split against a second, naive implementation; and what it refuses, in words. */

/** The rule as the bill's manual states it, one kopeck at a time: slow, and plainly right. */
function naiveSplit(total: number, weights: number[]): number[] {
  const sum = weights.reduce((a, w) => a + w, 0);
  const abs = Math.abs(total);
  const parts = weights.map((w) => Math.floor((abs * w) / sum));
  const rems = weights.map((w) => (abs * w) % sum);
  let left = abs - parts.reduce((a, p) => a + p, 0);
  const given = new Set<number>();
  while (left > 0) {
    let best = -1;
    for (let i = 0; i < weights.length; i++) {
      if (!given.has(i) && (best === -1 || rems[i]! > rems[best]!)) {
        best = i;
      }
    }
    given.add(best);
    parts[best]! += 1;
    left--;
  }
  return parts.map((p) => (total < 0 && p !== 0 ? -p : p));
}

test('property: the same parts as the rule applied by hand, ties (many equal weights) included', () => {
  fc.assert(
    fc.property(
      fc.integer({ min: -1_000_000, max: 1_000_000 }),
      fc.array(fc.constantFrom(0, 1, 2, 3, 7, 1000), { minLength: 1, maxLength: 120 }),
      (total, weights) => {
        fc.pre(weights.some((w) => w > 0));
        assert.deepEqual(splitByLargestRemainder(total, weights), naiveSplit(total, weights));
      },
    ),
  );
});

test('leftover kopecks go to the earlier of equal remainders, however many parts', () => {
  const parts = splitByLargestRemainder(50, Array<number>(80).fill(1));
  assert.deepEqual(parts, [...Array<number>(50).fill(1), ...Array<number>(30).fill(0)]);
  // 5 × 1/9 leaves 5/9 each, 5 × 2/9 leaves 1/9: the two kopecks left go to the first two ones.
  assert.deepEqual(splitByLargestRemainder(5, [1, 2, 1, 2, 1, 2]), [1, 1, 1, 1, 0, 1]);
});

test('refusals name what is wrong', () => {
  assert.throws(() => splitByLargestRemainder(100, [SHARE_SCALE + 1]), {
    name: 'RangeError',
    message: `weights must be integers from 0 to 1000000: ${SHARE_SCALE + 1}`,
  });
  assert.throws(() => splitByLargestRemainder(100, [1, -1]), {
    message: 'weights must be integers from 0 to 1000000: 1, -1',
  });
  assert.deepEqual(splitByLargestRemainder(100, [SHARE_SCALE, 0]), [100, 0]);
  assert.throws(() => splitByLargestRemainder(100, [0, 0]), {
    message: 'at least one weight must be positive',
  });
  assert.throws(() => splitByLargestRemainder(0.5, [1]), { message: 'not a sum of kopecks: 0.5' });
});
