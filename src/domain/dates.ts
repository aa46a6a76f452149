/**
 * Calendar dates ('YYYY-MM-DD') and periods ('YYYY-MM') in the supplier's time zone.
 * They are plain strings on purpose: a bill date is a day, not an instant.
 */
export type IsoDate = string;

const ISO_DATE = /^(\d{4})-(\d{2})-(\d{2})$/;

/** Per time zone: its formatter (building one costs far more than using one) and the last answer. */
const zones = new Map<string, { format: Intl.DateTimeFormat; second: number; date: IsoDate }>();

/** The calendar date of an instant in the given IANA time zone. */
export function dateInZone(at: Date, timeZone: string): IsoDate {
  let z = zones.get(timeZone);
  // Stryker disable next-line ConditionalExpression: a cache; a new formatter every time gives the same date
  if (!z) {
    // en-CA formats as YYYY-MM-DD.
    const format = new Intl.DateTimeFormat('en-CA', {
      timeZone,
      year: 'numeric',
      month: '2-digit',
      day: '2-digit',
    });
    // Stryker disable next-line StringLiteral: never read, as no second equals NaN the date is formatted first
    z = { format, second: NaN, date: '' };
    zones.set(timeZone, z);
  }
  // Zone offsets are whole seconds, so every instant of one second has the same date: a page
  // asks once per request, and formatting is the costly part.
  // Stryker disable next-line ArithmeticOperator: a cache key; per millisecond rather than per second, the same date
  const second = Math.floor(at.getTime() / 1000);
  // Stryker disable next-line ConditionalExpression: a cache; formatting every time gives the same date
  if (second !== z.second) {
    z.date = z.format.format(at);
    z.second = second;
  }
  return z.date;
}

export function parseIsoDate(d: IsoDate): { y: number; m: number; d: number } {
  const m = ISO_DATE.exec(d);
  if (!m) {
    throw new RangeError(`not a date: ${d}`);
  }
  return { y: Number(m[1]), m: Number(m[2]), d: Number(m[3]) };
}

/** A billing period, 'YYYY-MM'. */
export function isPeriod(s: string): boolean {
  return /^\d{4}-(0[1-9]|1[0-2])$/.test(s);
}

export function isIsoDate(s: string): boolean {
  const m = ISO_DATE.exec(s);
  if (!m) {
    return false;
  }
  const t = Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3]));
  return toIso(new Date(t)) === s;
}

function toUtcMs(d: IsoDate): number {
  const p = parseIsoDate(d);
  return Date.UTC(p.y, p.m - 1, p.d);
}

function toIso(dt: Date): IsoDate {
  return dt.toISOString().slice(0, 10);
}

export function addDays(d: IsoDate, days: number): IsoDate {
  return toIso(new Date(toUtcMs(d) + days * 86_400_000));
}

/** Whole days from `a` to `b` (positive when b is later). */
export function daysBetween(a: IsoDate, b: IsoDate): number {
  return Math.round((toUtcMs(b) - toUtcMs(a)) / 86_400_000);
}

/** The same day `years` later; 29 February becomes 28 February in a common year. */
export function addYears(d: IsoDate, years: number): IsoDate {
  const p = parseIsoDate(d);
  const y = p.y + years;
  const last = daysInMonth(y, p.m);
  return `${y}-${pad(p.m)}-${pad(Math.min(p.d, last))}`;
}

export function daysInMonth(y: number, m: number): number {
  return new Date(Date.UTC(y, m, 0)).getUTCDate();
}

export function periodOf(d: IsoDate): string {
  return d.slice(0, 7);
}

export function lastDayOfPeriod(period: string): IsoDate {
  const [y, m] = period.split('-').map(Number) as [number, number];
  return `${period}-${pad(daysInMonth(y, m))}`;
}

export function addMonths(period: string, n: number): string {
  return periodAt(monthIndex(period) + n);
}

/** A period ("YYYY-MM") as a count of months since year 0, for stepping through months. */
export function monthIndex(period: string): number {
  return Number(period.slice(0, 4)) * 12 + Number(period.slice(5, 7)) - 1;
}

/** The period `monthIndex` gave. */
export function periodAt(index: number): string {
  return `${Math.floor(index / 12)}-${pad((index % 12) + 1)}`;
}

const MONTHS_NOMINATIVE = [
  'Январь',
  'Февраль',
  'Март',
  'Апрель',
  'Май',
  'Июнь',
  'Июль',
  'Август',
  'Сентябрь',
  'Октябрь',
  'Ноябрь',
  'Декабрь',
];

/** "2014 Февраль", as in the seed's charge history. */
export function periodTitle(period: string): string {
  return `${period.slice(0, 4)} ${MONTHS_NOMINATIVE[Number(period.slice(5, 7)) - 1]}`;
}

/** "27.11.2026" */
export function formatDateRu(d: IsoDate): string {
  const p = parseIsoDate(d);
  return `${pad(p.d)}.${pad(p.m)}.${p.y}`;
}

function pad(n: number): string {
  return String(n).padStart(2, '0');
}

const MONTHS_LOWER = MONTHS_NOMINATIVE.map((m) => m.toLowerCase());

/** "июнь 2026 г." — as in "будет учтено при расчёте за июнь 2026 г." */
export function periodInWords(period: string): string {
  const [y, m] = period.split('-').map(Number) as [number, number];
  return `${MONTHS_LOWER[m - 1]} ${y} г.`;
}
