import { sql, type Kysely } from 'kysely';
import type { MigrationContext } from '../migration.ts';

/* eslint-disable @typescript-eslint/no-explicit-any -- migrations describe tables that the Database type may no longer match */
/**
 * Card payments through a bank: one row per order sent to the bank's payment page. Our order
 * number and the bank's order id are both unique; a payment is credited once, into `payments`
 * (whose `external_id` is unique too), in the same transaction that marks the order paid.
 * No card data has a column here: the card is entered on the bank's page only.
 */
export default function payments(ctx: MigrationContext) {
  const idType = ctx.dialect === 'postgres' ? 'bigserial' : 'integer';
  return {
    async up(db: Kysely<any>): Promise<void> {
      await db.schema
        .createTable('payment_orders')
        .addColumn('id', idType, (c) =>
          ctx.dialect === 'postgres' ? c.primaryKey() : c.primaryKey().autoIncrement(),
        )
        .addColumn('order_number', 'text', (c) => c.notNull().unique())
        .addColumn('bank_order_id', 'text', (c) => c.unique())
        .addColumn('account_id', 'bigint', (c) => c.notNull().references('accounts.id'))
        .addColumn('form_key', 'text', (c) => c.notNull())
        .addColumn('gateway', 'text', (c) => c.notNull())
        .addColumn('amount_kop', 'bigint', (c) => c.notNull().check(sql`amount_kop > 0`))
        .addColumn('currency', 'integer', (c) => c.notNull().defaultTo(643))
        .addColumn('status', 'text', (c) =>
          c
            .notNull()
            .check(
              sql`status in ('new', 'registered', 'paid', 'declined', 'expired', 'failed', 'mismatch', 'reversed')`,
            ),
        )
        .addColumn('status_reason', 'text')
        .addColumn('description', 'text', (c) => c.notNull())
        .addColumn('form_url', 'text')
        .addColumn('client_ip', 'text')
        .addColumn('reading_meter_id', 'bigint', (c) => c.references('meters.id'))
        .addColumn('reading_values', 'text')
        .addColumn('reading_key', 'text')
        .addColumn('reading_status', 'text', (c) =>
          c.check(sql`reading_status in ('pending', 'stored', 'refused')`),
        )
        .addColumn('reading_id', 'bigint')
        .addColumn('receipt', 'text', (c) => c.notNull())
        .addColumn('payment_id', 'bigint', (c) => c.references('payments.id'))
        .addColumn('paid_on', 'text')
        .addColumn('paid_at', 'bigint')
        .addColumn('auth_ref_num', 'text')
        .addColumn('approval_code', 'text')
        .addColumn('attempts', 'integer', (c) => c.notNull().defaultTo(0))
        .addColumn('last_checked_at', 'bigint')
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        .addColumn('updated_at', 'bigint', (c) => c.notNull())
        .addColumn('expires_at', 'bigint', (c) => c.notNull())
        .addUniqueConstraint('payment_orders_form_key', ['account_id', 'form_key'])
        .execute();
      await db.schema
        .createIndex('payment_orders_status')
        .on('payment_orders')
        .columns(['status', 'last_checked_at'])
        .execute();
      await db.schema
        .createIndex('payment_orders_account')
        .on('payment_orders')
        .columns(['account_id', 'created_at'])
        .execute();
    },
    async down(db: Kysely<any>): Promise<void> {
      await db.schema.dropTable('payment_orders').execute();
    },
  };
}
