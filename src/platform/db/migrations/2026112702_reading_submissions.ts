import type { Kysely } from 'kysely';

/* eslint-disable @typescript-eslint/no-explicit-any -- migrations describe tables that the Database type may no longer match */
/**
 * Readings submitted through the portal carry the form's idempotency key (one reading however
 * often the form is posted) and the billing month they count in.
 */
export default function readingSubmissions() {
  return {
    async up(db: Kysely<any>): Promise<void> {
      await db.schema.alterTable('readings').addColumn('submission_key', 'text').execute();
      await db.schema.alterTable('readings').addColumn('billing_period', 'text').execute();
      await db.schema
        .createIndex('readings_submission_key')
        .on('readings')
        .columns(['account_id', 'submission_key'])
        .unique()
        .execute();
      // For the specialists' export by date. Not (status, reading_date): SQLite would pick that for the
      // closing's per-account reads ("status = 'accepted' and reading_date >= …") and scan the table.
      await db.schema.createIndex('readings_date').on('readings').column('reading_date').execute();
    },
    async down(db: Kysely<any>): Promise<void> {
      await db.schema.dropIndex('readings_date').execute();
      await db.schema.dropIndex('readings_submission_key').execute();
      await db.schema.alterTable('readings').dropColumn('billing_period').execute();
      await db.schema.alterTable('readings').dropColumn('submission_key').execute();
    },
  };
}
