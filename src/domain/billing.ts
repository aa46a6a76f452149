import { consumption } from './consumption.ts';
import { addMonths, daysBetween, type IsoDate } from './dates.ts';
import { chargeKopecks, type Kopecks } from './money.ts';
import { priceOf, priceZones, socialNorm, sumOf, tariffOf, type ZoneCharge } from './pricing.ts';
import { zonesFor, type PriceRow, type Zone } from './tariff.ts';

export type { ZoneCharge } from './pricing.ts';

/**
 * The monthly charge of one account (Decree 354): by readings; by the average (п.59) when no
 * reading counts or the meter is unfit, for a limited number of periods in a row; by the norm
 * (п.42, п.60) after that or without a meter. Pure: every input is given, nothing is read.
 */

export type Method = 'readings' | 'average' | 'norm';

/** Why a charge is not by readings: 59б no reading, 59а meter unfit, п.42 no meter. */
export type EstimateReason = 'no_reading' | 'meter_fault' | 'no_meter';

export interface MeterInput {
  id: number;
  digits: number;
  ratio: number;
  zones: number;
  verificationDue: IsoDate;
}

/**
 * The meter removed when the one in service was installed, with its accepted readings, oldest
 * first: the last is its final reading, taken when it was removed. Until a charge is based on a
 * reading of the new meter, the old meter's consumption since its last billed reading (up to the
 * final one) is still to be charged: the first charge by readings after the replacement counts both.
 * The replacement keeps the zones (a change of zones is a change of tariff plan, refused there).
 */
export interface ReplacedMeterInput {
  meter: MeterInput;
  readings: ReadingInput[];
}

export interface ReadingInput {
  id: number;
  date: IsoDate;
  values: number[];
}

export interface PreviousCharge {
  period: string;
  method: Method;
  readingId: number | null;
  /**
   * kWh per zone charged; for the settlement when readings resume, which reads it only for
   * charges by the average (for the other methods a loader may give the total as one figure).
   */
  zoneKwh: number[];
}

export interface BillingLimits {
  averageMaxPeriods: number;
  averageMaxPeriodsFault: number;
  /** The п.60 increasing coefficient in thousandths (1000 = 1.0). */
  normCoefficientE3: number;
}

export interface PlanInput {
  zones: number;
  normKwhPerResident: number;
  socialNormKwh: number | null;
  socialNormExtraKwh: number | null;
  prices: PriceRow[];
}

export interface ChargeInput {
  period: string;
  residents: number;
  plan: PlanInput;
  /** The meter in service during the period, or null. */
  meter: MeterInput | null;
  /** Accepted readings of that meter, oldest first, covering at least the last 13 months and the last billed one. */
  readings: ReadingInput[];
  /** The meter that one replaced, when it was replaced; none (or null) otherwise. */
  replaced?: ReplacedMeterInput | null;
  /** For each reading id, the period it counts in (the readings window); readings absent count by their date. */
  readingPeriod: (r: ReadingInput) => string;
  /** Earlier charges, newest first (at least as many as the average limits). */
  previous: PreviousCharge[];
  debtStartKop: Kopecks;
  paymentsKop: Kopecks;
  recalcKop: Kopecks;
  /** ОДН volume for the account, kWh, when the building's data exist. */
  odnKwh: number | null;
  limits: BillingLimits;
}

export interface ChargeResult {
  method: Method;
  reason: EstimateReason | null;
  zones: ZoneCharge[];
  kwh: number;
  amountKop: Kopecks;
  odnKwh: number;
  odnKop: Kopecks;
  odnPriceE5: number;
  debtStartKop: Kopecks;
  paymentsKop: Kopecks;
  recalcKop: Kopecks;
  debtKop: Kopecks;
  /** The reading this charge is based on (method readings), and the one it is counted from. */
  reading: ReadingInput | null;
  baseline: ReadingInput | null;
  /** kWh estimated in earlier periods and settled by this reading, per zone. */
  settledKwh: number[];
  /** The replaced meter's consumption counted in this charge (from its last billed reading to its final one). */
  replaced: RemovedMeterKwh | null;
  /** For the average: the readings it was taken between, and the monthly kWh per zone. */
  average: { from: ReadingInput; to: ReadingInput; monthlyKwh: number[] } | null;
  /** For the norm: kWh per resident, residents and the coefficient. */
  norm: { perResident: number; residents: number; coefficientE3: number } | null;
  /** The main price (first zone), for the charge row. */
  priceE5: number;
}

export interface RemovedMeterKwh {
  meterId: number;
  from: ReadingInput;
  to: ReadingInput;
  zoneKwh: number[];
}

const DAYS_PER_MONTH = 365.25 / 12;

export function computeCharge(input: ChargeInput): ChargeResult {
  const zones = zonesFor(input.meter?.zones ?? input.plan.zones);
  const tariff = tariffOf(input.plan.prices, input.period);
  const volume = chargeVolume(input, zones);
  const kwh = sum(volume.zoneKwh);
  const zoneCharges = priceZones(zones, volume.zoneKwh, kwh, tariff, socialNorm(input.plan, input.residents));
  const amountKop = sumOf(zoneCharges);
  const odnPriceE5 = priceOf(tariff, zones[0]!);
  const odnKwh = input.odnKwh ?? 0;
  // Most accounts have no building meter: no ОДН, and no need of the exact product to know it.
  // Stryker disable next-line ConditionalExpression: 0 kWh cost 0 kopecks by the product too (a shortcut, not a rule)
  const odnKop = odnKwh === 0 ? 0 : chargeKopecks(odnKwh, odnPriceE5);
  return {
    method: volume.method,
    reason: volume.reason,
    zones: zoneCharges,
    kwh,
    amountKop,
    odnKwh,
    odnKop,
    odnPriceE5,
    debtStartKop: input.debtStartKop,
    paymentsKop: input.paymentsKop,
    recalcKop: input.recalcKop,
    debtKop: input.debtStartKop + amountKop + odnKop + input.recalcKop - input.paymentsKop,
    reading: volume.reading,
    baseline: volume.baseline,
    settledKwh: volume.settledKwh,
    replaced: volume.replaced,
    average: volume.average,
    norm: volume.norm,
    priceE5: odnPriceE5,
  };
}

// Plain loops rather than map/reduce/find in this path: it runs for every account of a closing
// and 24 million times for the generator's million accounts.

function sum(xs: number[]): number {
  let s = 0;
  for (const x of xs) {
    s += x;
  }
  return s;
}

/** How much is charged per zone, by which method and why: everything of the charge but the money. */
interface Volume {
  method: Method;
  reason: EstimateReason | null;
  zoneKwh: number[];
  reading: ReadingInput | null;
  baseline: ReadingInput | null;
  settledKwh: number[];
  replaced: RemovedMeterKwh | null;
  average: ChargeResult['average'];
  norm: ChargeResult['norm'];
}

/** By readings when a reading after the last billed one counts for the period, else an estimate. */
function chargeVolume(input: ChargeInput, zones: Zone[]): Volume {
  const meter = input.meter;
  const baseline = lastBilledReading(input.previous, input.readings);
  if (meter === null) {
    return byEstimate(input, zones, 'no_meter', baseline);
  }
  // Due on any day of the period or before. Compared by month, as text: working out the period's
  // last day cost as much as all the rest of a charge.
  if (meter.verificationDue.slice(0, 7) <= input.period) {
    return byEstimate(input, zones, 'meter_fault', baseline);
  }
  const candidate = latestReadingAfter(input, baseline);
  return candidate
    ? byReadings(input, meter, zones, candidate, baseline)
    : byEstimate(input, zones, 'no_reading', baseline);
}

/** The reading of the latest charge based on one, when it is among the readings given. */
function lastBilledReading(previous: PreviousCharge[], readings: ReadingInput[]): ReadingInput | null {
  for (const c of previous) {
    if (c.readingId !== null) {
      for (const r of readings) {
        if (r.id === c.readingId) {
          return r;
        }
      }
      return null;
    }
  }
  return null;
}

/** The latest reading counting for the period (or an earlier one) that is newer than the baseline. */
function latestReadingAfter(input: ChargeInput, baseline: ReadingInput | null): ReadingInput | undefined {
  for (let i = input.readings.length - 1; i >= 0; i--) {
    const r = input.readings[i]!;
    if (
      input.readingPeriod(r) <= input.period &&
      (!baseline || r.date > baseline.date || (r.date === baseline.date && r.id > baseline.id))
    ) {
      return r;
    }
  }
  return undefined;
}

/** Consumption since the baseline (else the earliest earlier reading), less what estimates charged meanwhile. */
function byReadings(
  input: ChargeInput,
  meter: MeterInput,
  zones: Zone[],
  reading: ReadingInput,
  baseline: ReadingInput | null,
): Volume {
  const from = baseline ?? earliestBefore(input.readings, reading);
  // No reading of this meter billed yet: what the replaced meter measured since its last billed reading counts too.
  const replaced = baseline === null ? removedMeterKwh(input, zones.length) : null;
  const zoneKwh: number[] = [];
  const settledKwh: number[] = [];
  for (let i = 0; i < zones.length; i++) {
    const raw = from
      ? consumption(from.values[i] ?? 0, reading.values[i] ?? 0, meter.digits, meter.ratio).kwh
      : 0;
    // Periods charged by an estimate since the last billed reading are settled now (п.61).
    const settled = estimatedSince(input.previous, i);
    settledKwh.push(settled);
    zoneKwh.push(raw + (replaced?.zoneKwh[i] ?? 0) - settled);
  }
  return {
    method: 'readings',
    reason: null,
    zoneKwh,
    reading,
    baseline: from,
    settledKwh,
    replaced,
    average: null,
    norm: null,
  };
}

/** The replaced meter's kWh per zone from its last billed reading (else its first) to its final one; null when none is left. */
function removedMeterKwh(input: ChargeInput, zoneCount: number): RemovedMeterKwh | null {
  const old = input.replaced;
  const to = old?.readings[old.readings.length - 1];
  // Stryker disable next-line LogicalOperator: without an old meter there is no `to` either, so `&&` returns null alike
  if (!old || !to) {
    return null;
  }
  const billed = lastBilledReading(input.previous, old.readings);
  const from = billed ?? earliestBefore(old.readings, to);
  if (!from || from.id === to.id) {
    return null;
  }
  const zoneKwh: number[] = [];
  for (let i = 0; i < zoneCount; i++) {
    zoneKwh.push(consumption(from.values[i] ?? 0, to.values[i] ?? 0, old.meter.digits, old.meter.ratio).kwh);
  }
  return { meterId: old.meter.id, from, to, zoneKwh };
}

/** The average (п.59) while the limit of periods in a row allows and the history suffices, else the norm. */
function byEstimate(
  input: ChargeInput,
  zones: Zone[],
  reason: EstimateReason,
  baseline: ReadingInput | null,
): Volume {
  const meter = input.meter;
  const limit =
    reason === 'meter_fault' ? input.limits.averageMaxPeriodsFault : input.limits.averageMaxPeriods;
  const average =
    meter && countAverageInARow(input.previous) < limit
      ? averageMonthly(
          // Only what was known for the period: a month closed late gets the average it would have had on time.
          input.readings.filter((r) => input.readingPeriod(r) <= input.period),
          meter,
          // Past verification: nothing the meter showed after its due date, nor in this period, counts.
          reason === 'meter_fault' ? earlierDate(`${input.period}-01`, meter.verificationDue) : null,
        )
      : null;
  const settledKwh = zones.map(() => 0);
  if (average) {
    const zoneKwh = zones.map((_, i) => average.monthlyKwh[i] ?? 0);
    return {
      method: 'average',
      reason,
      zoneKwh,
      reading: null,
      baseline,
      settledKwh,
      replaced: null,
      average,
      norm: null,
    };
  }
  const norm = {
    perResident: input.plan.normKwhPerResident,
    residents: Math.max(1, input.residents),
    coefficientE3: input.limits.normCoefficientE3,
  };
  const total = roundHalfUp(norm.perResident * norm.residents * norm.coefficientE3, 1000);
  // The norm is one volume: charged at the first zone's price.
  const zoneKwh = zones.map((_, i) => (i === 0 ? total : 0));
  return {
    method: 'norm',
    reason,
    zoneKwh,
    reading: null,
    baseline,
    settledKwh,
    replaced: null,
    average: null,
    norm,
  };
}

/** kWh of zone i charged by estimates since the last charge based on a reading. */
function estimatedSince(previous: PreviousCharge[], i: number): number {
  let sum = 0;
  for (const c of previous) {
    if (c.method === 'readings') {
      break;
    }
    if (c.method === 'average') {
      sum += c.zoneKwh[i] ?? 0;
    }
  }
  return sum;
}

/**
 * Periods charged by the average since the last charge by readings. Once the norm has been
 * charged in that run, the average is over until a reading comes (Infinity), whatever the window.
 */
function countAverageInARow(previous: PreviousCharge[]): number {
  let n = 0;
  for (const c of previous) {
    if (c.method === 'readings') {
      break;
    }
    if (c.method === 'norm') {
      return Number.POSITIVE_INFINITY;
    }
    n++;
  }
  return n;
}

function earlierDate(a: IsoDate, b: IsoDate): IsoDate {
  // Stryker disable next-line EqualityOperator: on a tie a and b are the same date
  return a < b ? a : b;
}

/** The first of the readings dated before `r`. */
function earliestBefore(readings: ReadingInput[], r: ReadingInput): ReadingInput | null {
  for (const x of readings) {
    if (x.date < r.date) {
      return x;
    }
  }
  return null;
}

/**
 * Average monthly consumption per zone (п.59): over at least 6 months of readings, or the
 * meter's actual period if shorter but not less than 3 months. Only readings before `before`
 * count (a meter past verification: readings after that date are not used).
 */
export function averageMonthly(
  readings: ReadingInput[],
  meter: MeterInput,
  before: IsoDate | null,
): { from: ReadingInput; to: ReadingInput; monthlyKwh: number[] } | null {
  const usable = before ? readings.filter((r) => r.date < before) : readings;
  const to = usable[usable.length - 1];
  if (!to) {
    return null;
  }
  // Stryker disable next-line MethodExpression: addMonths reads the year and month alone, so the day may stay
  const toMonth = to.date.slice(0, 7);
  const sixMonthsBefore = `${addMonths(toMonth, -6)}${to.date.slice(7)}`;
  const older = usable.filter((r) => r.date <= sixMonthsBefore);
  // `usable` holds `to` at least; a single reading gives 0 days, below the minimum.
  const from = older[older.length - 1] ?? usable[0]!;
  const days = daysBetween(from.date, to.date);
  if (days < 89) {
    return null;
  } // less than three months of history
  const months = days / DAYS_PER_MONTH;
  const monthlyKwh = zonesFor(meter.zones).map((_, i) => {
    const kwh = consumption(from.values[i] ?? 0, to.values[i] ?? 0, meter.digits, meter.ratio).kwh;
    return Math.round(kwh / months);
  });
  return { from, to, monthlyKwh };
}

function roundHalfUp(numerator: number, denominator: number): number {
  return Math.floor((numerator * 2 + denominator) / (denominator * 2));
}

/**
 * ОДН for one flat with a building meter: (V_building − V_non-residential − V_flats_without_meters
 * − V_flats_with_meters) × S_flat / S_total, in whole kWh, never negative.
 */
export function odnKwh(v: {
  totalKwh: number;
  nonresidentialKwh: number;
  unmeteredFlatsKwh: number;
  meteredFlatsKwh: number;
  flatAreaE2: number;
  flatsAreaE2: number;
}): number {
  const common = v.totalKwh - v.nonresidentialKwh - v.unmeteredFlatsKwh - v.meteredFlatsKwh;
  // Stryker disable next-line EqualityOperator: with no common volume (0) the share is 0 either way
  if (common <= 0) {
    return 0;
  }
  if (v.flatsAreaE2 <= 0) {
    return 0;
  }
  return roundHalfUp(common * v.flatAreaE2, v.flatsAreaE2);
}
