import { addMonths, parseIsoDate, periodOf, type IsoDate } from './dates.ts';
import { consumption, type Consumption } from './consumption.ts';

/** Last day of a month on which a reading still counts for that month (many suppliers: the 25th). */
export const DEFAULT_READINGS_LAST_DAY = 25;

export type ReadingValueResult = { ok: true; value: number } | { ok: false; message: string };

/** Checks one register's value as typed: digits only, at most the meter's digit count. */
export function parseReadingValue(input: string, digits: number): ReadingValueResult {
  const s = input.replace(/[\s\u00a0]/g, '');
  if (s === '') {
    return { ok: false, message: 'Введите текущее показание.' };
  }
  if (!/^[0-9]+$/.test(s)) {
    return {
      ok: false,
      message: 'Показание записывается только цифрами, без запятых и букв (дробную часть не указывайте).',
    };
  }
  const significant = s.replace(/^0+(?=\d)/, '');
  if (significant.length > digits) {
    return {
      ok: false,
      message: `У Вашего счётчика ${digits} ${digitsWord(digits)}, а введено ${significant.length}.`,
    };
  }
  return { ok: true, value: Number(significant) };
}

/** The billing month a reading taken on `date` counts in: this month up to `lastDay`, else the next. */
export function billingPeriodFor(date: IsoDate, lastDay = DEFAULT_READINGS_LAST_DAY): string {
  const { d } = parseIsoDate(date);
  return d <= lastDay ? periodOf(date) : addMonths(periodOf(date), 1);
}

export type SuspicionReason = 'rollover' | 'over_limit';

export interface RegisterCheck extends Consumption {
  previous: number;
  current: number;
}

/** Consumption of every register, and why the whole reading needs confirmation, if it does. */
export function checkRegisters(
  previous: number[],
  current: number[],
  digits: number,
  ratio: number,
): { registers: RegisterCheck[]; reason: SuspicionReason | null } {
  const registers = current.map((cur, i) => ({
    ...consumption(previous[i] ?? 0, cur, digits, ratio),
    previous: previous[i] ?? 0,
    current: cur,
  }));
  const reason = registers.some((r) => r.rollover)
    ? 'rollover'
    : registers.some((r) => r.suspicious)
      ? 'over_limit'
      : null;
  return { registers, reason };
}

function digitsWord(n: number): string {
  const d10 = n % 10;
  const d100 = n % 100;
  if (d10 === 1 && d100 !== 11) {
    return 'разряд';
  }
  if (d10 >= 2 && d10 <= 4 && (d100 < 12 || d100 > 14)) {
    return 'разряда';
  }
  return 'разрядов';
}
