import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { MAX_KOPECKS } from './money.ts';
import { costBreakdown, SHARE_SCALE, splitByLargestRemainder } from './cost-breakdown.ts';

/** The demo's shares (reference-data.ts): the manual's 314,90 / 490,48 / 140,11 / 2,70 of 948,19. */
const MANUAL_SHARES = [332_106, 517_280, 147_766, 2_848];

test("the manual's split of 948,19 comes back from its shares in millionths", () => {
  assert.equal(
    MANUAL_SHARES.reduce((a, b) => a + b, 0),
    SHARE_SCALE,
  );
  assert.deepEqual(splitByLargestRemainder(94819, MANUAL_SHARES), [31490, 49048, 14011, 270]);
});

test('the leftover kopecks go to the largest remainders, the earlier part on a tie', () => {
  // 100 into thirds: 33.33 each, one kopeck left, the first part takes it.
  assert.deepEqual(splitByLargestRemainder(100, [1, 1, 1]), [34, 33, 33]);
  // 200 into thirds: two left, the first two take them.
  assert.deepEqual(splitByLargestRemainder(200, [1, 1, 1]), [67, 67, 66]);
  // 10 by 15 % / 25 % / 60 %: exact 1.5 / 2.5 / 6 — floors 1 / 2 / 6, one left; a tie of .5, the first.
  assert.deepEqual(splitByLargestRemainder(10, [15, 25, 60]), [2, 2, 6]);
  // 7 by 1 / 6: exact 1.1667 / 5.8333 — the second's remainder is larger.
  assert.deepEqual(splitByLargestRemainder(7, [1, 6]), [1, 6]);
  assert.deepEqual(splitByLargestRemainder(5, [1, 6]), [1, 4]);
});

test('a negative total is split as its absolute value, every part negated, no −0', () => {
  assert.deepEqual(splitByLargestRemainder(-100, [1, 1, 1]), [-34, -33, -33]);
  const zeros = splitByLargestRemainder(-3, [0, 1]);
  assert.deepEqual(zeros, [0, -3]);
  assert.ok(Object.is(zeros[0], 0));
  assert.deepEqual(splitByLargestRemainder(0, [1, 2]), [0, 0]);
});

test('weights that cannot make shares are refused', () => {
  assert.throws(() => splitByLargestRemainder(100, []), RangeError);
  assert.throws(() => splitByLargestRemainder(100, [0, 0]), RangeError);
  assert.throws(() => splitByLargestRemainder(100, [-1, 2]), RangeError);
  assert.throws(() => splitByLargestRemainder(100, [0.5, 2]), RangeError);
  assert.throws(() => splitByLargestRemainder(1.5, [1]), RangeError);
  assert.throws(() => splitByLargestRemainder(MAX_KOPECKS + 1, [1]), RangeError);
});

test('property: the parts sum to the total, each within one kopeck of its exact share', () => {
  fc.assert(
    fc.property(
      fc.integer({ min: -MAX_KOPECKS, max: MAX_KOPECKS }),
      fc.array(fc.integer({ min: 0, max: SHARE_SCALE }), { minLength: 1, maxLength: 8 }),
      (total, raw) => {
        const weights = raw.some((w) => w > 0) ? raw : [...raw.slice(1), 1];
        const parts = splitByLargestRemainder(total, weights);
        assert.equal(parts.length, weights.length);
        assert.equal(
          parts.reduce((a, p) => a + p, 0),
          total,
        );
        const sum = BigInt(weights.reduce((a, w) => a + w, 0));
        parts.forEach((p, i) => {
          assert.ok(Number.isSafeInteger(p));
          // |p − total × w / sum| < 1, compared exactly: |p × sum − total × w| < sum.
          const diff = BigInt(p) * sum - BigInt(total) * BigInt(weights[i]!);
          assert.ok((diff < 0n ? -diff : diff) < sum, `part ${i} = ${p} of ${total} by ${weights.join('/')}`);
          assert.ok(total >= 0 ? p >= 0 : p <= 0, 'a part has the sign of the total');
        });
      },
    ),
    { numRuns: 2000 },
  );
});

test('costBreakdown: the configured components in the bill order, the missing ones left out', () => {
  const shares = new Map([
    ['other', 2_848],
    ['sales', 147_766],
    ['purchase', 332_106],
    ['transmission', 517_280],
  ] as const);
  assert.deepEqual(costBreakdown(94819, shares), [
    { component: 'purchase', amountKop: 31490 },
    { component: 'transmission', amountKop: 49048 },
    { component: 'sales', amountKop: 14011 },
    { component: 'other', amountKop: 270 },
  ]);
  assert.deepEqual(
    costBreakdown(
      1000,
      new Map([
        ['transmission', 600_000],
        ['purchase', 400_000],
      ] as const),
    ),
    [
      { component: 'purchase', amountKop: 400 },
      { component: 'transmission', amountKop: 600 },
    ],
  );
});
