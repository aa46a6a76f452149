import type { Kysely, Transaction } from 'kysely';
import type { Database } from '../../platform/db/schema.ts';

type Q = Kysely<Database> | Transaction<Database>;

// The runs of the card and СБП reconciliation, kept for the accountant's payments page.

/** How long runs are kept: a listening server records one every PAYMENT_RECONCILE_SECONDS. */
export const KEEP_RUNS_MS = 30 * 24 * 3600_000;

export type ReconcileTrigger = 'job' | 'cli';

export interface ReconcileRun {
  trigger: ReconcileTrigger;
  startedAt: number;
  finishedAt: number;
  checked: number;
  results: Record<string, number>;
  failedRegistrations: number;
  readings: number;
  error: string | null;
}

/** Records a run and forgets the runs older than KEEP_RUNS_MS. */
export async function recordReconcileRun(db: Q, run: ReconcileRun): Promise<void> {
  await db
    .insertInto('payment_reconcile_runs')
    .values({
      trigger: run.trigger,
      started_at: run.startedAt,
      finished_at: run.finishedAt,
      checked: run.checked,
      results: JSON.stringify(run.results),
      failed_registrations: run.failedRegistrations,
      readings: run.readings,
      error: run.error,
    })
    .execute();
  await db
    .deleteFrom('payment_reconcile_runs')
    .where('started_at', '<', run.startedAt - KEEP_RUNS_MS)
    .execute();
}

/** The latest run (by its start), if any was recorded. */
export async function lastReconcileRun(db: Q): Promise<ReconcileRun | undefined> {
  const r = await db
    .selectFrom('payment_reconcile_runs')
    .select([
      'trigger',
      'started_at',
      'finished_at',
      'checked',
      'results',
      'failed_registrations',
      'readings',
      'error',
    ])
    .orderBy('started_at', 'desc')
    .orderBy('id', 'desc')
    .limit(1)
    .executeTakeFirst();
  return (
    r && {
      trigger: r.trigger === 'cli' ? 'cli' : 'job',
      startedAt: Number(r.started_at),
      finishedAt: Number(r.finished_at),
      checked: Number(r.checked),
      results: JSON.parse(r.results) as Record<string, number>,
      failedRegistrations: Number(r.failed_registrations),
      readings: Number(r.readings),
      error: r.error,
    }
  );
}
