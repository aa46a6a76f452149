import { setTimeout as sleep } from 'node:timers/promises';
import type { Kysely, Transaction } from 'kysely';
import type { Database } from '../../platform/db/schema.ts';
import type { Db } from '../../platform/db/connect.ts';
import type { Clock } from '../../platform/clock.ts';
import { isUniqueViolation } from '../../platform/db/errors.ts';
import { addMonths, dateInZone, isPeriod, periodOf, periodTitle } from '../../domain/dates.ts';
import { latestClosedPeriod, latestPeriod, periodState } from './billing.repository.ts';
import { closeMonth, ClosingRefused } from './close-month.ts';
import type { BatchRules } from './close-batch.ts';
import * as repo from './closing-jobs.repository.ts';
import { lockPrices } from '../tariffs/tariffs.repository.ts';

// A month's closing requested from the back office: a row of closing_jobs, run by whichever
// runner (a listening portal's job, or `closing-worker`) claims it under a lease. The runner
// records its progress and renews the lease after every committed batch; when its process dies
// the lease runs out, and the next runner continues after the last account recorded (charges
// already written are kept: closeMonth skips them). When done, the summary waits for an
// accountant's confirmation, and only then may the period's bills be mailed (mail/mailing.ts).

export type { ClosingJob, PeriodRow } from './closing-jobs.repository.ts';

/** A runner that stops renewing its lease for this long is taken to be dead. */
export const CLOSING_LEASE_MS = 60_000;

export interface ClosingDeps extends BatchRules {
  db: Db;
  clock: Clock;
  timeZone: string;
}

/** The period in the supplier's calendar today: only earlier ones may be closed. */
export function currentPeriodOf(clock: Clock, timeZone: string): string {
  return periodOf(dateInZone(clock.now(), timeZone));
}

/**
 * The period that may be closed now: the one whose closing is under way, else the month after the
 * last closed one, else the month that just ended; undefined when that month has not ended.
 */
export async function closablePeriod(
  db: Kysely<Database>,
  currentPeriod: string,
): Promise<string | undefined> {
  const latest = await latestPeriod(db);
  const next = !latest
    ? addMonths(currentPeriod, -1)
    : latest.status === 'closing'
      ? latest.period
      : addMonths(latest.period, 1);
  return next < currentPeriod ? next : undefined;
}

/** Why `period` may not be closed now, in Russian; undefined when it may. */
export async function closingProblem(
  db: Kysely<Database>,
  period: string,
  currentPeriod: string,
): Promise<string | undefined> {
  if (!isPeriod(period)) {
    return 'Период не распознан: откройте страницу заново.';
  }
  const state = await periodState(db, period);
  if (state?.status === 'closed') {
    return `${periodTitle(period)} уже закрыт. Изменить закрытый месяц можно только перерасчётом.`;
  }
  if (period >= currentPeriod) {
    return `${periodTitle(period)} ещё не закончился: закрыть можно только прошедший месяц.`;
  }
  const latest = await latestClosedPeriod(db);
  if (latest && (latest > period || latest < addMonths(period, -1))) {
    return `Месяцы закрывают по порядку: последний закрытый — ${periodTitle(latest)}, следующий — ${periodTitle(addMonths(latest, 1))}.`;
  }
  return undefined;
}

export type RequestResult = { kind: 'ok'; id: number } | { kind: 'refused'; message: string };

/**
 * Queues the closing of `period` (the caller's transaction audits it). One job at a time, and
 * none while a closing outside the jobs (the CLI's `close-month`) is under way: the month is
 * «closing» and that run marked it or committed a batch within CLOSING_LEASE_MS. A run that
 * stopped longer ago is taken to be dead, and the job continues its month.
 */
export async function requestClosing(
  tx: Transaction<Database>,
  r: { period: string; currentPeriod: string; staffUserId: number; now: number },
): Promise<RequestResult> {
  // The lock a closing holds while it checks for jobs and marks its month (close-month.ts
  // `markClosing`): the two never both see the way free.
  await lockPrices(tx, r.now);
  const running = await repo.activeJob(tx);
  if (running) {
    return { kind: 'refused', message: busyMessage(running.period) };
  }
  const problem = await closingProblem(tx, r.period, r.currentPeriod);
  if (problem) {
    return { kind: 'refused', message: problem };
  }
  const aliveAt = await repo.closingProgressAt(tx, r.period);
  if (aliveAt !== undefined && r.now - aliveAt < CLOSING_LEASE_MS) {
    return {
      kind: 'refused',
      message:
        `${periodTitle(r.period)} сейчас закрывается из командной строки (close-month): дождитесь ` +
        'окончания. Если тот запуск прерван, закрытие можно начать здесь через минуту — оно продолжится.',
    };
  }
  try {
    return { kind: 'ok', id: await repo.insertJob(tx, r.period, r.staffUserId, r.now) };
  } catch (err) {
    // Another instance queued one between our check and our insert: the unique index says so.
    if (isUniqueViolation(err)) {
      return { kind: 'refused', message: busyMessage(r.period) };
    }
    throw err;
  }
}

function busyMessage(period: string): string {
  return `Уже идёт закрытие (${periodTitle(period)}): дождитесь его окончания.`;
}

export interface ClosingSummary {
  period: string;
  accounts: number;
  kwh: number;
  /** By the rule that computed the charge: readings, the average (п.59), the norm (п.60). */
  byMethod: Record<'readings' | 'average' | 'norm', { accounts: number; kwh: number; amountKop: number }>;
  odn: { kwh: number; kop: number };
  recalcKop: number;
  totalKop: number;
}

/** The period's charges summed: what the accountant confirms. */
export async function closingSummary(db: Kysely<Database>, period: string): Promise<ClosingSummary> {
  const sums = await repo.chargeSumsByMethod(db, period);
  const empty = () => ({ accounts: 0, kwh: 0, amountKop: 0 });
  const byMethod = { readings: empty(), average: empty(), norm: empty() };
  const s: ClosingSummary = {
    period,
    accounts: 0,
    kwh: 0,
    byMethod,
    odn: { kwh: 0, kop: 0 },
    recalcKop: 0,
    totalKop: 0,
  };
  for (const m of sums) {
    const key = m.method === 'average' || m.method === 'norm' ? m.method : 'readings';
    byMethod[key].accounts += m.accounts;
    byMethod[key].kwh += m.kwh;
    byMethod[key].amountKop += m.amountKop;
    s.accounts += m.accounts;
    s.kwh += m.kwh;
    s.odn.kwh += m.odnKwh;
    s.odn.kop += m.odnKop;
    s.recalcKop += m.recalcKop;
    s.totalKop += m.amountKop + m.odnKop + m.recalcKop;
  }
  return s;
}

export function parseSummary(json: string | null): ClosingSummary | undefined {
  return json === null ? undefined : (JSON.parse(json) as ClosingSummary);
}

/** Progress as the page shows it: accounts per second of the current run and seconds left. */
export function progressFigures(
  job: Pick<repo.ClosingJob, 'done' | 'total' | 'runStartedAt' | 'runDoneFrom' | 'progressAt'>,
): { rate: number | null; secondsLeft: number | null } {
  if (job.runStartedAt === null || job.progressAt === null || job.progressAt <= job.runStartedAt) {
    return { rate: null, secondsLeft: null };
  }
  const rate = ((job.done - job.runDoneFrom) * 1000) / (job.progressAt - job.runStartedAt);
  if (rate <= 0) {
    return { rate: null, secondsLeft: null };
  }
  return { rate, secondsLeft: Math.ceil(Math.max(0, job.total - job.done) / rate) };
}

export type ConfirmResult = { kind: 'ok'; job: repo.ClosingJob } | { kind: 'refused'; message: string };

/** The accountant confirms a done job's summary (the caller's transaction audits it and mails). */
export async function confirmClosing(
  tx: Transaction<Database>,
  id: number,
  staffUserId: number,
  now: number,
): Promise<ConfirmResult> {
  const job = await repo.findJob(tx, id);
  if (!job || job.state !== 'done') {
    return { kind: 'refused', message: 'Итоги можно подтвердить только у завершённого закрытия.' };
  }
  if (!(await repo.confirmJob(tx, id, staffUserId, now))) {
    return { kind: 'refused', message: 'Итоги этого закрытия уже подтверждены.' };
  }
  return { kind: 'ok', job: { ...job, confirmedBy: staffUserId, confirmedAt: now } };
}

/** True when `period` was closed from the back office and its summary is not confirmed yet. */
export async function awaitsConfirmation(db: Kysely<Database>, period: string): Promise<boolean> {
  const job = await repo.latestJobOf(db, period);
  return job?.state === 'done' && job.confirmedAt === null;
}

class LeaseLost extends Error {}

export interface RunnerOptions {
  /** Who holds the lease (host and process, or a name given to the CLI). */
  owner: string;
  leaseMs: number;
  batchSize?: number;
  signal?: AbortSignal;
  /** After each batch's progress is recorded (the CLI's progress bar and memory guard). */
  afterBatch?: (done: number, total: number) => void;
}

/**
 * Claims the job waiting (or left by a dead runner) and runs it to its end. Returns false when
 * there was none to claim. A stop asked by `signal` gives the lease back between two batches.
 */
export async function runNextClosingJob(deps: ClosingDeps, o: RunnerOptions): Promise<boolean> {
  const db = deps.db.kysely;
  const job = await repo.claimJob(db, o.owner, deps.clock.now().getTime(), o.leaseMs);
  if (!job) {
    return false;
  }
  try {
    await closeMonth(deps.db, {
      period: job.period,
      currentPeriod: currentPeriodOf(deps.clock, deps.timeZone),
      limits: deps.limits,
      readingsLastDay: deps.readingsLastDay,
      now: () => deps.clock.now(),
      ...(o.batchSize ? { batchSize: o.batchSize } : {}),
      ...(job.afterId > 0 ? { resumeAfter: { afterId: job.afterId, done: job.done } } : {}),
      onProgress: async (done, total, afterId) => {
        const now = deps.clock.now().getTime();
        if (
          !(await repo.recordProgress(db, job.id, o.owner, { done, total, afterId, now, leaseMs: o.leaseMs }))
        ) {
          throw new LeaseLost();
        }
        o.afterBatch?.(done, total);
        o.signal?.throwIfAborted();
      },
    });
    const summary = await closingSummary(db, job.period);
    await repo.finishJob(db, job.id, o.owner, {
      state: 'done',
      summary: JSON.stringify(summary),
      now: deps.clock.now().getTime(),
    });
  } catch (err) {
    if (err instanceof LeaseLost) {
      return true; // another runner has it now
    }
    if (o.signal?.aborted) {
      await repo.releaseJob(db, job.id, o.owner);
      return true;
    }
    const error =
      err instanceof ClosingRefused
        ? `Закрытие отказано: ${err.message}`
        : `Закрытие остановилось с ошибкой: ${err instanceof Error ? err.message : String(err)}. Запустите его снова: начисления сохранены, оно продолжится.`;
    await repo.finishJob(db, job.id, o.owner, { state: 'failed', error, now: deps.clock.now().getTime() });
  }
  return true;
}

/**
 * Runs closing jobs until `signal` aborts, looking for one every `pollMs` (the listening server's
 * job), or with `drain` until none is left to claim (the CLI, which fails on the first error). A
 * server's runner goes on after an error (the database away for a while): `onError` is told, and
 * a job it held is taken up again when its lease runs out.
 */
export async function runClosingJobs(
  deps: ClosingDeps,
  o: RunnerOptions & { pollMs: number; drain?: boolean; onError?: (err: unknown) => void },
): Promise<void> {
  for (;;) {
    if (o.signal?.aborted) {
      return;
    }
    let ran: boolean;
    try {
      ran = await runNextClosingJob(deps, o);
    } catch (err) {
      if (o.drain || !o.onError) {
        throw err;
      }
      o.onError(err);
      ran = false;
    }
    if (!ran) {
      if (o.drain) {
        return;
      }
      try {
        await sleep(o.pollMs, undefined, { ...(o.signal ? { signal: o.signal } : {}), ref: false });
      } catch {
        return; // aborted: the server is closing
      }
    }
  }
}

export interface ClosingOverview {
  periods: repo.PeriodRow[];
  active: { job: repo.ClosingJob; rate: number | null; secondsLeft: number | null } | undefined;
  last: { job: repo.ClosingJob; summary: ClosingSummary | undefined } | undefined;
  closable: string | undefined;
}

/** What the accountant's closing page shows. */
export async function closingOverview(db: Kysely<Database>, currentPeriod: string): Promise<ClosingOverview> {
  const [periods, jobs, closable] = await Promise.all([
    repo.recentPeriods(db, 12),
    repo.recentJobs(db, 2),
    closablePeriod(db, currentPeriod),
  ]);
  const activeJob = jobs.find((j) => j.state === 'queued' || j.state === 'running');
  const lastJob = jobs.find((j) => j.state === 'done' || j.state === 'failed');
  return {
    periods,
    active: activeJob && { job: activeJob, ...progressFigures(activeJob) },
    last: lastJob && { job: lastJob, summary: parseSummary(lastJob.summary) },
    closable,
  };
}
