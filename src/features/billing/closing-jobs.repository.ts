import type { Kysely, Selectable, Transaction } from 'kysely';
import type { ClosingJobsTable, Database } from '../../platform/db/schema.ts';

type Q = Kysely<Database> | Transaction<Database>;

// The back office's closing jobs (closing-job.ts): one row per requested closing, claimed by a
// runner under a lease, with its progress, its summary and the accountant's confirmation.

export type ClosingJobState = 'queued' | 'running' | 'done' | 'failed';

export interface ClosingJob {
  id: number;
  period: string;
  requestedBy: number;
  requestedAt: number;
  state: ClosingJobState;
  total: number;
  done: number;
  afterId: number;
  runStartedAt: number | null;
  runDoneFrom: number;
  progressAt: number | null;
  leaseOwner: string | null;
  leaseUntil: number | null;
  runs: number;
  finishedAt: number | null;
  error: string | null;
  summary: string | null;
  confirmedBy: number | null;
  confirmedAt: number | null;
}

function toJob(r: Selectable<ClosingJobsTable>): ClosingJob {
  const num = (v: number | null) => (v === null ? null : Number(v));
  return {
    id: Number(r.id),
    period: r.period,
    requestedBy: Number(r.requested_by),
    requestedAt: Number(r.requested_at),
    state: r.state as ClosingJobState,
    total: Number(r.total),
    done: Number(r.done),
    afterId: Number(r.after_id),
    runStartedAt: num(r.run_started_at),
    runDoneFrom: Number(r.run_done_from),
    progressAt: num(r.progress_at),
    leaseOwner: r.lease_owner,
    leaseUntil: num(r.lease_until),
    runs: Number(r.runs),
    finishedAt: num(r.finished_at),
    error: r.error,
    summary: r.summary,
    confirmedBy: num(r.confirmed_by),
    confirmedAt: num(r.confirmed_at),
  };
}

/** A new queued job; throws a unique violation when another one is queued or running. */
export async function insertJob(db: Q, period: string, requestedBy: number, at: number): Promise<number> {
  const r = await db
    .insertInto('closing_jobs')
    .values({ period, requested_by: requestedBy, requested_at: at, state: 'queued', active: 1 })
    .returning('id')
    .executeTakeFirstOrThrow();
  return Number(r.id);
}

export async function findJob(db: Q, id: number): Promise<ClosingJob | undefined> {
  const r = await db.selectFrom('closing_jobs').selectAll().where('id', '=', id).executeTakeFirst();
  return r && toJob(r);
}

/** The job queued or running, if any. */
export async function activeJob(db: Q): Promise<ClosingJob | undefined> {
  const r = await db.selectFrom('closing_jobs').selectAll().where('active', '=', 1).executeTakeFirst();
  return r && toJob(r);
}

/** The newest jobs, newest first. */
export async function recentJobs(db: Q, limit: number): Promise<ClosingJob[]> {
  const rows = await db.selectFrom('closing_jobs').selectAll().orderBy('id', 'desc').limit(limit).execute();
  return rows.map(toJob);
}

/** The newest job of `period` (undefined: the period was never closed from the back office). */
export async function latestJobOf(db: Q, period: string): Promise<ClosingJob | undefined> {
  const r = await db
    .selectFrom('closing_jobs')
    .selectAll()
    .where('period', '=', period)
    .orderBy('id', 'desc')
    .limit(1)
    .executeTakeFirst();
  return r && toJob(r);
}

/**
 * Takes the active job for `owner` when nobody holds it (never run, or its lease ran out): one
 * conditional update, so that of two runners asking at once only one gets it.
 */
export async function claimJob(
  db: Q,
  owner: string,
  now: number,
  leaseMs: number,
): Promise<ClosingJob | undefined> {
  const job = await activeJob(db);
  if (!job || (job.leaseUntil !== null && job.leaseUntil > now)) {
    return undefined;
  }
  const res = await db
    .updateTable('closing_jobs')
    .set((eb) => ({
      state: 'running',
      lease_owner: owner,
      lease_until: now + leaseMs,
      run_started_at: now,
      run_done_from: eb.ref('done'),
      runs: eb('runs', '+', 1),
    }))
    .where('id', '=', job.id)
    .where('active', '=', 1)
    .where((eb) =>
      job.leaseUntil === null ? eb('lease_until', 'is', null) : eb('lease_until', '=', job.leaseUntil),
    )
    .executeTakeFirst();
  if (Number(res.numUpdatedRows) !== 1) {
    return undefined;
  }
  return findJob(db, job.id);
}

/**
 * A committed batch: the progress, and the lease renewed. False when the lease is no longer
 * `owner`'s (it ran out and another runner took the job): this run must stop.
 */
export async function recordProgress(
  db: Q,
  id: number,
  owner: string,
  p: { total: number; done: number; afterId: number; now: number; leaseMs: number },
): Promise<boolean> {
  const res = await db
    .updateTable('closing_jobs')
    .set({
      total: p.total,
      done: p.done,
      after_id: p.afterId,
      progress_at: p.now,
      lease_until: p.now + p.leaseMs,
    })
    .where('id', '=', id)
    .where('lease_owner', '=', owner)
    .where('active', '=', 1)
    .executeTakeFirst();
  return Number(res.numUpdatedRows) === 1;
}

/** Gives the lease back (the server is closing): another runner may continue at once. */
export async function releaseJob(db: Q, id: number, owner: string): Promise<void> {
  await db
    .updateTable('closing_jobs')
    .set({ lease_until: 0 })
    .where('id', '=', id)
    .where('lease_owner', '=', owner)
    .where('active', '=', 1)
    .execute();
}

/** The job ended: done with its summary, or failed with the reason. */
export async function finishJob(
  db: Q,
  id: number,
  owner: string,
  end: { state: 'done'; summary: string; now: number } | { state: 'failed'; error: string; now: number },
): Promise<void> {
  await db
    .updateTable('closing_jobs')
    .set({
      state: end.state,
      active: null,
      lease_until: null,
      finished_at: end.now,
      summary: end.state === 'done' ? end.summary : null,
      error: end.state === 'failed' ? end.error : null,
    })
    .where('id', '=', id)
    .where('lease_owner', '=', owner)
    .where('active', '=', 1)
    .execute();
}

/** Marks a done job's summary as confirmed; false when it was not done or already confirmed. */
export async function confirmJob(db: Q, id: number, staffUserId: number, at: number): Promise<boolean> {
  const res = await db
    .updateTable('closing_jobs')
    .set({ confirmed_by: staffUserId, confirmed_at: at })
    .where('id', '=', id)
    .where('state', '=', 'done')
    .where('confirmed_at', 'is', null)
    .executeTakeFirst();
  return Number(res.numUpdatedRows) === 1;
}

export interface MethodSums {
  method: string;
  accounts: number;
  kwh: number;
  amountKop: number;
  odnKwh: number;
  odnKop: number;
  recalcKop: number;
}

/** The period's charges summed by the rule that computed them. */
export async function chargeSumsByMethod(db: Q, period: string): Promise<MethodSums[]> {
  const rows = await db
    .selectFrom('charges')
    .select((eb) => [
      'method',
      eb.fn.countAll<number>().as('n'),
      eb.fn.sum<number>('kwh').as('kwh'),
      eb.fn.sum<number>('amount_kop').as('kop'),
      eb.fn.sum<number>('odn_kwh').as('odn_kwh'),
      eb.fn.sum<number>('odn_kop').as('odn_kop'),
      eb.fn.sum<number>('recalc_kop').as('recalc_kop'),
    ])
    .where('period', '=', period)
    .groupBy('method')
    .orderBy('method')
    .execute();
  return rows.map((r) => ({
    method: r.method,
    accounts: Number(r.n),
    kwh: Number(r.kwh ?? 0),
    amountKop: Number(r.kop ?? 0),
    odnKwh: Number(r.odn_kwh ?? 0),
    odnKop: Number(r.odn_kop ?? 0),
    recalcKop: Number(r.recalc_kop ?? 0),
  }));
}

export interface PeriodRow {
  period: string;
  status: 'closing' | 'closed';
  accounts: number;
  totalKop: number;
  closedAt: number | null;
}

/** The newest billing periods closed or being closed, newest first. */
export async function recentPeriods(db: Q, limit: number): Promise<PeriodRow[]> {
  const rows = await db
    .selectFrom('billing_periods')
    .select(['period', 'status', 'accounts', 'total_kop', 'closed_at'])
    .orderBy('period', 'desc')
    .limit(limit)
    .execute();
  return rows.map((r) => ({
    period: r.period,
    status: r.status === 'closed' ? 'closed' : 'closing',
    accounts: Number(r.accounts),
    totalKop: Number(r.total_kop),
    closedAt: r.closed_at === null ? null : Number(r.closed_at),
  }));
}

/** A closing of `period` is alive at `at`: it marked the month or committed a batch. */
export async function markPeriodProgress(db: Q, period: string, at: number): Promise<void> {
  await db
    .updateTable('billing_periods')
    .set({ progress_at: at })
    .where('period', '=', period)
    .where('status', '=', 'closing')
    .execute();
}

/**
 * When the closing of `period` under way last showed it was alive (its mark or its last batch);
 * undefined when the period is not being closed.
 */
export async function closingProgressAt(db: Q, period: string): Promise<number | undefined> {
  const r = await db
    .selectFrom('billing_periods')
    .select(['started_at', 'progress_at'])
    .where('period', '=', period)
    .where('status', '=', 'closing')
    .executeTakeFirst();
  return r && Number(r.progress_at ?? r.started_at);
}
