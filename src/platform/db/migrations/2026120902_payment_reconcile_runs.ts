import type { Kysely } from 'kysely';
import type { MigrationContext } from '../migration.ts';

/* eslint-disable @typescript-eslint/no-explicit-any -- migrations describe tables that the Database type may no longer match */
/**
 * `payment_reconcile_runs`: one row per run of the card and СБП reconciliation (the server's
 * periodic job or `payments-reconcile`), with what it found, so that the accountant's payments
 * page (/office/payments) can say when it last ran and what it did. Runs older than 30 days are
 * deleted as new ones are recorded (index on `started_at`).
 */
export default function paymentReconcileRuns(ctx: MigrationContext) {
  return {
    async up(db: Kysely<any>): Promise<void> {
      await db.schema
        .createTable('payment_reconcile_runs')
        .addColumn('id', ctx.dialect === 'postgres' ? 'bigserial' : 'integer', (c) =>
          ctx.dialect === 'postgres' ? c.primaryKey() : c.primaryKey().autoIncrement(),
        )
        .addColumn('trigger', 'text', (c) => c.notNull())
        .addColumn('started_at', 'bigint', (c) => c.notNull())
        .addColumn('finished_at', 'bigint', (c) => c.notNull())
        .addColumn('checked', 'bigint', (c) => c.notNull())
        .addColumn('results', 'text', (c) => c.notNull())
        .addColumn('failed_registrations', 'bigint', (c) => c.notNull())
        .addColumn('readings', 'bigint', (c) => c.notNull())
        .addColumn('error', 'text')
        .execute();
      await db.schema
        .createIndex('payment_reconcile_runs_started')
        .on('payment_reconcile_runs')
        .column('started_at')
        .execute();
    },
    async down(db: Kysely<any>): Promise<void> {
      await db.schema.dropTable('payment_reconcile_runs').execute();
    },
  };
}
