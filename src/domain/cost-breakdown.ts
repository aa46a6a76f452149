import { MAX_KOPECKS, type Kopecks } from './money.ts';

/**
 * The cost breakdown printed under a bill's totals, as the 2014 manual's bill has it: «В том
 * числе (с учетом НДС): Стоимость покупной эл.энергии …; Стоимость по передаче …; Тариф на сбыт
 * …; Плата за иные услуги …». The supplier configures each component's share of its tariff in
 * millionths (tariff_components); the charged sum is split by them into whole kopecks.
 */

/** The components in the order the bill prints them. */
export const TARIFF_COMPONENTS = ['purchase', 'transmission', 'sales', 'other'] as const;
export type TariffComponent = (typeof TARIFF_COMPONENTS)[number];

/** A share of one million: 332_106 is 33.2106 %. */
export const SHARE_SCALE = 1_000_000;

/**
 * Splits `totalKop` into parts proportional to `weights` (non-negative integers, not all zero)
 * by the largest-remainder rule: each part first gets the floor of its exact share, then the
 * kopecks left over go one each to the parts with the largest remainders (the earlier part on
 * a tie). The parts sum exactly to the total and each is within one kopeck of its exact share.
 * A negative total is split as its absolute value and every part negated.
 */
export function splitByLargestRemainder(totalKop: Kopecks, weights: readonly number[]): Kopecks[] {
  if (!Number.isSafeInteger(totalKop) || Math.abs(totalKop) > MAX_KOPECKS) {
    throw new RangeError(`not a sum of kopecks: ${totalKop}`);
  }
  if (weights.some((w) => !Number.isSafeInteger(w) || w < 0 || w > SHARE_SCALE)) {
    throw new RangeError(`weights must be integers from 0 to ${SHARE_SCALE}: ${weights.join(', ')}`);
  }
  const sum = weights.reduce((a, w) => a + w, 0);
  if (sum === 0) {
    throw new RangeError('at least one weight must be positive');
  }
  const total = BigInt(Math.abs(totalKop));
  const whole = BigInt(sum);
  // Exact integer arithmetic: total × weight fits easily in a BigInt, never in a float's mantissa.
  const exact = weights.map((w) => total * BigInt(w));
  const parts = exact.map((e) => e / whole);
  const left = Number(total - parts.reduce((a, p) => a + p, 0n));
  // A remainder is below the sum of the weights, a safe integer. The sort is stable, so on a tie
  // the earlier part stays first.
  const byRemainder = exact.map((e, i) => ({ i, rem: Number(e % whole) })).sort((a, b) => b.rem - a.rem);
  for (let k = 0; k < left; k++) {
    const { i } = byRemainder[k]!;
    parts[i] = parts[i]! + 1n;
  }
  // Stryker disable next-line EqualityOperator: a total of 0 has parts of 0, and those are 0 whatever the sign
  const sign = totalKop < 0 ? -1 : 1;
  // (No −0 for an empty part of a negative total.)
  return parts.map((p) => (p === 0n ? 0 : sign * Number(p)));
}

/** Splits a charged sum by the configured shares of the components, in TARIFF_COMPONENTS order. */
export function costBreakdown(
  totalKop: Kopecks,
  shares: ReadonlyMap<TariffComponent, number>,
): Array<{ component: TariffComponent; amountKop: Kopecks }> {
  const components = TARIFF_COMPONENTS.filter((c) => shares.has(c));
  const parts = splitByLargestRemainder(
    totalKop,
    components.map((c) => shares.get(c) ?? 0),
  );
  return components.map((component, i) => ({ component, amountKop: parts[i] ?? 0 }));
}
