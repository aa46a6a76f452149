import type { Kysely } from 'kysely';

/* eslint-disable @typescript-eslint/no-explicit-any -- migrations describe tables that the Database type may no longer match */

/**
 * `sandbox_orders`: the sandbox bank's card orders, which it kept in one process's memory, so
 * that with two instances a payment started on one failed on the other. The order as the bank
 * sees it (`data`, JSON: amounts, addresses, status, attempts, the masked card), changed by a
 * conditional UPDATE on `version` so that two processes cannot both move it. No card number is
 * stored, only its mask. A real bank keeps this on its side; no real order has a row here.
 */
export default function sandboxOrders() {
  return {
    async up(db: Kysely<any>): Promise<void> {
      await db.schema
        .createTable('sandbox_orders')
        .addColumn('order_id', 'text', (c) => c.primaryKey())
        .addColumn('order_number', 'text', (c) => c.notNull().unique())
        .addColumn('data', 'text', (c) => c.notNull())
        .addColumn('version', 'integer', (c) => c.notNull())
        .addColumn('expires_at', 'bigint', (c) => c.notNull())
        .execute();
      await db.schema
        .createIndex('sandbox_orders_expires')
        .on('sandbox_orders')
        .column('expires_at')
        .execute();
    },
    async down(db: Kysely<any>): Promise<void> {
      await db.schema.dropTable('sandbox_orders').execute();
    },
  };
}
