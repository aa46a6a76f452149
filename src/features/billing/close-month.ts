import type { Kysely, Transaction } from 'kysely';
import type { Database } from '../../platform/db/schema.ts';
import type { Db, DbOptions } from '../../platform/db/connect.ts';
import { startModuleWorker } from '../../platform/threads.ts';
import type { CloseWorkerReply, CloseWorkerSetup } from './close-worker.protocol.ts';
import type SQLite from 'better-sqlite3';
import type { Worker } from 'node:worker_threads';
import type { BillingLimits, ChargeResult, PlanInput } from '../../domain/billing.ts';
import { computeCharge, odnKwh } from '../../domain/billing.ts';
import { chargeDetails } from '../../domain/charge-details.ts';
import { addMonths, isPeriod, lastDayOfPeriod } from '../../domain/dates.ts';
import { billingPeriodFor } from '../../domain/readings.ts';
import * as run from './billing.repository.ts';
import * as batch from './close-batch.repository.ts';
import * as writes from './charge-writes.repository.ts';
import * as recalculations from './recalculation.repository.ts';

export interface CloseOptions {
  period: string;
  /** The current period in the supplier's calendar: only earlier ones can be closed. */
  currentPeriod: string;
  limits: BillingLimits;
  readingsLastDay: number;
  now: () => Date;
  batchSize?: number;
  onProgress?: (done: number, total: number) => void;
  /**
   * Worker threads that read and compute batches in parallel, each on its own connection opened
   * with `db`, while this thread writes their charges in order. None: all in this thread.
   */
  workers?: { count: number; db: DbOptions };
}

export type CloseResult =
  | { status: 'closed'; accounts: number; totalKop: number; computed: number }
  | { status: 'already_closed'; accounts: number; totalKop: number };

export class ClosingRefused extends Error {}

/** How far back the calculation looks: the average's six months and the limits' periods in a row. */
const HISTORY_MONTHS = 13;
const PREVIOUS_PERIODS = 8;

/**
 * Closes a billing period: one charge per account, computed by the rules in force. A closed
 * period never changes (a second run is a no-op). The work is done in batches, each in one
 * transaction that skips accounts already charged, so a run killed at any moment and run again
 * leaves exactly one charge per account with the same totals as an uninterrupted run.
 */
export async function closeMonth(store: Db, opts: CloseOptions): Promise<CloseResult> {
  const db = store.kysely;
  const { period } = opts;
  if (!isPeriod(period)) {
    throw new ClosingRefused(`"${period}" is not a period (YYYY-MM)`);
  }
  const state = await run.periodState(db, period);
  if (state?.status === 'closed') {
    return { status: 'already_closed', accounts: state.accounts, totalKop: state.totalKop };
  }
  if (period >= opts.currentPeriod) {
    throw new ClosingRefused(
      `${period} has not ended yet: only periods before ${opts.currentPeriod} can be closed`,
    );
  }
  const latest = await run.latestClosedPeriod(db);
  if (latest && latest > period) {
    throw new ClosingRefused(
      `${latest} is already closed: ${period} cannot be closed after it (use recalculate)`,
    );
  }
  // Periods are closed in order, so that every debt carries forward through every month.
  if (latest && latest < addMonths(period, -1)) {
    throw new ClosingRefused(`close ${addMonths(latest, 1)} first: the last closed period is ${latest}`);
  }

  await run.startPeriod(db, period, opts.now().getTime());
  const plans = await run.loadPlans(db);
  const buildings = await run.buildingVolumes(db, period);
  const total = await run.countAccounts(db);
  const batchSize = opts.batchSize ?? 2000;
  let afterId = 0;
  let done = 0;
  let computed = 0;
  const nextBatch = async () => {
    const accounts = await run.nextAccounts(db, afterId, batchSize);
    if (accounts.length > 0) {
      afterId = accounts[accounts.length - 1]!.id;
    }
    return accounts;
  };
  const writeRows = async (tx: Transaction<Database>, rows: BatchOutput) => {
    await writes.insertCharges(tx, rows.charges, store.sqlite);
    await recalculations.markRecalculationsApplied(tx, rows.appliedRecalcs, period);
    computed += rows.charges.length;
  };
  const written = (accounts: run.BatchAccount[]) => {
    done += accounts.length;
    opts.onProgress?.(done, total);
  };

  if (opts.workers && opts.workers.count > 0) {
    const pool = new BatchPool(opts.workers.count, {
      db: opts.workers.db,
      period,
      limits: opts.limits,
      readingsLastDay: opts.readingsLastDay,
    });
    try {
      // Each worker has a batch in hand; their charges are written in batch order.
      const queue: Array<{ accounts: run.BatchAccount[]; rows: Promise<BatchOutput> }> = [];
      for (;;) {
        while (queue.length < opts.workers.count * 2) {
          const accounts = await nextBatch();
          if (accounts.length === 0) {
            break;
          }
          const rows = pool.compute(accounts);
          rows.catch(() => {}); // a failure is met when this batch's turn comes
          queue.push({ accounts, rows });
        }
        const head = queue.shift();
        if (!head) {
          break;
        }
        const rows = await head.rows;
        await db.transaction().execute((tx) => writeRows(tx, rows));
        written(head.accounts);
      }
    } finally {
      await pool.close();
    }
  } else {
    for (;;) {
      const accounts = await nextBatch();
      if (accounts.length === 0) {
        break;
      }
      // Reading, computing and writing a batch in one transaction: a consistent snapshot.
      await db.transaction().execute(async (tx) => {
        const rows = await computeBatch(tx, accounts, period, plans, buildings, opts, {
          sqlite: store.sqlite,
        });
        await writeRows(tx, rows);
      });
      written(accounts);
    }
  }
  const totals = await run.finishPeriod(db, period, opts.now().getTime());
  return { status: 'closed', ...totals, computed };
}

/**
 * Worker threads computing batches (close-worker.ts). A batch goes to the worker with the
 * fewest batches in hand; each worker answers its batches in the order it got them.
 */
class BatchPool {
  private readonly workers: Array<{ worker: Worker; waiting: Array<(r: CloseWorkerReply) => void> }>;
  private failure: Error | null = null;

  constructor(count: number, setup: CloseWorkerSetup) {
    this.workers = Array.from({ length: count }, () => {
      const w = {
        worker: startModuleWorker(import.meta.url, 'close-worker', setup),
        waiting: [] as Array<(r: CloseWorkerReply) => void>,
      };
      w.worker.on('message', (reply: CloseWorkerReply) => w.waiting.shift()?.(reply));
      const fail = (reason: unknown) => {
        const err = reason instanceof Error ? reason : new Error(String(reason));
        this.failure ??= err;
        for (const resolve of w.waiting.splice(0)) {
          resolve({ ok: false, error: err.message });
        }
      };
      w.worker.on('error', fail);
      w.worker.on('exit', (code) => fail(new Error(`a closing worker exited (code ${code})`)));
      return w;
    });
  }

  compute(accounts: run.BatchAccount[]): Promise<BatchOutput> {
    if (this.failure) {
      return Promise.reject(this.failure);
    }
    const w = this.workers.reduce((a, b) => (b.waiting.length < a.waiting.length ? b : a));
    return new Promise((resolve, reject) => {
      w.waiting.push((reply) =>
        reply.ok ? resolve(reply) : reject(new Error(`closing worker: ${reply.error}`)),
      );
      w.worker.postMessage(accounts);
    });
  }

  async close(): Promise<void> {
    await Promise.all(
      this.workers.map(async ({ worker }) => {
        worker.removeAllListeners('exit');
        await worker.terminate();
      }),
    );
  }
}

interface BatchOutput {
  charges: writes.NewCharge[];
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

export async function computeBatch(
  db: Kysely<Database>,
  accounts: run.BatchAccount[],
  period: string,
  plans: Map<number, PlanInput>,
  buildings: Map<number, run.BuildingVolume>,
  opts: Pick<CloseOptions, 'limits' | 'readingsLastDay'>,
  {
    includeCharged = false,
    sqlite,
  }: {
    includeCharged?: boolean;
    /** The SQLite handle under `db`, for the batch's big reads (see `batch.acceptedReadings`). */
    sqlite?: SQLite.Database | undefined;
  } = {},
): Promise<BatchOutput & { results: Map<number, ChargeResult> }> {
  const fromId = accounts[0]!.id;
  const toId = accounts[accounts.length - 1]!.id;
  const start = `${period}-01`;
  const end = lastDayOfPeriod(period);
  const historyFrom = `${addMonths(period, -HISTORY_MONTHS)}-01`;

  // One read of the recent charges: the period's own (accounts already charged by an interrupted
  // run) and the previous ones (by the (account_id, period) key, whatever the period holds).
  const recent = await batch.recentCharges(
    db,
    fromId,
    toId,
    addMonths(period, -PREVIOUS_PERIODS),
    period,
    sqlite,
  );
  const charged = new Set(
    includeCharged ? [] : recent.filter((c) => c.period === period).map((c) => c.accountId),
  );
  const meters = await batch.metersInService(db, fromId, toId, start, end);
  const readings = groupBy(
    await batch.acceptedReadings(db, fromId, toId, historyFrom, sqlite),
    (r) => r.accountId,
  );
  const previous = groupBy(
    recent.filter((c) => c.period < period),
    (c) => c.accountId,
  );
  const payments = await batch.paymentsIn(db, fromId, toId, start, end);
  const recalcs = groupBy(await recalculations.pendingRecalculations(db, fromId, toId), (r) => r.accountId);

  // Baselines older than the history window, and debts of accounts with a gap in their charges.
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
  for (const r of await batch.readingsById(db, missing)) {
    const list = readings.get(r.accountId) ?? [];
    list.unshift(r);
    list.sort((x, y) => (x.date < y.date ? -1 : x.date > y.date ? 1 : x.id - y.id));
    readings.set(r.accountId, list);
  }
  const gapDebts = await batch.lastDebts(db, gaps, period);

  const out: BatchOutput & { results: Map<number, ChargeResult> } = {
    charges: [],
    appliedRecalcs: [],
    results: new Map(),
  };
  for (const a of accounts) {
    if (charged.has(a.id)) {
      continue;
    }
    const plan = plans.get(a.planId);
    if (!plan) {
      throw new Error(`account ${a.number}: unknown tariff plan ${a.planId}`);
    }
    const meter = meters.get(a.id) ?? null;
    const prev = previous.get(a.id) ?? [];
    const own = (readings.get(a.id) ?? []).filter((r) => meter !== null && r.meterId === meter.id);
    const pending = recalcs.get(a.id) ?? [];
    const building = a.buildingId === null ? undefined : buildings.get(a.buildingId);
    const result = computeCharge({
      period,
      residents: a.residents,
      plan,
      meter,
      readings: own,
      readingPeriod: (r) =>
        (r as batch.BatchReading).billingPeriod ?? billingPeriodFor(r.date, opts.readingsLastDay),
      previous: prev,
      debtStartKop: prev[0]?.debtKop ?? gapDebts.get(a.id) ?? 0,
      paymentsKop: payments.get(a.id) ?? 0,
      recalcKop: pending.reduce((s, r) => s + r.amountKop, 0),
      odnKwh: building ? odnKwh({ ...building, flatAreaE2: a.areaE2 }) : null,
      limits: opts.limits,
    });
    out.results.set(a.id, result);
    out.appliedRecalcs.push(...pending.map((r) => r.id));
    out.charges.push({
      account_id: a.id,
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
      details: JSON.stringify(chargeDetails(result, meter, pending)),
      recalc_kop: result.recalcKop,
    });
  }
  return out;
}
