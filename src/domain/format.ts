/**
 * Numbers shown to people, in pages, e-mails, PDFs and the browser script: every figure goes
 * through one of these. Amounts arrive as integers of a fixed scale (kopecks, 1/100000 ₽,
 * 1/100 m²), never as floats.
 *
 * Two forms, as the seed has them:
 * - the Russian form of sentences and explanations, by `Intl.NumberFormat('ru-RU')`: thousands
 *   grouped with a no-break space, a decimal comma, "₽" after a no-break space ("1 234,56 ₽"); a sum
 *   keeps the true minus sign it has always had ("−96,05 ₽") where ru-RU gives a hyphen-minus;
 * - the seed's plain form of tables, balances and printed bills: "-738.65", "1.61000", "28470".
 *   It is the amount's exact decimal literal, the very text the Russian form hands to `Intl`.
 *   ru-RU cannot print a decimal point, so `Intl` would only add a comma to swap back; the main
 *   page shows some 140 such figures, and through `Intl` its render took 310 µs of CPU instead
 *   of 247 (median of 21 interleaved rounds over 400 generated pages). format.test.ts checks that
 *   the plain form is ru-RU's ungrouped output with a point, for every safe integer.
 */

const RU = 'ru-RU';

// Marked pure so that the browser script's bundle leaves out the formatters it does not use.
const GROUPED_INTEGER = /* @__PURE__ */ new Intl.NumberFormat(RU, { maximumFractionDigits: 0 });
const RUBLES = /* @__PURE__ */ new Intl.NumberFormat(RU, { style: 'currency', currency: 'RUB' });
/** Tariffs: four decimals unless the fifth matters ("1,1270 ₽", "1,12705 ₽"). */
const TARIFF = /* @__PURE__ */ new Intl.NumberFormat(RU, {
  style: 'currency',
  currency: 'RUB',
  minimumFractionDigits: 4,
  maximumFractionDigits: 5,
});
const DECIMAL = /* @__PURE__ */ new Intl.NumberFormat(RU, { maximumFractionDigits: 20 });

/** The seed's plain form of a sum in rubles: "-738.65", "2000.00". */
export function formatRubles(kop: number): string {
  return plain(kop, 2);
}

/** A tariff stored as integer 1/100000 ₽ in the seed's plain form, five decimals: "1.61000". */
export function formatTariff(priceE5: number): string {
  return plain(priceE5, 5);
}

/** A whole number as the seed prints kWh, meter readings and counts in tables and on bills: "28470". */
export function formatInteger(n: number): string {
  return plain(n, 0);
}

/** A fixed-point value (`units` of 10^-scale) in the plain form, all its decimals: (4420, 2) → "44.20". */
export function formatFixed(units: number, scale: number): string {
  return plain(units, scale);
}

/** The Russian form of a sum: "1 234,56 ₽", "−96,05 ₽" (no-break spaces). */
export function formatRublesRu(kop: number): string {
  return minus(RUBLES.format(plain(kop, 2)));
}

/** A tariff in the Russian form: "1,1270 ₽", the fifth decimal only when it matters. */
export function formatTariffRu(priceE5: number): string {
  return TARIFF.format(plain(priceE5, 5));
}

/** A whole number in a sentence: thousands grouped with a no-break space, "29 842", "-1 234". */
export function formatIntegerRu(n: number): string {
  return GROUPED_INTEGER.format(plain(n, 0));
}

/** kWh in a sentence: "1 304 кВт·ч" (no-break spaces). */
export function formatKwhRu(kwh: number): string {
  return `${formatIntegerRu(kwh)}\u00a0кВт·ч`;
}

/** A fixed-point value in the Russian form without trailing zeros: (1500, 3) → "1,5". */
export function formatDecimalRu(units: number, scale: number): string {
  return DECIMAL.format(plain(units, scale));
}

/** `units` × 10^-scale as its exact decimal literal, all `scale` decimals: (-5, 2) → "-0.05". */
function plain(units: number, scale: number): `${number}` {
  if (!Number.isSafeInteger(units)) {
    throw new RangeError(`not an integer amount: ${units}`);
  }
  const sign = units < 0 ? '-' : '';
  const digits = String(Math.abs(units));
  if (scale === 0) {
    return `${sign}${digits}` as `${number}`;
  }
  const padded = digits.length > scale ? digits : digits.padStart(scale + 1, '0');
  const cut = padded.length - scale;
  return `${sign}${padded.slice(0, cut)}.${padded.slice(cut)}` as `${number}`;
}

/** ru-RU's hyphen-minus as the true minus sign the portal's sums have always shown. */
function minus(s: string): string {
  return s.charCodeAt(0) === 45 ? `−${s.slice(1)}` : s;
}

const PLURAL = /* @__PURE__ */ new Intl.PluralRules(RU);

/** The word form that agrees with a count, by ru-RU's plural rules: 1 попытка, 2 попытки, 5 попыток. */
export function pluralRu(n: number, forms: { one: string; few: string; many: string }): string {
  const category = PLURAL.select(n);
  return category === 'one' ? forms.one : category === 'few' ? forms.few : forms.many;
}
