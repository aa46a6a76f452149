/** Money is integer kopecks; floats never touch it. */
export type Kopecks = number;

/** Largest sum the portal accepts anywhere: 10 million rubles. */
export const MAX_KOPECKS: Kopecks = 1_000_000_000;

export type ParseMoneyResult = { ok: true; kopecks: Kopecks } | { ok: false; message: string };

/**
 * Parses what a person types as a sum of rubles: "980", "980,50", "980.5", "1 234,56".
 * Straight from the string to integer kopecks, never through a float.
 */
export function parseRubles(input: string): ParseMoneyResult {
  const s = input.replace(/[\s\u00a0\u202f]/g, '').replace(/(руб\.?|₽|р\.)$/i, '');
  if (s === '') {
    return { ok: false, message: 'Введите сумму в рублях.' };
  }
  // A hyphen-minus as typed, or the true minus sign of a figure the portal printed.
  const m = /^([-−]?)(\d+)(?:[.,](\d*))?$/.exec(s);
  if (!m) {
    return { ok: false, message: 'Сумма записывается цифрами, например 980 или 980,50.' };
  }
  // The sign and ruble groups take part in every match (the sign's may be empty); the decimals' not.
  const [, sign, rub, frac = ''] = m;
  if (frac.length > 2) {
    return { ok: false, message: 'В сумме не может быть больше двух знаков после запятой.' };
  }
  // Past 8 digits of rubles the sum is above MAX_KOPECKS, and a float that loses digits or is
  // Infinity is still above it: one check covers every length.
  const kop = Number(rub) * 100 + Number(frac.padEnd(2, '0'));
  const kopecks = sign === '' ? kop : -kop;
  if (Math.abs(kopecks) > MAX_KOPECKS) {
    return { ok: false, message: 'Сумма слишком велика.' };
  }
  return { ok: true, kopecks };
}

/**
 * A positive sum as a form field holds it, for the customer to edit: "738,65", "1234,00". The
 * field's value is parsed back by `parseRubles`, so it is that function's input form, not a figure
 * for reading (those go through format.ts).
 */
export function rublesInput(kop: Kopecks): string {
  if (!Number.isSafeInteger(kop) || kop < 0) {
    throw new RangeError(`not a non-negative amount: ${kop}`);
  }
  return `${Math.trunc(kop / 100)},${String(kop % 100).padStart(2, '0')}`;
}

/** kWh × price (1/100000 ₽) → kopecks, rounded once, half up (away from zero). */
export function chargeKopecks(kwh: number, priceE5: number): Kopecks {
  if (!Number.isSafeInteger(kwh) || !Number.isSafeInteger(priceE5)) {
    throw new RangeError('integers expected');
  }
  const e5 = BigInt(kwh) * BigInt(priceE5); // price in 1e-5 ₽ → product in 1e-5 ₽
  // Stryker disable next-line EqualityOperator: at 0 either way gives 0, as BigInt has no −0
  const neg = e5 < 0n;
  const abs = neg ? -e5 : e5;
  const kop = (abs + 500n) / 1000n; // 1 kopeck = 1000 × 1e-5 ₽
  return Number(neg ? -kop : kop);
}
