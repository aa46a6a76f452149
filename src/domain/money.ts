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
  const s = input.replace(/[\s\u00a0\u202f]+/g, '').replace(/(руб\.?|₽|р\.)$/i, '');
  if (s === '') {
    return { ok: false, message: 'Введите сумму в рублях.' };
  }
  const m = /^(-?)(\d+)(?:[.,](\d*))?$/.exec(s);
  if (!m) {
    return { ok: false, message: 'Сумма записывается цифрами, например 980 или 980,50.' };
  }
  const [, sign = '', rub = '', frac = ''] = m;
  if (frac.length > 2) {
    return { ok: false, message: 'В сумме не может быть больше двух знаков после запятой.' };
  }
  if (rub.replace(/^0+/, '').length > 9) {
    return { ok: false, message: 'Сумма слишком велика.' };
  }
  const kop = Number(rub) * 100 + Number(frac.padEnd(2, '0'));
  const kopecks = sign === '-' ? -kop : kop;
  if (Math.abs(kopecks) > MAX_KOPECKS) {
    return { ok: false, message: 'Сумма слишком велика.' };
  }
  return { ok: true, kopecks };
}

/** "-738.63": the seed's plain form, a dot and two decimals. */
export function formatRubles(kop: Kopecks): string {
  assertKopecks(kop);
  const sign = kop < 0 ? '-' : '';
  const abs = Math.abs(kop);
  return `${sign}${Math.trunc(abs / 100)}.${String(abs % 100).padStart(2, '0')}`;
}

/** "1 234,56 ₽": the Russian form with a thin no-break space between thousands. */
export function formatRublesRu(kop: Kopecks): string {
  assertKopecks(kop);
  const sign = kop < 0 ? '−' : '';
  const abs = Math.abs(kop);
  const rub = groupThousands(Math.trunc(abs / 100));
  return `${sign}${rub},${String(abs % 100).padStart(2, '0')}\u00a0₽`;
}

/** A number with a no-break space between thousands: "29\u00a0842", a sign or a fraction is kept. */
export function groupThousands(n: number): string {
  const digits = String(n);
  if (digits.length <= 3) {
    return digits;
  }
  if (!Number.isSafeInteger(n) || n < 0) {
    return digits.replace(/\B(?=(\d{3})+(?!\d))/g, '\u00a0');
  }
  let out = digits.slice(0, digits.length % 3 || 3);
  for (let i = out.length; i < digits.length; i += 3) {
    out += '\u00a0' + digits.slice(i, i + 3);
  }
  return out;
}

/** A tariff stored as integer 1/100000 ₽ shown with five decimals, as the seed does ("1.61000"). */
export function formatTariff(priceE5: number): string {
  assertKopecks(priceE5);
  return `${Math.trunc(priceE5 / 100000)}.${String(priceE5 % 100000).padStart(5, '0')}`;
}

/** kWh × price (1/100000 ₽) → kopecks, rounded once, half up (away from zero). */
export function chargeKopecks(kwh: number, priceE5: number): Kopecks {
  if (!Number.isSafeInteger(kwh) || !Number.isSafeInteger(priceE5)) {
    throw new RangeError('integers expected');
  }
  const e5 = BigInt(kwh) * BigInt(priceE5); // price in 1e-5 ₽ → product in 1e-5 ₽
  const neg = e5 < 0n;
  const abs = neg ? -e5 : e5;
  const kop = (abs + 500n) / 1000n; // 1 kopeck = 1000 × 1e-5 ₽
  return Number(neg ? -kop : kop);
}

function assertKopecks(v: number): void {
  if (!Number.isSafeInteger(v)) {
    throw new RangeError(`not an integer amount: ${v}`);
  }
}
