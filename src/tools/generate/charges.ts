import type { BillingLimits, EstimateReason, Method } from '../../domain/billing.ts';
import { consumption } from '../../domain/consumption.ts';
import { chargeKopecks } from '../../domain/money.ts';
import { domOfDay, isoOfDay, monthOfDay } from './calendar.ts';

/**
 * The monthly charge exactly as the monthly closing computes it (domain/billing.ts
 * computeCharge, with the inputs billing/close-month.ts gives it: accepted readings of the last
 * 13 months plus the last billed one, the charges of the last 8 periods), rewritten over the
 * generator's arrays because the generic version costs ~7 µs a charge, two minutes of CPU for
 * 24 million charges. test/http/generate.test.ts recomputes every generated charge with
 * computeCharge and chargeDetails and requires the same row and the same details, so the two
 * cannot drift apart unnoticed.
 */

/** close-month.ts: HISTORY_MONTHS and PREVIOUS_PERIODS. */
const HISTORY_MONTHS = 13;
const PREVIOUS_PERIODS = 8;
const DAYS_PER_MONTH = 365.25 / 12;

export const DEFAULT_LIMITS: BillingLimits = {
  averageMaxPeriods: 6,
  averageMaxPeriodsFault: 3,
  normCoefficientE3: 1000,
};

/** The accepted readings of one meter so far, oldest first (by date, then id). */
export class ReadingLog {
  ids: number[] = [];
  days: number[] = [];
  /** year × 12 + month − 1 and day of the month of each reading's date. */
  months: number[] = [];
  doms: number[] = [];
  values: number[][] = [];

  clear(): void {
    this.ids.length = 0;
    this.days.length = 0;
    this.months.length = 0;
    this.doms.length = 0;
    this.values.length = 0;
  }

  push(id: number, day: number, values: number[]): void {
    this.ids.push(id);
    this.days.push(day);
    this.months.push(monthOfDay(day));
    this.doms.push(domOfDay(day));
    this.values.push(values);
  }

  get length(): number {
    return this.ids.length;
  }
}

/** A charge made so far (oldest first in the account's list). */
export interface ChargeRecord {
  /** year × 12 + month − 1 */
  month: number;
  method: Method;
  /** Index in the ReadingLog of the reading it was based on, or −1. */
  reading: number;
  zoneKwh: number[];
}

export interface MonthPrices {
  /** The base price of each zone on the 1st of the month (priceOf in computeCharge). */
  base: number[];
  /** The price above the social norm, per zone (the base price when there is none). */
  above: number[];
}

export interface ChargeContext {
  month: number;
  firstDay: number;
  lastDay: number;
  zones: number;
  digits: number;
  ratio: number;
  /** Day number of the meter's verification due date. */
  dueDay: number;
  residents: number;
  normKwhPerResident: number;
  socialNormKwh: number | null;
  socialNormExtraKwh: number | null;
  prices: MonthPrices;
  limits: BillingLimits;
  readings: ReadingLog;
  charges: ChargeRecord[];
}

export interface MonthlyCharge {
  method: Method;
  reason: EstimateReason | null;
  zoneKwh: number[];
  /** kWh within the social norm per zone (the base band); null without a social norm: all base. */
  zoneWithin: number[] | null;
  zoneAmountKop: number[];
  kwh: number;
  amountKop: number;
  /** ReadingLog indices (−1: none). */
  reading: number;
  baseline: number;
  settledKwh: number[];
  average: { from: number; to: number; monthlyKwh: number[] } | null;
  norm: { perResident: number; residents: number; coefficientE3: number } | null;
  priceE5: number;
}

export function monthlyCharge(c: ChargeContext): MonthlyCharge {
  const { readings: log, charges, zones } = c;
  const fault = c.dueDay <= c.lastDay;

  // The closing's previous charges: periods [month − 8, month), newest first.
  let windowStart = charges.length;
  while (windowStart > 0 && charges[windowStart - 1]!.month >= c.month - PREVIOUS_PERIODS) {
    windowStart--;
  }
  let baseline = -1;
  for (let k = charges.length - 1; k >= windowStart; k--) {
    if (charges[k]!.reading >= 0) {
      baseline = charges[k]!.reading;
      break;
    }
  }
  // The closing's readings: dated from the 1st of month − 13 on (log indices r0..n−1), plus the
  // baseline in front when it is older. `at(j)` walks that list without building it.
  const fromDay = firstDayOfMonth(c.month - HISTORY_MONTHS);
  const n = log.length;
  let r0 = n;
  while (r0 > 0 && log.days[r0 - 1]! >= fromDay) {
    r0--;
  }
  const lead = baseline >= 0 && baseline < r0 ? 1 : 0;
  const size = lead + n - r0;
  const list: ListView = { lead, baseline, r0, size };

  let method: Method;
  let reason: EstimateReason | null = null;
  const zoneKwh = new Array<number>(zones).fill(0);
  let reading = -1;
  let from = -1;
  const settled = new Array<number>(zones).fill(0);
  let average: MonthlyCharge['average'] = null;
  let norm: MonthlyCharge['norm'] = null;

  // The latest reading after the baseline (all readings logged so far count up to this month).
  const last = size > 0 ? at(list, size - 1) : -1;
  const candidate = !fault && last >= 0 && last > baseline ? last : -1;

  if (candidate >= 0) {
    method = 'readings';
    reading = candidate;
    if (baseline >= 0) {
      from = baseline;
    } else {
      // earliestBefore: the first reading of the list dated before the candidate.
      for (let j = 0; j < size; j++) {
        if (log.days[at(list, j)]! < log.days[candidate]!) {
          from = at(list, j);
          break;
        }
      }
    }
    for (let k = charges.length - 1; k >= windowStart; k--) {
      const ch = charges[k]!;
      if (ch.method === 'readings') {
        break;
      }
      if (ch.method === 'average') {
        for (let i = 0; i < zones; i++) {
          settled[i]! += ch.zoneKwh[i] ?? 0;
        }
      }
    }
    for (let i = 0; i < zones; i++) {
      const raw =
        from >= 0
          ? consumption(log.values[from]![i] ?? 0, log.values[candidate]![i] ?? 0, c.digits, c.ratio).kwh
          : 0;
      zoneKwh[i] = raw - settled[i]!;
    }
  } else {
    reason = fault ? 'meter_fault' : 'no_reading';
    const limit = fault ? c.limits.averageMaxPeriodsFault : c.limits.averageMaxPeriods;
    let inARow = 0;
    for (let k = charges.length - 1; k >= windowStart; k--) {
      const ch = charges[k]!;
      if (ch.method === 'readings') {
        break;
      }
      if (ch.method === 'norm') {
        inARow = Number.POSITIVE_INFINITY;
        break;
      }
      inARow++;
    }
    if (inARow < limit) {
      average = averageMonthly(log, list, fault ? c.firstDay : -1, zones, c.digits, c.ratio);
    }
    if (average) {
      method = 'average';
      for (let i = 0; i < zones; i++) {
        zoneKwh[i] = average.monthlyKwh[i]!;
      }
    } else {
      method = 'norm';
      const residents = Math.max(1, c.residents);
      zoneKwh[0] = Math.floor(
        (c.normKwhPerResident * residents * c.limits.normCoefficientE3 * 2 + 1000) / 2000,
      );
      norm = { perResident: c.normKwhPerResident, residents, coefficientE3: c.limits.normCoefficientE3 };
    }
  }

  let kwh = 0;
  for (let i = 0; i < zones; i++) {
    kwh += zoneKwh[i]!;
  }
  const socialNorm =
    c.socialNormKwh === null
      ? null
      : c.socialNormKwh + Math.max(0, c.residents - 1) * (c.socialNormExtraKwh ?? 0);
  const zoneWithin = socialNorm === null ? null : new Array<number>(zones);
  const zoneAmountKop = new Array<number>(zones);
  let amountKop = 0;
  for (let i = 0; i < zones; i++) {
    const k = zoneKwh[i]!;
    const base = c.prices.base[i]!;
    let za: number;
    if (zoneWithin === null) {
      za = kopecks(k, base);
    } else {
      const within = k <= 0 ? k : Math.min(k, kwh > 0 ? Math.round((socialNorm! * k) / kwh) : 0);
      zoneWithin[i] = within;
      za = kopecks(within, base) + (k - within > 0 ? kopecks(k - within, c.prices.above[i]!) : 0);
    }
    zoneAmountKop[i] = za;
    amountKop += za;
  }
  return {
    method,
    reason,
    zoneKwh,
    zoneWithin,
    zoneAmountKop,
    kwh,
    amountKop,
    reading,
    baseline: method === 'readings' ? from : baseline,
    settledKwh: settled,
    average,
    norm,
    priceE5: c.prices.base[0]!,
  };
}

/** The closing's reading list as a view on the log: the baseline in front (`lead` 1) when older, then r0.. */
interface ListView {
  lead: number;
  baseline: number;
  r0: number;
  size: number;
}

/** The log index of the j-th reading of the list. */
function at(l: ListView, j: number): number {
  return j < l.lead ? l.baseline : l.r0 + j - l.lead;
}

/** computeCharge's averageMonthly over the list; `beforeDay` ≥ 0: only readings dated before it. */
function averageMonthly(
  log: ReadingLog,
  list: ListView,
  beforeDay: number,
  zones: number,
  digits: number,
  ratio: number,
): { from: number; to: number; monthlyKwh: number[] } | null {
  let usable = list.size;
  if (beforeDay >= 0) {
    while (usable > 0 && log.days[at(list, usable - 1)]! >= beforeDay) {
      usable--;
    }
  } // dates ascend
  if (usable === 0) {
    return null;
  }
  const to = at(list, usable - 1);
  // The last reading dated on or before the same day six months earlier (compared as the closing
  // compares 'YYYY-MM-DD' text: month, then day of the month), else the first.
  const m6 = log.months[to]! - 6;
  const dom = log.doms[to]!;
  let from = at(list, 0);
  for (let j = 0; j < usable; j++) {
    const x = at(list, j);
    if (log.months[x]! < m6 || (log.months[x] === m6 && log.doms[x]! <= dom)) {
      from = x;
    }
  }
  if (from === to) {
    return null;
  }
  const days = log.days[to]! - log.days[from]!;
  if (days < 89) {
    return null;
  }
  const months = days / DAYS_PER_MONTH;
  const monthlyKwh = new Array<number>(zones);
  for (let i = 0; i < zones; i++) {
    const kwh = consumption(log.values[from]![i] ?? 0, log.values[to]![i] ?? 0, digits, ratio).kwh;
    monthlyKwh[i] = Math.round(kwh / months);
  }
  return { from, to, monthlyKwh };
}

function firstDayOfMonth(month: number): number {
  return Math.floor(Date.UTC(Math.floor(month / 12), month % 12, 1) / 86_400_000);
}

/**
 * chargeKopecks (exact, through BigInt) for the everyday case of a price and a small whole
 * number of kWh, remembered per price: the model charges the same few products millions of times.
 */
const KOPECKS_MEMO = 8192;
const kopecksMemo = new Map<number, Float64Array>();
export function kopecks(kwh: number, priceE5: number): number {
  if (kwh < 0 || kwh >= KOPECKS_MEMO || !Number.isInteger(kwh)) {
    return chargeKopecks(kwh, priceE5);
  }
  let memo = kopecksMemo.get(priceE5);
  if (!memo) {
    kopecksMemo.set(priceE5, (memo = new Float64Array(KOPECKS_MEMO).fill(NaN)));
  }
  let v = memo[kwh]!;
  if (v !== v) {
    v = memo[kwh] = chargeKopecks(kwh, priceE5);
  }
  return v;
}

/**
 * The charge's details in the form billing/close-month.ts chargeDetails stores them (the same
 * keys in the same order): what "Как рассчитано", the bill and the next closing read.
 */
export function detailsJson(
  ch: MonthlyCharge,
  zoneNames: readonly string[],
  prices: MonthPrices,
  meter: { serial: string; digits: number; ratio: number },
  log: ReadingLog,
): string {
  // Parts joined once: a flat string, not a rope of concatenations (which the garbage collector
  // would copy node by node while a chunk's rows wait to be sent).
  const p = parts;
  p.length = 0;
  p.push('{"reason":', ch.reason === null ? 'null' : `"${ch.reason}"`);
  p.push(
    ',"meter":{"serial":',
    JSON.stringify(meter.serial),
    ',"digits":',
    String(meter.digits),
    ',"ratio":',
    String(meter.ratio),
    '},"zones":[',
  );
  for (let i = 0; i < zoneNames.length; i++) {
    const k = ch.zoneKwh[i]!;
    const base = prices.base[i]!;
    const within = ch.zoneWithin ? ch.zoneWithin[i]! : k;
    p.push(
      i > 0 ? ',{"zone":"' : '{"zone":"',
      zoneNames[i]!,
      '","kwh":',
      String(k),
      ',"amountKop":',
      String(ch.zoneAmountKop[i]),
    );
    p.push(
      ',"bands":[{"band":"base","kwh":',
      String(within),
      ',"priceE5":',
      String(base),
      ',"amountKop":',
      String(kopecks(within, base)),
      '}',
    );
    if (k - within > 0) {
      const hi = prices.above[i]!;
      p.push(
        ',{"band":"above_norm","kwh":',
        String(k - within),
        ',"priceE5":',
        String(hi),
        ',"amountKop":',
        String(kopecks(k - within, hi)),
        '}',
      );
    }
    p.push(']}');
  }
  p.push('],"reading":');
  readingJson(p, log, ch.reading, true);
  p.push(',"baseline":');
  readingJson(p, log, ch.baseline, true);
  let anySettled = false;
  for (const k of ch.settledKwh) {
    if (k !== 0) {
      anySettled = true;
    }
  }
  if (anySettled) {
    p.push(',"settledKwh":[', ch.settledKwh.join(','), ']');
  }
  p.push(',"average":');
  if (ch.average) {
    p.push('{"from":');
    readingJson(p, log, ch.average.from, false);
    p.push(',"to":');
    readingJson(p, log, ch.average.to, false);
    p.push(',"monthlyKwh":[', ch.average.monthlyKwh.join(','), ']}');
  } else {
    p.push('null');
  }
  p.push(',"norm":');
  if (ch.norm) {
    p.push(
      '{"perResident":',
      String(ch.norm.perResident),
      ',"residents":',
      String(ch.norm.residents),
      ',"coefficientE3":',
      String(ch.norm.coefficientE3),
      '}',
    );
  } else {
    p.push('null');
  }
  p.push(',"odnPriceE5":', String(ch.priceE5), '}');
  return p.join('');
}

const parts: string[] = [];

function readingJson(p: string[], log: ReadingLog, r: number, withId: boolean): void {
  if (r < 0) {
    p.push('null');
    return;
  }
  if (withId) {
    p.push('{"id":', String(log.ids[r]), ',"date":"');
  } else {
    p.push('{"date":"');
  }
  p.push(isoOfDay(log.days[r]!), '","values":[', log.values[r]!.join(','), ']}');
}
