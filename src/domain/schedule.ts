import { addMonths, daysInMonth, parseIsoDate, periodOf, type IsoDate } from './dates.ts';
import { DEFAULT_READINGS_LAST_DAY } from './readings.ts';

/**
 * The customer's month: the days on which readings are asked for, and the day by which a bill
 * is to be paid. Readings are accepted on any day (those after the window's last day count for
 * the next month); the window is what the main page asks for.
 */

/** The supplier's days of the month (READINGS_FIRST_DAY, READINGS_LAST_DAY, BILL_DUE_DAY). */
export interface MonthSchedule {
  readingsFirstDay: number;
  readingsLastDay: number;
  paymentDueDay: number;
}

export const DEFAULT_MONTH_SCHEDULE: MonthSchedule = {
  readingsFirstDay: 15,
  readingsLastDay: DEFAULT_READINGS_LAST_DAY,
  paymentDueDay: 10,
};

/** The readings window of a month: `from`–`to`, both inclusive. */
export interface ReadingsWindow {
  /** open: today is inside it; soon: it opens later this month; closed: this month's has passed, `from`–`to` is next month's. */
  state: 'open' | 'soon' | 'closed';
  from: IsoDate;
  to: IsoDate;
  /** The month whose readings the window takes (YYYY-MM). */
  period: string;
}

/** Day `day` of `period`, or the period's last day when it is shorter. */
export function dayOfPeriod(period: string, day: number): IsoDate {
  const [y, m] = period.split('-').map(Number) as [number, number];
  return `${period}-${String(Math.min(day, daysInMonth(y, m))).padStart(2, '0')}`;
}

/** The readings window that concerns `today`: this month's, or next month's once this one has closed. */
export function readingsWindow(today: IsoDate, firstDay: number, lastDay: number): ReadingsWindow {
  const period = periodOf(today);
  const to = dayOfPeriod(period, lastDay);
  if (today > to) {
    const next = addMonths(period, 1);
    return {
      state: 'closed',
      from: dayOfPeriod(next, firstDay),
      to: dayOfPeriod(next, lastDay),
      period: next,
    };
  }
  const from = dayOfPeriod(period, firstDay);
  return { state: today >= from ? 'open' : 'soon', from, to, period };
}

/**
 * When the bill of `period` is to be paid: day `dueDay` of the next month (Housing Code art. 155:
 * by the 10th unless the contract says otherwise).
 */
export function paymentDueDate(period: string, dueDay: number): IsoDate {
  return dayOfPeriod(addMonths(period, 1), dueDay);
}

const MONTHS_GENITIVE = [
  'января',
  'февраля',
  'марта',
  'апреля',
  'мая',
  'июня',
  'июля',
  'августа',
  'сентября',
  'октября',
  'ноября',
  'декабря',
];

/** "3 июня", or "3 июня 2026 г." with the year. */
export function dayMonthRu(date: IsoDate, withYear = false): string {
  const { y, m, d } = parseIsoDate(date);
  const dayMonth = `${d} ${MONTHS_GENITIVE[m - 1]}`;
  return withYear ? `${dayMonth} ${y} г.` : dayMonth;
}

/** "с 15 по 25 июня" (a window lies within one month: its first day is not after its last). */
export function windowRu(w: Pick<ReadingsWindow, 'from' | 'to'>): string {
  return `с ${parseIsoDate(w.from).d} по ${dayMonthRu(w.to)}`;
}
