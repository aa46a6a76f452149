import { consumption } from './consumption.ts';
import { addMonths, daysBetween, lastDayOfPeriod, type IsoDate } from './dates.ts';
import { chargeKopecks, type Kopecks } from './money.ts';
import { pricesOn, zonesFor, type PriceRow, type Zone } from './tariff.ts';

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

export interface ZoneCharge {
  zone: Zone;
  kwh: number;
  /** The price and, with a social norm, the split between the bands. */
  bands: Array<{ band: 'base' | 'above_norm'; kwh: number; priceE5: number; amountKop: Kopecks }>;
  amountKop: Kopecks;
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
  /** For the average: the readings it was taken between, and the monthly kWh per zone. */
  average: { from: ReadingInput; to: ReadingInput; monthlyKwh: number[] } | null;
  /** For the norm: kWh per resident, residents and the coefficient. */
  norm: { perResident: number; residents: number; coefficientE3: number } | null;
  /** The main price (first zone), for the charge row. */
  priceE5: number;
}

const DAYS_PER_MONTH = 365.25 / 12;

export function computeCharge(input: ChargeInput): ChargeResult {
  const periodStart = `${input.period}-01`;
  const periodEnd = lastDayOfPeriod(input.period);
  const zones = zonesFor(input.meter?.zones ?? input.plan.zones);
  const prices = pricesOn(input.plan.prices, periodStart);
  const above = pricesAboveNorm(input.plan.prices, periodStart);
  const priceOf = (zone: Zone): number => {
    const p = prices.get(zone) ?? prices.get('single') ?? [...prices.values()][0];
    if (p === undefined) {
      throw new Error(`no price in force on ${periodStart}`);
    }
    return p;
  };

  const meter = input.meter;
  const fault = meter !== null && meter.verificationDue <= periodEnd;
  const lastBilledCharge = input.previous.find((c) => c.readingId !== null);
  const baseline = lastBilledCharge
    ? (input.readings.find((r) => r.id === lastBilledCharge.readingId) ?? null)
    : null;

  let method: Method;
  let reason: EstimateReason | null = null;
  let zoneKwh: number[];
  let reading: ReadingInput | null = null;
  let settled = zones.map(() => 0);
  let average: ChargeResult['average'] = null;
  let norm: ChargeResult['norm'] = null;

  const candidate =
    meter && !fault
      ? [...input.readings]
          .reverse()
          .find(
            (r) =>
              input.readingPeriod(r) <= input.period &&
              (!baseline || r.date > baseline.date || (r.date === baseline.date && r.id > baseline.id)),
          )
      : undefined;

  if (meter && !fault && candidate) {
    method = 'readings';
    reading = candidate;
    const from = baseline ?? earliestBefore(input.readings, candidate);
    const raw = zones.map((_, i) =>
      from ? consumption(from.values[i] ?? 0, candidate.values[i] ?? 0, meter.digits, meter.ratio).kwh : 0,
    );
    // Periods charged by an estimate since the last billed reading are settled now (п.61).
    settled = zones.map((_, i) => estimatedSince(input.previous, i));
    zoneKwh = raw.map((k, i) => k - (settled[i] ?? 0));
  } else {
    reason = meter === null ? 'no_meter' : fault ? 'meter_fault' : 'no_reading';
    const limit =
      reason === 'meter_fault' ? input.limits.averageMaxPeriodsFault : input.limits.averageMaxPeriods;
    const inARow = countAverageInARow(input.previous);
    const avg =
      meter && reason !== 'no_meter' && inARow < limit
        ? averageMonthly(
            // Only what was known for the period: a month closed late gets the average it would have had on time.
            input.readings.filter((r) => input.readingPeriod(r) <= input.period),
            meter,
            fault ? periodStart : null,
          )
        : null;
    if (avg && meter) {
      method = 'average';
      average = avg;
      zoneKwh = zones.map((_, i) => avg.monthlyKwh[i] ?? 0);
    } else {
      method = 'norm';
      const residents = Math.max(1, input.residents);
      const total = roundHalfUp(
        input.plan.normKwhPerResident * residents * input.limits.normCoefficientE3,
        1000,
      );
      norm = {
        perResident: input.plan.normKwhPerResident,
        residents,
        coefficientE3: input.limits.normCoefficientE3,
      };
      // The norm is one volume: charged at the first zone's price.
      zoneKwh = zones.map((_, i) => (i === 0 ? total : 0));
    }
  }

  const socialNorm =
    input.plan.socialNormKwh === null
      ? null
      : input.plan.socialNormKwh + Math.max(0, input.residents - 1) * (input.plan.socialNormExtraKwh ?? 0);
  const totalKwh = zoneKwh.reduce((s, k) => s + k, 0);
  const zoneCharges: ZoneCharge[] = zones.map((zone, i) => {
    const kwh = zoneKwh[i] ?? 0;
    const base = priceOf(zone);
    // With a social norm (Decree 614), each zone gets its share of the norm at the base price.
    const within =
      socialNorm === null || kwh <= 0
        ? kwh
        : Math.min(kwh, totalKwh > 0 ? Math.round((socialNorm * kwh) / totalKwh) : 0);
    const bands: ZoneCharge['bands'] = [
      { band: 'base', kwh: within, priceE5: base, amountKop: chargeKopecks(within, base) },
    ];
    if (kwh - within > 0) {
      const hi = above.get(zone) ?? base;
      bands.push({
        band: 'above_norm',
        kwh: kwh - within,
        priceE5: hi,
        amountKop: chargeKopecks(kwh - within, hi),
      });
    }
    return { zone, kwh, bands, amountKop: bands.reduce((s, b) => s + b.amountKop, 0) };
  });

  const amountKop = zoneCharges.reduce((s, z) => s + z.amountKop, 0);
  const odnPriceE5 = priceOf(zones[0]!);
  const odnKwh = input.odnKwh ?? 0;
  const odnKop = chargeKopecks(odnKwh, odnPriceE5);
  return {
    method,
    reason,
    zones: zoneCharges,
    kwh: totalKwh,
    amountKop,
    odnKwh,
    odnKop,
    odnPriceE5,
    debtStartKop: input.debtStartKop,
    paymentsKop: input.paymentsKop,
    recalcKop: input.recalcKop,
    debtKop: input.debtStartKop + amountKop + odnKop + input.recalcKop - input.paymentsKop,
    reading,
    baseline:
      method === 'readings'
        ? (baseline ?? (reading ? earliestBefore(input.readings, reading) : null))
        : baseline,
    settledKwh: settled,
    average,
    norm,
    priceE5: priceOf(zones[0]!),
  };
}

function pricesAboveNorm(rows: PriceRow[], date: string): Map<string, number> {
  return pricesOn(
    rows.filter((r) => r.band === 'above_norm').map((r) => ({ ...r, band: 'base' })),
    date,
  );
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

function earliestBefore(readings: ReadingInput[], r: ReadingInput): ReadingInput | null {
  const earlier = readings.filter((x) => x.date < r.date);
  return earlier[0] ?? null;
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
  const sixMonthsBefore = `${addMonths(to.date.slice(0, 7), -6)}${to.date.slice(7)}`;
  const older = usable.filter((r) => r.date <= sixMonthsBefore);
  const from = older[older.length - 1] ?? usable[0];
  if (!from || from === to) {
    return null;
  }
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
  if (common <= 0 || v.flatsAreaE2 <= 0) {
    return 0;
  }
  return roundHalfUp(common * v.flatAreaE2, v.flatsAreaE2);
}
