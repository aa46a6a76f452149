import type { Kysely, Transaction } from 'kysely';
import type { Database } from '../../platform/db/schema.ts';
import type { Db, DbOptions } from '../../platform/db/connect.ts';
import { startModuleWorker } from '../../platform/threads.ts';
import type { CloseWorkerReply, CloseWorkerSetup } from './close-worker.protocol.ts';
import type { Worker } from 'node:worker_threads';
import type { PlanInput } from '../../domain/billing.ts';
import { addMonths, formatDateRu, isPeriod } from '../../domain/dates.ts';
import { tariffOf } from '../../domain/pricing.ts';
import { zonesFor } from '../../domain/tariff.ts';
import {
  buildingVolumes,
  countAccounts,
  finishPeriod,
  latestClosedPeriod,
  loadPlans,
  nextAccounts,
  periodState,
  plansInUse,
  releaseUncharged,
  startPeriod,
  type BatchAccount,
  type BuildingVolume,
  type PlanInUse,
} from './billing.repository.ts';
import { insertCharges } from './charge-writes.repository.ts';
import { markRecalculationsApplied } from './recalculation.repository.ts';
import { computeBatch, type BatchOutput, type BatchRules } from './close-batch.ts';
import { Refused } from '../../platform/refused.ts';
import { lockPrices } from '../tariffs/tariffs.repository.ts';
import { activeJob, markPeriodProgress } from './closing-jobs.repository.ts';

export interface CloseOptions extends BatchRules {
  period: string;
  /** The current period in the supplier's calendar: only earlier ones can be closed. */
  currentPeriod: string;
  now: () => Date;
  batchSize?: number;
  /**
   * Called after each batch's charges are committed: accounts done of the total, and the last
   * account id done (a later run may start after it with `resumeAfter`).
   */
  onProgress?: (done: number, total: number, lastId: number) => unknown;
  /**
   * Where an interrupted run of this period had got to (a back-office closing job keeps it): the
   * accounts up to `afterId` are charged and counted in `done`. Without it every account is
   * visited again, the charged ones skipped.
   */
  resumeAfter?: { afterId: number; done: number };
  /**
   * Worker threads that read and compute batches in parallel, each on its own connection opened
   * with `db`, while this thread writes their charges in order. None: all in this thread.
   */
  workers?: { count: number; db: DbOptions };
  /**
   * A run outside the back office's closing jobs (the CLI's `close-month`): refused while a job
   * is queued or running, for any period, so that two closings never run at once.
   */
  outsideJobs?: boolean;
}

export type CloseResult =
  | { status: 'closed'; accounts: number; totalKop: number; computed: number }
  | { status: 'already_closed'; accounts: number; totalKop: number };

export class ClosingRefused extends Refused {}

/**
 * Closes a billing period: one charge per account, computed by the rules in force. A closed
 * period never changes (a second run is a no-op). The work is done in batches, each in one
 * transaction that skips accounts already charged, so a run killed at any moment and run again
 * leaves exactly one charge per account with the same totals as an uninterrupted run.
 */
export async function closeMonth(store: Db, opts: CloseOptions): Promise<CloseResult> {
  const db = store.kysely;
  const { period } = opts;
  const closed = await alreadyClosed(db, opts);
  if (closed) {
    return closed;
  }
  await markClosing(db, period, opts.now().getTime(), opts.outsideJobs === true);
  const plans = await loadPlans(db);
  const buildings = await buildingVolumes(db, period);
  const run = new ClosingRun(store, opts, await countAccounts(db, `${period}-01`));
  if (opts.workers && opts.workers.count > 0) {
    await closeWithWorkers(run, opts.workers, opts);
  } else {
    await closeInThisThread(run, plans, buildings, opts);
  }
  const totals = await finishPeriod(db, period, opts.now().getTime());
  return { status: 'closed', ...totals, computed: run.computed };
}

/**
 * Marks the month «closing» under the prices' lock, which every tariff write holds from before its
 * check that the month is open until its commit (tariffs.service.ts `writePrices`). The prices
 * are read only after this commit (`loadPlans`, and each worker thread's own), so a write either
 * committed before the mark, and its price is charged, or waits for the lock and then sees the
 * month closing and is refused: no price of a closing month is written, none is charged stale.
 *
 * The same on both databases: on PostgreSQL the lock is a row lock held to the end of each
 * transaction; on SQLite a write transaction holds the single write lock, and the closing's
 * batches are separate short transactions after this one, none of which writes prices, so a
 * tariff write between two batches takes its turn, sees the mark, and is refused.
 */
async function markClosing(
  db: Kysely<Database>,
  period: string,
  now: number,
  outsideJobs: boolean,
): Promise<void> {
  const missing = await db.transaction().execute(async (tx) => {
    await lockPrices(tx, now);
    // Under the same lock as a back-office request (closing-job.ts `requestClosing`): either the
    // job is seen here, or this mark is seen there.
    const job = outsideJobs ? await activeJob(tx) : undefined;
    if (job) {
      throw new ClosingRefused(
        `the back office's closing job #${job.id} for ${job.period} is ${job.state}: ` +
          `no closing may run beside it; wait for it to end (see /office/closing)`,
      );
    }
    // Checked before the mark, under the lock: a month marked «closing» refuses new prices, so a
    // closing that stopped on a missing price would leave the supplier unable to add it.
    const missing = withoutPrice(await loadPlans(tx), await plansInUse(tx, `${period}-01`), period);
    if (missing.length > 0) {
      // A month left «closing» without a charge by an earlier run (before this check) is released.
      await releaseUncharged(tx, period);
      return missing;
    }
    await startPeriod(tx, period, now);
    await markPeriodProgress(tx, period, now);
    return [];
  });
  if (missing.length > 0) {
    throw new ClosingRefused(noPriceMessage(missing, period));
  }
}

/** The plans in use with no price in force on the period's first day (the charge could not be priced). */
function withoutPrice(plans: Map<number, PlanInput>, inUse: PlanInUse[], period: string): PlanInUse[] {
  // A zone without its own price takes the single rate or any other (pricing.ts `priceOf`): a plan
  // lacks a price only when it has none at all in force.
  return inUse.filter((p) => tariffOf(plans.get(p.id)?.prices ?? [], period).base.size === 0);
}

function noPriceMessage(missing: PlanInUse[], period: string): string {
  const from = `${period}-01`;
  const plans = missing.map((p) => {
    const zones = zonesFor(p.zones);
    return `тарифная группа «${p.code}», ${zones.length > 1 ? 'зоны' : 'зона'} ${zones.join(', ')} (лицевых счетов: ${p.accounts})`;
  });
  const first = missing[0]!;
  return (
    `Нет цены, действующей на ${formatDateRu(from)}: ${plans.join('; ')}. Месяц не закрывается, ` +
    `начислений нет. Задайте цену с ${formatDateRu(from)} или раньше (например, tariff-set --plan ` +
    `${first.code} --zone ${zonesFor(first.zones)[0]!} --from ${from} --price … --reason …) и запустите закрытие снова.`
  );
}

/** The result of a period closed before; throws when the period may not be closed now. */
async function alreadyClosed(db: Kysely<Database>, opts: CloseOptions): Promise<CloseResult | undefined> {
  const { period } = opts;
  if (!isPeriod(period)) {
    throw new ClosingRefused(`"${period}" is not a period (YYYY-MM)`);
  }
  const state = await periodState(db, period);
  if (state?.status === 'closed') {
    return { status: 'already_closed', accounts: state.accounts, totalKop: state.totalKop };
  }
  if (period >= opts.currentPeriod) {
    throw new ClosingRefused(
      `${period} has not ended yet: only periods before ${opts.currentPeriod} can be closed`,
    );
  }
  const latest = await latestClosedPeriod(db);
  if (latest && latest > period) {
    throw new ClosingRefused(
      `${latest} is already closed: ${period} cannot be closed after it (use recalculate)`,
    );
  }
  // Periods are closed in order, so that every debt carries forward through every month.
  if (latest && latest < addMonths(period, -1)) {
    throw new ClosingRefused(`close ${addMonths(latest, 1)} first: the last closed period is ${latest}`);
  }
  return undefined;
}

/** A closing under way: the batches it takes in id order, the charges it writes, its progress. */
class ClosingRun {
  private afterId: number;
  private done: number;
  computed = 0;
  private readonly batchSize: number;

  constructor(
    readonly store: Db,
    private readonly opts: CloseOptions,
    private readonly total: number,
  ) {
    this.batchSize = opts.batchSize ?? 2000;
    this.afterId = opts.resumeAfter?.afterId ?? 0;
    this.done = opts.resumeAfter?.done ?? 0;
  }

  /** The next batch of accounts; none when all are taken. */
  async nextBatch(): Promise<BatchAccount[]> {
    const accounts = await nextAccounts(
      this.store.kysely,
      this.afterId,
      this.batchSize,
      `${this.opts.period}-01`,
    );
    if (accounts.length > 0) {
      this.afterId = accounts[accounts.length - 1]!.id;
    }
    return accounts;
  }

  async write(tx: Transaction<Database>, rows: BatchOutput): Promise<void> {
    await insertCharges(tx, rows.charges, this.store.sqlite);
    await markRecalculationsApplied(tx, rows.appliedRecalcs, this.opts.period);
    await markPeriodProgress(tx, this.opts.period, this.opts.now().getTime());
    this.computed += rows.charges.length;
  }

  /** A batch's charges are committed; a progress callback that throws stops the run. */
  async written(accounts: BatchAccount[]): Promise<void> {
    this.done += accounts.length;
    await this.opts.onProgress?.(this.done, this.total, accounts[accounts.length - 1]!.id);
  }
}

async function closeInThisThread(
  run: ClosingRun,
  plans: Map<number, PlanInput>,
  buildings: Map<number, BuildingVolume>,
  opts: CloseOptions,
): Promise<void> {
  const db = run.store.kysely;
  for (;;) {
    const accounts = await run.nextBatch();
    if (accounts.length === 0) {
      break;
    }
    // Reading, computing and writing a batch in one transaction: a consistent snapshot.
    await db.transaction().execute(async (tx) => {
      const rows = await computeBatch(tx, accounts, opts.period, plans, buildings, opts, {
        sqlite: run.store.sqlite,
      });
      await run.write(tx, rows);
    });
    await run.written(accounts);
  }
}

async function closeWithWorkers(
  run: ClosingRun,
  workers: NonNullable<CloseOptions['workers']>,
  opts: CloseOptions,
): Promise<void> {
  const pool = new BatchPool(workers.count, {
    db: workers.db,
    period: opts.period,
    limits: opts.limits,
    readingsLastDay: opts.readingsLastDay,
  });
  try {
    // Each worker has a batch in hand; their charges are written in batch order.
    const queue: Array<{ accounts: BatchAccount[]; rows: Promise<BatchOutput> }> = [];
    for (;;) {
      while (queue.length < workers.count * 2) {
        const accounts = await run.nextBatch();
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
      await run.store.kysely.transaction().execute((tx) => run.write(tx, rows));
      await run.written(head.accounts);
    }
  } finally {
    await pool.close();
  }
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

  compute(accounts: BatchAccount[]): Promise<BatchOutput> {
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
