import type { Kysely } from 'kysely';

/* eslint-disable @typescript-eslint/no-explicit-any -- migrations describe tables that the Database type may no longer match */

const HISTORY = [
  'account_id',
  'reading_date',
  'id',
  'meter_id',
  'value1',
  'value2',
  'value3',
  'channel',
  'status',
  'reason',
  'billing_period',
];

/**
 * The customer's readings history shows why the back office rejected a reading
 * (`readings.review_reason`): the column joins the covering index of that history, so that the
 * main page still reads it from the index alone (main-page-plan.db.test.ts). Rebuilding the index
 * reads the whole table: on a large database run `npm run cli -- migrate` before starting.
 */
export default function readingReviewHistory() {
  const rebuild = async (db: Kysely<any>, columns: string[]) => {
    await db.schema.dropIndex('readings_account_history').execute();
    await db.schema.createIndex('readings_account_history').on('readings').columns(columns).execute();
  };
  return {
    async up(db: Kysely<any>): Promise<void> {
      await rebuild(db, [...HISTORY, 'review_reason']);
    },
    async down(db: Kysely<any>): Promise<void> {
      await rebuild(db, HISTORY);
    },
  };
}
