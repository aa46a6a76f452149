import { dateInZone, daysInMonth } from '../../domain/dates.ts';

/**
 * Calendar arithmetic for the generator. Days are numbered from 1970-01-01 (day 0) and
 * months as `year × 12 + month − 1`, so that the model works with integers and the sinks
 * turn them into 'YYYY-MM-DD' / 'YYYY-MM' text through small caches.
 */
const DAY_MS = 86_400_000;

export function dayNumber(y: number, m: number, d: number): number {
  return Math.floor(Date.UTC(y, m - 1, d) / DAY_MS);
}

export function dayOfIso(iso: string): number {
  return dayNumber(Number(iso.slice(0, 4)), Number(iso.slice(5, 7)), Number(iso.slice(8, 10)));
}

/** Day numbers 0..ISO_CACHE_DAYS (1970 to 2079) keep their text once made: the sinks ask millions of times. */
const ISO_CACHE_DAYS = 40_000;
const isoCache: Array<string | undefined> = new Array<string | undefined>(ISO_CACHE_DAYS);
export function isoOfDay(day: number): string {
  const cached = day >= 0 && day < ISO_CACHE_DAYS ? isoCache[day] : undefined;
  if (cached !== undefined) {
    return cached;
  }
  const s = new Date(day * DAY_MS).toISOString().slice(0, 10);
  if (day >= 0 && day < ISO_CACHE_DAYS) {
    isoCache[day] = s;
  }
  return s;
}

/** (year × 12 + month − 1) × 32 + day of the month, per day number, made on first use. */
const partsCache = new Int32Array(ISO_CACHE_DAYS).fill(-1);
function dayParts(day: number): number {
  const cached = day >= 0 && day < ISO_CACHE_DAYS ? partsCache[day]! : -1;
  if (cached >= 0) {
    return cached;
  }
  const d = new Date(day * DAY_MS);
  const v = (d.getUTCFullYear() * 12 + d.getUTCMonth()) * 32 + d.getUTCDate();
  if (day >= 0 && day < ISO_CACHE_DAYS) {
    partsCache[day] = v;
  }
  return v;
}
/** year × 12 + month − 1 of a day number. */
export function monthOfDay(day: number): number {
  return dayParts(day) >> 5;
}
/** The day of the month of a day number. */
export function domOfDay(day: number): number {
  return dayParts(day) & 31;
}

const periodCache = new Map<number, string>();
export function periodOfMonth(month: number): string {
  let s = periodCache.get(month);
  if (s === undefined) {
    s = `${Math.floor(month / 12)}-${String((month % 12) + 1).padStart(2, '0')}`;
    periodCache.set(month, s);
  }
  return s;
}

/** The UTC offset (ms) of a time zone at an instant. */
function offsetMs(utcMs: number, fmt: Intl.DateTimeFormat): number {
  const p: Record<string, number> = {};
  for (const part of fmt.formatToParts(new Date(utcMs))) {
    if (part.type !== 'literal') {
      p[part.type] = Number(part.value);
    }
  }
  const asUtc = Date.UTC(p.year!, p.month! - 1, p.day, (p.hour ?? 0) % 24, p.minute, p.second);
  return asUtc - Math.floor(utcMs / 1000) * 1000;
}

export interface MonthInfo {
  /** year × 12 + month − 1 */
  index: number;
  period: string;
  /** 1..12 */
  month: number;
  days: number;
  /** Day number of the 1st. */
  firstDay: number;
  /** Day number of the last day. */
  lastDay: number;
}

export interface Calendar {
  timeZone: string;
  today: string;
  todayDay: number;
  /** Closed months of history, the last one being the month before today's. */
  historyMonths: number;
  /** months[0] is the month before the history (the opening readings), then the closed months, then the current one. */
  months: MonthInfo[];
  /** Local midnight (ms since the epoch) of a day number. */
  midnightMs(day: number): number;
}

export function buildCalendar(now: Date, timeZone: string, historyMonths: number): Calendar {
  const today = dateInZone(now, timeZone);
  const ty = Number(today.slice(0, 4));
  const tm = Number(today.slice(5, 7));
  const current = ty * 12 + tm - 1;
  const months: MonthInfo[] = [];
  for (let idx = current - historyMonths - 1; idx <= current; idx++) {
    const y = Math.floor(idx / 12);
    const m = (idx % 12) + 1;
    const days = daysInMonth(y, m);
    const firstDay = dayNumber(y, m, 1);
    months.push({
      index: idx,
      period: periodOfMonth(idx),
      month: m,
      days,
      firstDay,
      lastDay: firstDay + days - 1,
    });
  }
  const fmt = new Intl.DateTimeFormat('en-US', {
    timeZone,
    hourCycle: 'h23',
    year: 'numeric',
    month: 'numeric',
    day: 'numeric',
    hour: 'numeric',
    minute: 'numeric',
    second: 'numeric',
  });
  // Local midnights of the days the model uses (about 40 years up to today), computed on first use.
  const origin = dayOfIso(today) - 40 * 366;
  const midnights = new Float64Array(40 * 366 + 400).fill(NaN);
  return {
    timeZone,
    today,
    todayDay: dayOfIso(today),
    historyMonths,
    months,
    midnightMs(day: number): number {
      const slot = day - origin;
      const cached = midnights[slot];
      if (cached !== undefined && cached === cached) {
        return cached;
      }
      const guess = day * DAY_MS;
      let ms = guess - offsetMs(guess, fmt);
      const again = guess - offsetMs(ms, fmt);
      if (again !== ms) {
        ms = again;
      }
      if (slot >= 0 && slot < midnights.length) {
        midnights[slot] = ms;
      }
      return ms;
    },
  };
}
