import {
  computeCharge,
  type BillingLimits,
  type ChargeResult,
  type MeterInput,
  type PlanInput,
  type PreviousCharge,
  type ReadingInput,
} from '../../domain/billing.ts';
import { dayNumber, isoOfDay, periodOfMonth } from './calendar.ts';

/**
 * One account's history as the monthly closing reads it from the database, kept in memory while
 * the model writes it: the accepted readings of the meter and the charges made so far. `close`
 * gives the domain's computeCharge what billing/close-batch.ts computeBatch gives it for the
 * month (accepted readings of the last 13 months plus the last billed one, the charges of the
 * last 8 periods, the plan's prices, the limits), so a generated charge is the closing's.
 */

/** close-batch.ts: HISTORY_MONTHS and PREVIOUS_PERIODS. */
const HISTORY_MONTHS = 13;
const PREVIOUS_PERIODS = 8;

export const DEFAULT_LIMITS: BillingLimits = {
  averageMaxPeriods: 6,
  averageMaxPeriodsFault: 3,
  normCoefficientE3: 1000,
};

/** An accepted reading, as close-batch.repository's BatchReading: with the period it counts in. */
interface LoggedReading extends ReadingInput {
  /** Day number of `date`. */
  day: number;
  billingPeriod: string;
}

/** A charge made, as close-batch.repository's recentCharges gives it. */
interface ChargeMade extends PreviousCharge {
  /** year × 12 + month − 1 of `period`. */
  month: number;
  debtKop: number;
}

/** What the account is charged under in the month: as the closing reads them for the batch. */
export interface MonthTerms {
  /** year × 12 + month − 1 */
  month: number;
  residents: number;
  plan: PlanInput;
  meter: MeterInput;
  paymentsKop: number;
  limits: BillingLimits;
}

/** close-batch.ts reads the period of a reading from its row. */
const readingPeriod = (r: ReadingInput): string => (r as LoggedReading).billingPeriod;

export class AccountHistory {
  /** Accepted readings, oldest first (by date, then id: the order of the closing's query). */
  private readonly readings: LoggedReading[] = [];
  /** Charges of the last PREVIOUS_PERIODS periods and back to the last based on a reading, newest first. */
  private readonly charges: ChargeMade[] = [];

  clear(): void {
    this.readings.length = 0;
    this.charges.length = 0;
  }

  /** Logs an accepted reading; `month` is the billing period it counts in. */
  addReading(id: number, day: number, values: number[], month: number): void {
    this.readings.push({ id, date: isoOfDay(day), values, day, billingPeriod: periodOfMonth(month) });
  }

  /** The values of the latest accepted reading. */
  lastValues(): number[] {
    return this.readings[this.readings.length - 1]!.values;
  }

  /** The debt at the end of the latest charge (the closing starts an account without charges from zero). */
  debtKop(): number {
    return this.charges[0]?.debtKop ?? 0;
  }

  /** Closes the month for the account: its charge, by the closing's rules, logged for the next months. */
  close(t: MonthTerms): ChargeResult {
    const period = periodOfMonth(t.month);
    const charges = this.charges;
    const from = t.month - PREVIOUS_PERIODS;
    // The closing reads the last PREVIOUS_PERIODS periods, and further back to the last charge
    // based on a reading when they hold none (close-batch.ts readLongRuns).
    while (
      charges.length > 1 &&
      charges[charges.length - 1]!.month < from &&
      charges.slice(0, -1).some((c) => c.readingId !== null)
    ) {
      charges.pop();
    }
    const recent = charges.filter((c) => c.month >= from);
    const previous = recent.some((c) => c.readingId !== null) ? recent : charges;
    const result = computeCharge({
      period,
      residents: t.residents,
      plan: t.plan,
      meter: t.meter,
      readings: this.recentReadings(t.month),
      readingPeriod,
      previous,
      debtStartKop: this.debtKop(),
      paymentsKop: t.paymentsKop,
      recalcKop: 0,
      // Generated accounts have no building with a meter of its own: no ОДН, as in the closing.
      odnKwh: null,
      limits: t.limits,
    });
    charges.unshift({
      month: t.month,
      period,
      method: result.method,
      readingId: result.reading?.id ?? null,
      // The closing reads kWh per zone from the details of charges by the average only.
      zoneKwh: result.method === 'average' ? result.zones.map((z) => z.kwh) : [result.kwh],
      debtKop: result.debtKop,
    });
    return result;
  }

  /**
   * Readings dated from the 1st of the month 13 months back with the latest one before, and the
   * last billed one in front when older.
   */
  private recentReadings(month: number): LoggedReading[] {
    const log = this.readings;
    const back = month - HISTORY_MONTHS;
    const fromDay = dayNumber(Math.floor(back / 12), (back % 12) + 1, 1);
    let first = log.length;
    while (first > 0 && log[first - 1]!.day >= fromDay) {
      first--;
    }
    // The closing also reads the latest reading before the window (close-batch.repository.ts
    // lastReadingsBefore), where the average may have to start.
    if (first <= 1) {
      return log; // computeCharge keeps no reference to the list
    }
    const list = log.slice(first - 1);
    const baselineId = this.charges.find((c) => c.readingId !== null)?.readingId;
    if (baselineId !== undefined && baselineId !== null) {
      for (let k = first - 2; k >= 0; k--) {
        if (log[k]!.id === baselineId) {
          list.unshift(log[k]!);
          break;
        }
      }
    }
    return list;
  }
}
