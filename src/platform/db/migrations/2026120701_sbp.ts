import { sql, type Kysely } from 'kysely';

/* eslint-disable @typescript-eslint/no-explicit-any -- migrations describe tables that the Database type may no longer match */
/**
 * Payments through the Faster Payments System (СБП) by a dynamic QR code.
 *
 * - `payment_orders.method`: 'card' (the bank's card page) or 'sbp' (a QR code); `qr_id` and
 *   `qr_payload` are the bank's QR code for an 'sbp' order (the payload is the https://qr.nspk.ru/…
 *   address the QR encodes and a phone opens).
 * - `sandbox_sbp_qrs`: the sandbox bank's own state of its SBP orders, in the database because
 *   the portal runs as many processes: the QR is shown by one, paid "in the bank app" on another,
 *   its status asked by a third. A real bank keeps this on its side; no real order has a row here.
 */
export default function sbp() {
  return {
    async up(db: Kysely<any>): Promise<void> {
      await db.schema
        .alterTable('payment_orders')
        .addColumn('method', 'text', (c) =>
          c
            .notNull()
            .defaultTo('card')
            .check(sql`method in ('card', 'sbp')`),
        )
        .execute();
      await db.schema.alterTable('payment_orders').addColumn('qr_id', 'text').execute();
      await db.schema.alterTable('payment_orders').addColumn('qr_payload', 'text').execute();
      await db.schema
        .createTable('sandbox_sbp_qrs')
        .addColumn('qr_id', 'text', (c) => c.primaryKey())
        .addColumn('md_order', 'text', (c) => c.notNull().unique())
        .addColumn('order_number', 'text', (c) => c.notNull())
        .addColumn('amount_kop', 'bigint', (c) => c.notNull())
        .addColumn('currency', 'integer', (c) => c.notNull())
        .addColumn('return_url', 'text', (c) => c.notNull())
        .addColumn('fail_url', 'text', (c) => c.notNull())
        .addColumn('callback_url', 'text', (c) => c.notNull())
        .addColumn('status', 'text', (c) =>
          c.notNull().check(sql`status in ('STARTED', 'CONFIRMED', 'REJECTED', 'REJECTED_BY_USER')`),
        )
        .addColumn('reject_reason', 'text')
        .addColumn('auth_ref_num', 'text')
        .addColumn('paid_at', 'bigint')
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        .addColumn('expires_at', 'bigint', (c) => c.notNull())
        .execute();
    },
    async down(db: Kysely<any>): Promise<void> {
      await db.schema.dropTable('sandbox_sbp_qrs').execute();
      await db.schema.alterTable('payment_orders').dropColumn('qr_payload').execute();
      await db.schema.alterTable('payment_orders').dropColumn('qr_id').execute();
      await db.schema.alterTable('payment_orders').dropColumn('method').execute();
    },
  };
}
