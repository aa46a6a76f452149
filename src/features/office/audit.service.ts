import { addDays, isIsoDate, parseIsoDate, type IsoDate } from '../../domain/dates.ts';
import type { AuditFilter } from './audit.repository.ts';

// The audit viewer's filter form: what an admin typed, checked field by field, and the filter it
// makes. Dates are the supplier's calendar days (SUPPLIER_TIME_ZONE), both ends included.

export interface AuditQuery {
  staff: string;
  account: string;
  event: string;
  from: string;
  to: string;
}

export type AuditQueryErrors = Partial<Record<keyof AuditQuery, string>>;

export const EMPTY_AUDIT_QUERY: AuditQuery = { staff: '', account: '', event: '', from: '', to: '' };

const STAFF_LOGIN = /^[a-z][a-z0-9._-]{2,39}$/;
const ACCOUNT = /^\d{10}$/;
const EVENT = /^[a-z][a-z0-9._]{0,59}$/;

/** The offset of `timeZone` from UTC at the instant `at`, in ms. */
function zoneOffsetMs(at: number, timeZone: string): number {
  const parts = new Intl.DateTimeFormat('en-US', {
    timeZone,
    hourCycle: 'h23',
    year: 'numeric',
    month: 'numeric',
    day: 'numeric',
    hour: 'numeric',
    minute: 'numeric',
    second: 'numeric',
  }).formatToParts(new Date(at));
  const n = (type: string) => Number(parts.find((p) => p.type === type)?.value);
  const asUtc = Date.UTC(n('year'), n('month') - 1, n('day'), n('hour'), n('minute'), n('second'));
  return asUtc - Math.floor(at / 1000) * 1000;
}

/** The instant the supplier's day `date` begins. */
export function dayStartMs(date: IsoDate, timeZone: string): number {
  const { y, m, d } = parseIsoDate(date);
  const wall = Date.UTC(y, m - 1, d);
  // Twice: the offset at the first guess may differ from the one at the day's start (a DST change).
  const guess = wall - zoneOffsetMs(wall, timeZone);
  return wall - zoneOffsetMs(guess, timeZone);
}

/** An instant as the supplier's wall-clock time: `2026-06-10 12:00:05`. */
export function formatAuditTime(at: number, timeZone: string): string {
  return new Intl.DateTimeFormat('sv-SE', {
    timeZone,
    year: 'numeric',
    month: '2-digit',
    day: '2-digit',
    hour: '2-digit',
    minute: '2-digit',
    second: '2-digit',
  }).format(new Date(at));
}

/** The filter of a query, or the message for each field that is wrong. */
export function parseAuditQuery(
  raw: AuditQuery,
  timeZone: string,
): { kind: 'ok'; filter: AuditFilter } | { kind: 'invalid'; errors: AuditQueryErrors } {
  const q: AuditQuery = {
    staff: raw.staff.trim().toLowerCase(),
    account: raw.account.replace(/[\s-]/g, ''),
    event: raw.event.trim().toLowerCase(),
    from: raw.from.trim(),
    to: raw.to.trim(),
  };
  const errors: AuditQueryErrors = {};
  if (q.staff && !STAFF_LOGIN.test(q.staff)) {
    errors.staff =
      'Логин сотрудника: от 3 до 40 латинских букв, цифр, точек, дефисов или подчёркиваний, с буквы в начале.';
  }
  if (q.account && !ACCOUNT.test(q.account)) {
    errors.account = 'Номер лицевого счёта — 10 цифр.';
  }
  if (q.event && !EVENT.test(q.event)) {
    errors.event = 'Код действия: латинские буквы, цифры, точки или подчёркивания, например login или staff.';
  }
  for (const key of ['from', 'to'] as const) {
    if (q[key] && !isIsoDate(q[key])) {
      errors[key] = 'Дата в виде ГГГГ-ММ-ДД, например 2026-06-01.';
    }
  }
  if (!errors.from && !errors.to && q.from && q.to && q.to < q.from) {
    errors.to = 'Дата «по» раньше даты «с».';
  }
  if (Object.keys(errors).length > 0) {
    return { kind: 'invalid', errors };
  }
  const filter: AuditFilter = {};
  if (q.staff) {
    filter.staffLogin = q.staff;
  }
  if (q.account) {
    filter.accountNumber = q.account;
  }
  if (q.event) {
    filter.eventPrefix = q.event;
  }
  if (q.from) {
    filter.fromMs = dayStartMs(q.from, timeZone);
  }
  if (q.to) {
    filter.toMs = dayStartMs(addDays(q.to, 1), timeZone);
  }
  return { kind: 'ok', filter };
}
