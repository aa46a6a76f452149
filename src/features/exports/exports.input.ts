import { isIsoDate, isPeriod } from '../../domain/dates.ts';
import { parseRubles } from '../../domain/money.ts';
import type { ExportEncoding } from './csv.ts';

// What an accountant types for an export, in the back office's forms and the CLI's options
// alike: checked here, with the message in Russian that the form shows next to the field and
// the CLI prints.

export type Parsed<T> = { ok: true; value: T } | { ok: false; message: string };

const ok = <T>(value: T): Parsed<T> => ({ ok: true, value });
const fail = <T>(message: string): Parsed<T> => ({ ok: false, message });

/** A period, 'YYYY-MM' or 'MM.YYYY'. */
export function parsePeriod(input: string): Parsed<string> {
  const s = input.trim();
  const dotted = /^(\d{2})\.(\d{4})$/.exec(s);
  const period = dotted ? `${dotted[2]}-${dotted[1]}` : s;
  if (s === '') {
    return fail('Укажите период, например 2026-05.');
  }
  return isPeriod(period) ? ok(period) : fail(`«${s}» — не период: нужен год и месяц, например 2026-05.`);
}

/** A calendar date, 'YYYY-MM-DD' or 'DD.MM.YYYY'; a day that the calendar lacks (31.02) is refused. */
export function parseDate(input: string): Parsed<string> {
  const s = input.trim();
  if (s === '') {
    return fail('Укажите дату, например 2026-06-01.');
  }
  const dotted = /^(\d{2})\.(\d{2})\.(\d{4})$/.exec(s);
  const date = dotted ? `${dotted[3]}-${dotted[2]}-${dotted[1]}` : s;
  if (!/^\d{4}-\d{2}-\d{2}$/.test(date)) {
    return fail(`«${s}» — не дата: нужна дата вида 2026-06-01 или 01.06.2026.`);
  }
  return isIsoDate(date) ? ok(date) : fail(`Даты ${s} нет в календаре.`);
}

/** A threshold of debt in rubles, "1000" or "1000,50": not negative, at most two decimals. */
export function parseMinRubles(input: string): Parsed<number> {
  const r = parseRubles(input);
  if (!r.ok) {
    return fail(r.message);
  }
  return r.kopecks < 0 ? fail('Сумма долга не может быть отрицательной.') : ok(r.kopecks);
}

/** Months in a row, 1 to 120. */
export function parseMonths(input: string): Parsed<number> {
  const s = input.trim();
  const n = Number(s);
  if (s === '' || !/^\d+$/.test(s) || n < 1 || n > 120) {
    return fail('Число месяцев — целое, от 1 до 120.');
  }
  return ok(n);
}

/** The supplier's INN: 10 digits (a company) or 12. */
export function parseInn(input: string): Parsed<string> {
  const s = input.trim();
  return /^(\d{10}|\d{12})$/.test(s) ? ok(s) : fail('ИНН — 10 или 12 цифр.');
}

/** The supplier's settlement account at its bank: 20 digits. */
export function parseSettlementAccount(input: string): Parsed<string> {
  const s = input.trim();
  return /^\d{20}$/.test(s) ? ok(s) : fail('Расчётный счёт — 20 цифр.');
}

/** 'utf8' (UTF-8 with a BOM, the default) or 'cp1251' (Windows-1251). */
export function parseEncoding(input: string): Parsed<ExportEncoding> {
  const s = input.trim().toLowerCase();
  if (s === 'utf8' || s === 'utf-8') {
    return ok('utf8');
  }
  if (s === 'cp1251' || s === 'windows-1251' || s === 'win1251') {
    return ok('cp1251');
  }
  return fail('Кодировка — utf8 (UTF-8 с BOM) или cp1251 (Windows-1251).');
}
