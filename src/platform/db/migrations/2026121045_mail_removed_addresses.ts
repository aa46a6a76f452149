import { sql, type Kysely } from 'kysely';

/* eslint-disable @typescript-eslint/no-explicit-any -- migrations describe tables that the Database type may no longer match */
/**
 * `mail_removed_addresses` (issue 19): the addresses an account gave up, so that the address from
 * the supplier's accounts import (`accounts.imported_email`) is never offered back to a customer
 * who deleted it, replaced it by another or whose mail to it bounced. Only a keyed hash of the
 * address is kept (as `mail_confirmations.email_hash`): a deleted address is stored nowhere.
 */
export default function mailRemovedAddresses() {
  return {
    async up(db: Kysely<any>): Promise<void> {
      await db.schema
        .createTable('mail_removed_addresses')
        .addColumn('account_id', 'bigint', (c) => c.notNull().references('accounts.id'))
        .addColumn('email_hash', 'text', (c) => c.notNull())
        .addColumn('reason', 'text', (c) =>
          c.notNull().check(sql`reason in ('deleted', 'replaced', 'bounced')`),
        )
        .addColumn('removed_at', 'bigint', (c) => c.notNull())
        .addPrimaryKeyConstraint('mail_removed_addresses_pk', ['account_id', 'email_hash'])
        .execute();
    },
    async down(db: Kysely<any>): Promise<void> {
      await db.schema.dropTable('mail_removed_addresses').ifExists().execute();
    },
  };
}
