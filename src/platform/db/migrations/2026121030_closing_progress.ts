import type { Kysely } from 'kysely';

/* eslint-disable @typescript-eslint/no-explicit-any -- migrations describe tables that the Database type may no longer match */
/**
 * `billing_periods.progress_at`: when a closing of the period last marked it or committed a batch
 * (ms). A closing run from the CLI has no closing job; the back office tells it is alive by this,
 * and refuses to start its own closing of the month meanwhile. NULL for rows closed before it.
 */
export default function closingProgress() {
  return {
    async up(db: Kysely<any>): Promise<void> {
      await db.schema.alterTable('billing_periods').addColumn('progress_at', 'bigint').execute();
    },
    async down(db: Kysely<any>): Promise<void> {
      await db.schema.alterTable('billing_periods').dropColumn('progress_at').execute();
    },
  };
}
