import type { Kysely } from 'kysely';
import type SQLite from 'better-sqlite3';
import type { Database } from '../../platform/db/schema.ts';
import type { BillingLimits, ChargeResult, PlanInput, ReadingInput } from '../../domain/billing.ts';
import { computeCharge, odnKwh } from '../../domain/billing.ts';
import { chargeDetails } from '../../domain/charge-details.ts';
import { addMonths, lastDayOfPeriod } from '../../domain/dates.ts';
import { billingPeriodFor } from '../../domain/readings.ts';
import type { BatchAccount, BuildingVolume } from './billing.repository.ts';
import {
  acceptedReadings,
  chargesSinceLastReading,
  lastDebts,
  lastReadingsBefore,
  metersInService,
  readingsOfMeters,
  paymentsIn,
  readingsById,
  recentCharges,
  type BatchCharge,
  type BatchMeter,
  type BatchReading,
} from './close-batch.repository.ts';
import type { NewCharge } from './charge-writes.repository.ts';
import { pendingRecalculations, type PendingRecalc } from './recalculation.repository.ts';

// A batch of the monthly closing computed: its accounts' data read (close-batch.repository.ts),
// one charge per account by the rules of domain/billing.ts. The closing, its worker threads and
// recalculate.ts run it.

/** How far back the calculation looks: the average's six months and the limits' periods in a row. */
const HISTORY_MONTHS = 13;
const PREVIOUS_PERIODS = 8;

/** The rules a batch is computed by: the closing's limits and the readings window. */
export interface BatchRules {
  limits: BillingLimits;
  readingsLastDay: number;
}

/** A batch's charges to write, and the recalculations they carry. */
export interface BatchOutput {
  charges: NewCharge[];
  appliedRecalcs: number[];
}

function groupBy<T>(items: T[], key: (t: T) => number): Map<number, T[]> {
  const m = new Map<number, T[]>();
  for (const it of items) {
    const k = key(it);
    const list = m.get(k);
    if (list) {
      list.push(it);
    } else {
      m.set(k, [it]);
    }
  }
  return m;
}

/** What a batch's charges are computed from besides the accounts: their data, by account id. */
interface BatchData {
  /** Accounts the period already charged (by an interrupted run), to skip. */
  charged: Set<number>;
  meters: Map<number, BatchMeter>;
  /** Meters replaced by the ones in service, and all their accepted readings (by meter id). */
  replaced: Map<number, BatchMeter>;
  replacedReadings: Map<number, BatchReading[]>;
  readings: Map<number, BatchReading[]>;
  previous: Map<number, BatchCharge[]>;
  payments: Map<number, number>;
  recalcs: Map<number, PendingRecalc[]>;
  /** Debts of accounts without a charge in the recent periods. */
  gapDebts: Map<number, number>;
}

export async function computeBatch(
  db: Kysely<Database>,
  accounts: BatchAccount[],
  period: string,
  plans: Map<number, PlanInput>,
  buildings: Map<number, BuildingVolume>,
  opts: BatchRules,
  {
    includeCharged = false,
    sqlite,
  }: {
    includeCharged?: boolean;
    /** The SQLite handle under `db`, for the batch's big reads (see `acceptedReadings`). */
    sqlite?: SQLite.Database | undefined;
  } = {},
): Promise<BatchOutput & { results: Map<number, ChargeResult> }> {
  const data = await readBatch(db, accounts, period, includeCharged, sqlite);
  const end = lastDayOfPeriod(period);
  const readingPeriod = (r: ReadingInput) =>
    (r as BatchReading).billingPeriod ?? billingPeriodFor(r.date, opts.readingsLastDay);
  const out: BatchOutput & { results: Map<number, ChargeResult> } = {
    charges: [],
    appliedRecalcs: [],
    results: new Map(),
  };
  for (const a of accounts) {
    if (data.charged.has(a.id)) {
      continue;
    }
    const plan = plans.get(a.planId);
    if (!plan) {
      throw new Error(`account ${a.number}: unknown tariff plan ${a.planId}`);
    }
    const meter = data.meters.get(a.id) ?? null;
    const prev = data.previous.get(a.id) ?? [];
    const own = (data.readings.get(a.id) ?? []).filter((r) => meter !== null && r.meterId === meter.id);
    const old = data.replaced.get(a.id);
    const pending = data.recalcs.get(a.id) ?? [];
    const building = a.buildingId === null ? undefined : buildings.get(a.buildingId);
    const result = computeCharge({
      period,
      residents: a.residents,
      plan,
      meter,
      readings: own,
      replaced: old ? { meter: old, readings: data.replacedReadings.get(old.id) ?? [] } : null,
      readingPeriod,
      previous: prev,
      debtStartKop: prev[0]?.debtKop ?? data.gapDebts.get(a.id) ?? 0,
      paymentsKop: data.payments.get(a.id) ?? 0,
      recalcKop: pending.reduce((s, r) => s + r.amountKop, 0),
      odnKwh: building ? odnKwh({ ...building, flatAreaE2: a.areaE2 }) : null,
      limits: opts.limits,
    });
    out.results.set(a.id, result);
    out.appliedRecalcs.push(...pending.map((r) => r.id));
    out.charges.push(chargeRow(a.id, period, end, result, meter, pending, old ?? null));
  }
  return out;
}

/** The batch's data, in as few queries as the batch allows. */
async function readBatch(
  db: Kysely<Database>,
  accounts: BatchAccount[],
  period: string,
  includeCharged: boolean,
  sqlite: SQLite.Database | undefined,
): Promise<BatchData> {
  const fromId = accounts[0]!.id;
  const toId = accounts[accounts.length - 1]!.id;
  const start = `${period}-01`;
  const end = lastDayOfPeriod(period);
  const historyFrom = `${addMonths(period, -HISTORY_MONTHS)}-01`;

  // One read of the recent charges: the period's own (accounts already charged by an interrupted
  // run) and the previous ones (by the (account_id, period) key, whatever the period holds).
  const recent = await recentCharges(db, fromId, toId, addMonths(period, -PREVIOUS_PERIODS), period, sqlite);
  const charged = new Set(
    includeCharged ? [] : recent.filter((c) => c.period === period).map((c) => c.accountId),
  );
  const { inService: meters, replaced } = await metersInService(db, fromId, toId, start, end);
  // Few accounts have a replaced meter: its whole history is one small read, wherever its final reading lies.
  const replacedReadings = await readingsOfMeters(
    db,
    [...replaced.values()].map((m) => m.id),
  );
  // The latest reading before the window first: the rest are newer, so each list stays in order.
  const readings = groupBy(
    [
      ...(await lastReadingsBefore(db, fromId, toId, historyFrom)),
      ...(await acceptedReadings(db, fromId, toId, historyFrom, sqlite)),
    ],
    (r) => r.accountId,
  );
  const previous = groupBy(
    recent.filter((c) => c.period < period),
    (c) => c.accountId,
  );
  await readLongRuns(db, accounts, meters, previous, addMonths(period, -PREVIOUS_PERIODS));
  const payments = await paymentsIn(db, fromId, toId, start, end);
  const recalcs = groupBy(await pendingRecalculations(db, fromId, toId), (r) => r.accountId);
  const gapDebts = await readBeyondHistory(db, accounts, period, readings, previous);
  return { charged, meters, replaced, replacedReadings, readings, previous, payments, recalcs, gapDebts };
}

/**
 * Adds to `previous` the older charges of accounts with a meter whose recent charges are all
 * estimates: back to the last one based on a reading (the baseline of the next reading; the
 * averages since it are settled by that reading). Without them, a reading would be counted from
 * the oldest reading loaded and a run past the window would be billed again by its last reading.
 */
async function readLongRuns(
  db: Kysely<Database>,
  accounts: BatchAccount[],
  meters: Map<number, BatchMeter>,
  previous: Map<number, BatchCharge[]>,
  windowStart: string,
): Promise<void> {
  const ids = accounts
    .filter((a) => meters.has(a.id) && !(previous.get(a.id) ?? []).some((c) => c.readingId !== null))
    .map((a) => a.id);
  for (const c of await chargesSinceLastReading(db, ids, windowStart)) {
    const list = previous.get(c.accountId) ?? [];
    list.push(c);
    previous.set(c.accountId, list);
  }
}

/**
 * What lies before the batch's history window: baselines (the last billed readings) older than
 * it, added to `readings`; and the debts of accounts with a gap in their charges, returned.
 */
async function readBeyondHistory(
  db: Kysely<Database>,
  accounts: BatchAccount[],
  period: string,
  readings: Map<number, BatchReading[]>,
  previous: Map<number, BatchCharge[]>,
): Promise<Map<number, number>> {
  const known = new Set<number>();
  for (const list of readings.values()) {
    for (const r of list) {
      known.add(r.id);
    }
  }
  const missing: number[] = [];
  const gaps: number[] = [];
  for (const a of accounts) {
    const prev = previous.get(a.id);
    const baseline = prev?.find((c) => c.readingId !== null)?.readingId;
    if (baseline != null && !known.has(baseline)) {
      missing.push(baseline);
    }
    if (!prev) {
      gaps.push(a.id);
    }
  }
  for (const r of await readingsById(db, missing)) {
    const list = readings.get(r.accountId) ?? [];
    list.unshift(r);
    list.sort((x, y) => (x.date < y.date ? -1 : x.date > y.date ? 1 : x.id - y.id));
    readings.set(r.accountId, list);
  }
  return lastDebts(db, gaps, period);
}

/** The charges row of an account's result. */
function chargeRow(
  accountId: number,
  period: string,
  end: string,
  result: ChargeResult,
  meter: BatchMeter | null,
  pending: PendingRecalc[],
  replaced: BatchMeter | null,
): NewCharge {
  return {
    account_id: accountId,
    period,
    billed_on: end,
    reading_id: result.reading?.id ?? null,
    reading_value: result.reading?.values[0] ?? null,
    kwh: result.kwh,
    amount_kop: result.amountKop,
    odn_kwh: result.odnKwh,
    odn_kop: result.odnKop,
    method: result.method,
    payments_kop: result.paymentsKop,
    debt_start_kop: result.debtStartKop,
    debt_kop: result.debtKop,
    tariff_e5: result.priceE5,
    details: JSON.stringify(chargeDetails(result, meter, pending, replaced)),
    recalc_kop: result.recalcKop,
  };
}
