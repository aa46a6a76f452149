import type { Kysely } from 'kysely';

/* eslint-disable @typescript-eslint/no-explicit-any -- migrations describe tables that the Database type may no longer match */

/**
 * The customer's payment history shows each payment's source (a registry's bank, «Банковская
 * карта», …): `payments.source` joins the covering index of that history, so that the main page
 * still reads it from the index alone (main-page-plan.db.test.ts).
 */
export default function paymentsHistorySource() {
  return {
    async up(db: Kysely<any>): Promise<void> {
      await db.schema.dropIndex('payments_account_history').execute();
      await db.schema
        .createIndex('payments_account_history')
        .on('payments')
        .columns(['account_id', 'paid_on', 'id', 'amount_kop', 'channel', 'source'])
        .execute();
    },
    async down(db: Kysely<any>): Promise<void> {
      await db.schema.dropIndex('payments_account_history').execute();
      await db.schema
        .createIndex('payments_account_history')
        .on('payments')
        .columns(['account_id', 'paid_on', 'id', 'amount_kop', 'channel'])
        .execute();
    },
  };
}
