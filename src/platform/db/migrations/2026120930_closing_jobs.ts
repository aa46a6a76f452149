import type { Kysely } from 'kysely';
import type { MigrationContext } from '../migration.ts';

/* eslint-disable @typescript-eslint/no-explicit-any -- migrations describe tables that the Database type may no longer match */
/**
 * `closing_jobs`: one row per month's closing requested from the back office (/office/closing),
 * run by a listening portal's job (or `closing-worker`) that holds it under a lease. `active` is
 * 1 while the job waits or runs and NULL after: its unique index lets one job at a time exist
 * whichever instance asks (NULLs are distinct on both databases). `after_id` and `done` say where
 * the run got to, so that a run whose lease ran out (its process died) continues from there.
 */
export default function closingJobs(ctx: MigrationContext) {
  return {
    async up(db: Kysely<any>): Promise<void> {
      await db.schema
        .createTable('closing_jobs')
        .addColumn('id', ctx.dialect === 'postgres' ? 'bigserial' : 'integer', (c) =>
          ctx.dialect === 'postgres' ? c.primaryKey() : c.primaryKey().autoIncrement(),
        )
        .addColumn('period', 'text', (c) => c.notNull())
        .addColumn('requested_by', 'bigint', (c) => c.notNull())
        .addColumn('requested_at', 'bigint', (c) => c.notNull())
        .addColumn('state', 'text', (c) => c.notNull())
        .addColumn('active', 'integer')
        .addColumn('total', 'bigint', (c) => c.notNull().defaultTo(0))
        .addColumn('done', 'bigint', (c) => c.notNull().defaultTo(0))
        .addColumn('after_id', 'bigint', (c) => c.notNull().defaultTo(0))
        .addColumn('run_started_at', 'bigint')
        .addColumn('run_done_from', 'bigint', (c) => c.notNull().defaultTo(0))
        .addColumn('progress_at', 'bigint')
        .addColumn('lease_owner', 'text')
        .addColumn('lease_until', 'bigint')
        .addColumn('runs', 'integer', (c) => c.notNull().defaultTo(0))
        .addColumn('finished_at', 'bigint')
        .addColumn('error', 'text')
        .addColumn('summary', 'text')
        .addColumn('confirmed_by', 'bigint')
        .addColumn('confirmed_at', 'bigint')
        .execute();
      await db.schema
        .createIndex('closing_jobs_active')
        .on('closing_jobs')
        .column('active')
        .unique()
        .execute();
      await db.schema
        .createIndex('closing_jobs_period')
        .on('closing_jobs')
        .columns(['period', 'id'])
        .execute();
    },
    async down(db: Kysely<any>): Promise<void> {
      await db.schema.dropTable('closing_jobs').execute();
    },
  };
}
