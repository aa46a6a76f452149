import type { Kysely } from 'kysely';

/* eslint-disable @typescript-eslint/no-explicit-any -- migrations describe tables that the Database type may no longer match */
/**
 * `accounts.closed_on`: the day from which an account is closed (the customer moved out, the
 * contract ended), as the supplier's accounts file says; null while it is open. A closed account
 * is not charged for the months after it closed, and a registry payment made to it from that day
 * on is kept unallocated for an accountant to decide (src/features/imports/registry.format.ts).
 */
export default function accountClosed() {
  return {
    async up(db: Kysely<any>): Promise<void> {
      await db.schema.alterTable('accounts').addColumn('closed_on', 'text').execute();
    },
    async down(db: Kysely<any>): Promise<void> {
      await db.schema.alterTable('accounts').dropColumn('closed_on').execute();
    },
  };
}
