/**
 * Numbers shown to people, in pages, e-mails, PDFs and the browser script: every figure goes
 * through one of these. Amounts arrive as integers of a fixed scale (kopecks, 1/100000 ₽,
 * 1/100 m²), never as floats.
 *
 * One form, the Russian one, as `Intl.NumberFormat('ru-RU')` writes it: thousands grouped with a
 * no-break space, a decimal comma ("1 234,56", "28 470", "1,61000"), and the true minus sign that
 * the portal's sums have always had ("−738,65") where ru-RU gives a hyphen-minus. The figures are
 * built from the amount's exact decimal literal by grouping its digits, not through `Intl`: the
 * main page shows some 140 of them, and through `Intl` its render took 310 µs of CPU instead of
 * 247 (median of 21 interleaved rounds over 400 generated pages). format.test.ts checks that every
 * safe integer at every scale comes out exactly as ru-RU's `Intl` writes it.
 */

const NBSP = '\u00a0';
const MINUS = '−';

/** A sum in rubles as tables, balances and bills show it, without the unit: "−738,65", "2 000,00". */
export function formatRubles(kop: number): string {
  return ru(kop, 2);
}

/** A tariff stored as integer 1/100000 ₽, all five decimals as the bill prints it: "1,61000". */
export function formatTariff(priceE5: number): string {
  return ru(priceE5, 5);
}

/** A whole number: kWh, meter readings, counts: "28 470", "−7". */
export function formatInteger(n: number): string {
  return ru(n, 0);
}

/** A fixed-point value (`units` of 10^-scale), all its decimals: (4420, 2) → "44,20". */
export function formatFixed(units: number, scale: number): string {
  return ru(units, scale);
}

/** A sum with its sign in a sentence: "1 234,56 ₽", "−96,05 ₽" (no-break spaces). */
export function formatRublesRu(kop: number): string {
  return `${ru(kop, 2)}${NBSP}₽`;
}

/** A tariff in a sentence: "1,1270 ₽", the fifth decimal only when it matters. */
export function formatTariffRu(priceE5: number): string {
  const s = ru(priceE5, 5);
  return `${s.endsWith('0') ? s.slice(0, -1) : s}${NBSP}₽`;
}

/** kWh in a sentence: "1 304 кВт·ч" (no-break spaces). */
export function formatKwhRu(kwh: number): string {
  return `${ru(kwh, 0)}${NBSP}кВт·ч`;
}

/** A fixed-point value without trailing zeros: (1500, 3) → "1,5", (1000, 3) → "1". */
export function formatDecimalRu(units: number, scale: number): string {
  const s = ru(units, scale);
  return s.includes(',') ? s.replace(/0+$/, '').replace(/,$/, '') : s;
}

/** `units` × 10^-scale in the Russian form: "−1 234,56". */
function ru(units: number, scale: number): string {
  const p = plain(units, scale);
  const negative = p.charCodeAt(0) === 45;
  const body = negative ? p.slice(1) : p;
  const point = body.indexOf('.');
  const whole = point === -1 ? body : body.slice(0, point);
  let grouped = whole.slice(0, whole.length % 3 || 3);
  for (let i = grouped.length; i < whole.length; i += 3) {
    grouped += NBSP + whole.slice(i, i + 3);
  }
  return `${negative ? MINUS : ''}${grouped}${point === -1 ? '' : `,${body.slice(point + 1)}`}`;
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
  const padded = digits.padStart(scale + 1, '0');
  const cut = padded.length - scale;
  return `${sign}${padded.slice(0, cut)}.${padded.slice(cut)}` as `${number}`;
}

const PLURAL = /* @__PURE__ */ new Intl.PluralRules('ru-RU');

/** The word form that agrees with a count, by ru-RU's plural rules: 1 попытка, 2 попытки, 5 попыток. */
export function pluralRu(n: number, forms: { one: string; few: string; many: string }): string {
  const category = PLURAL.select(n);
  return category === 'one' ? forms.one : category === 'few' ? forms.few : forms.many;
}
