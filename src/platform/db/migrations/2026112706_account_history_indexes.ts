import type { Kysely } from 'kysely';
import type { MigrationContext } from '../migration.ts';

/* eslint-disable @typescript-eslint/no-explicit-any -- migrations describe tables that the Database type may no longer match */
/**
 * The main page reads each customer's meter, payments and readings. Their rows were written
 * month after month, so one customer's rows lie on as many table pages as there are rows; on a
 * large database most of those pages are not in memory, and a view waited for a disk read per
 * row. These indexes hold every column the page reads, in (account, date) order, so that one
 * customer's history lies on one or two index pages and the table is not read at all. They
 * replace the narrower indexes with the same leading columns, which every other query of these
 * tables used, and serve those queries as well.
 *
 * On an existing database this builds three indexes over the whole tables once, when the
 * portal starts: for a large database, run `npm run cli -- migrate` before starting it.
 */
export default function accountHistoryIndexes(_ctx: MigrationContext) {
  return {
    async up(db: Kysely<any>): Promise<void> {
      await db.schema
        .createIndex('readings_account_history')
        .on('readings')
        .columns([
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
        ])
        .execute();
      await db.schema.dropIndex('readings_account_date').execute();
      await db.schema
        .createIndex('payments_account_history')
        .on('payments')
        .columns(['account_id', 'paid_on', 'id', 'amount_kop', 'channel'])
        .execute();
      await db.schema.dropIndex('payments_account_date').execute();
      await db.schema
        .createIndex('meters_account_history')
        .on('meters')
        .columns([
          'account_id',
          'removed_on',
          'installed_on',
          'id',
          'serial',
          'digits',
          'zones',
          'ratio',
          'verification_due',
        ])
        .execute();
      await db.schema.dropIndex('meters_account').execute();
    },
    async down(db: Kysely<any>): Promise<void> {
      await db.schema.createIndex('meters_account').on('meters').column('account_id').execute();
      await db.schema.dropIndex('meters_account_history').execute();
      await db.schema
        .createIndex('payments_account_date')
        .on('payments')
        .columns(['account_id', 'paid_on'])
        .execute();
      await db.schema.dropIndex('payments_account_history').execute();
      await db.schema
        .createIndex('readings_account_date')
        .on('readings')
        .columns(['account_id', 'reading_date'])
        .execute();
      await db.schema.dropIndex('readings_account_history').execute();
    },
  };
}
