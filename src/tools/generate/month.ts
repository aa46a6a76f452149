import { MAX_KOPECKS } from '../../domain/money.ts';
import type { MonthInfo } from './calendar.ts';
import { PAY_BIMONTHLY, PAY_IRREGULAR, PAY_MONTHLY, type Habits, type Meter } from './household.ts';
import { cumulative, type Rng } from './prng.ts';

/**
 * A household's month (household.ts draws the household): its consumption, what it pays and
 * the readings it sends. Pure functions of the account's random stream; model.ts writes the
 * rows, in the order of the draws.
 */

const SEASON = [1.35, 1.25, 1.1, 0.95, 0.85, 0.8, 0.8, 0.85, 0.9, 1.0, 1.2, 1.35];
const WINTER = [true, true, true, false, false, false, false, false, false, false, true, true];

/** internet, grid, bill, customer, operator (computed: opening readings only) */
const READING_CHANNEL_CUM = cumulative([46, 12, 22, 12, 8, 0]);
export const OPENING_CHANNEL_CUM = cumulative([0, 40, 20, 0, 0, 40]);

export const CH_INTERNET = 0;
export const CH_OPERATOR = 4;
export const ST_ACCEPTED = 0;
const ST_REVIEW = 1;
const ST_REJECTED = 2;
const REASON_EXPIRED = 0;
const REASON_LOWER = 1;
const REASON_REVIEW = 2;

/**
 * Consumption of the month (`elapsed`: the part of it gone by) moves the registers, in register
 * units (kWh / ratio); `delta` gets each register's advance.
 */
export function consume(
  rng: Rng,
  h: Habits,
  meter: Meter,
  m: MonthInfo,
  elapsed: number,
  delta: number[],
): void {
  const wrap = 10 ** meter.digits;
  const k =
    h.base *
    SEASON[m.month - 1]! *
    (h.heating && WINTER[m.month - 1] ? 2.2 : 1) *
    (0.85 + 0.3 * rng.float()) *
    elapsed;
  for (let z = 0; z < h.reg.length; z++) {
    h.carry[z]! += (k * h.shares[z]!) / meter.ratio;
    const d = Math.floor(h.carry[z]!);
    h.carry[z]! -= d;
    delta[z] = d;
    h.reg[z] = (h.reg[z]! + d) % wrap;
  }
}

/**
 * The payments of month `i` of the history up to `lastDay`, for the bill of the month before:
 * `pay` is called for each (in order: it draws too). Returns the sum paid.
 */
export function drawPayments(
  rng: Rng,
  h: Habits,
  m: MonthInfo,
  i: number,
  lastDay: number,
  debtStart: number,
  pay: (day: number, amountKop: number) => void,
): number {
  if (lastDay < m.firstDay) {
    return 0;
  }
  const amount = Math.min(paymentAmount(rng, h, i, debtStart), MAX_KOPECKS);
  if (amount > 0) {
    const parts = amount > 20_000 && rng.chance(0.04) ? 2 : 1;
    const first = parts === 2 ? Math.round(amount / 2) : amount;
    const d1 = clampDay(m.firstDay + h.payDay - 1 + rng.int(-4, 4), m.firstDay, lastDay);
    pay(d1, first);
    if (parts === 2) {
      pay(clampDay(d1 + rng.int(3, 12), m.firstDay, lastDay), amount - first);
    }
  }
  return amount;
}

function paymentAmount(rng: Rng, h: Habits, i: number, debtStart: number): number {
  const payMonth = h.payMode !== PAY_BIMONTHLY || i % 2 === h.payParity;
  if (!payMonth || !rng.chance(h.payProb)) {
    return 0;
  }
  if (debtStart <= 0) {
    return rng.chance(0.08) ? rng.int(3, 15) * 10_000 : 0; // an advance
  }
  if (h.payMode === PAY_MONTHLY || h.payMode === PAY_BIMONTHLY) {
    const r = rng.float();
    return r < 0.55
      ? debtStart
      : r < 0.8
        ? Math.ceil(debtStart / 1000) * 1000
        : Math.ceil(debtStart / 10_000) * 10_000;
  }
  if (h.payMode === PAY_IRREGULAR) {
    return Math.max(10_000, Math.ceil((debtStart * (0.6 + rng.float())) / 10_000) * 10_000);
  }
  return Math.max(5_000, Math.round((debtStart * (0.1 + 0.4 * rng.float())) / 10_000) * 10_000);
}

export interface PendingReading {
  day: number;
  /** Month index of the billing period the reading counts in. */
  period: number;
  values: number[];
  channel: number;
  status: number;
  reason: number;
}

/** A month of history as its readings see it. */
export interface ReadingMonth {
  /** Index in the history (1 = the first closed month). */
  i: number;
  info: MonthInfo;
  /** The days whose readings count for the month. */
  windowStart: number;
  windowEnd: number;
  /** The registers before the month's consumption, and its advance per register. */
  before: number[];
  delta: number[];
  /** The latest accepted reading's values. */
  lastAccepted: number[];
}

/** The month's readings (the customer's, the grid company's, from the bill...), by day. */
export function drawReadings(
  rng: Rng,
  h: Habits,
  meter: Meter,
  m: ReadingMonth,
  out: PendingReading[],
): void {
  out.length = 0;
  const { windowStart, windowEnd, lastAccepted } = m;
  const period = m.info.index;
  const inGap = m.i >= h.gapStart && m.i < h.gapEnd;
  if (windowEnd >= windowStart && !inGap && rng.chance(h.readProb)) {
    const day = clampDay(m.info.firstDay + h.readDay - 1 + rng.int(-3, 3), windowStart, windowEnd);
    // A meter past its verification date: its readings are not accepted any more.
    const rejectAll = meter.due <= day;
    const status = rejectAll ? ST_REJECTED : ST_ACCEPTED;
    const reason = rejectAll ? REASON_EXPIRED : -1;
    if (day > windowStart && rng.chance(0.05)) {
      // An earlier reading of the same month (a control reading, or the customer's first try).
      const frac = 0.2 + 0.6 * rng.float();
      const wrap = 10 ** meter.digits;
      const values = m.before.map((b, z) => (b + Math.floor(m.delta[z]! * frac)) % wrap);
      const early = rng.int(windowStart, day - 1);
      out.push({ day: early, period, values, channel: rng.weighted(READING_CHANNEL_CUM), status, reason });
    }
    if (!rejectAll && lastAccepted[0]! >= 1000 && rng.chance(0.005)) {
      // A typing error: lower than the last reading and not confirmed as a rollover.
      const values = h.reg.slice();
      values[0] = lastAccepted[0]! - rng.int(10, 900);
      out.push({ day, period, values, channel: CH_INTERNET, status: ST_REJECTED, reason: REASON_LOWER });
    }
    out.push({
      day,
      period,
      values: h.reg.slice(),
      channel: rng.weighted(READING_CHANNEL_CUM),
      status,
      reason,
    });
  }
  if (m.i === h.reviewMonth && windowEnd >= windowStart && lastAccepted[0]! >= 3000) {
    // A suspicious reading waiting for the customer's confirmation; not billed.
    const values = h.reg.slice();
    values[0] = lastAccepted[0]! - rng.int(100, 2000);
    const day = clampDay(m.info.firstDay + h.readDay + rng.int(0, 3), windowStart, windowEnd);
    out.push({ day, period, values, channel: CH_INTERNET, status: ST_REVIEW, reason: REASON_REVIEW });
  }
  out.sort(byDay);
}

function byDay(x: PendingReading, y: PendingReading): number {
  return x.day - y.day;
}

function clampDay(day: number, lo: number, hi: number): number {
  return day < lo ? lo : day > hi ? hi : day;
}
