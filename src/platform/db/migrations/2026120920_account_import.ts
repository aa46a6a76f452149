import type { Kysely } from 'kysely';

/* eslint-disable @typescript-eslint/no-explicit-any -- migrations describe tables that the Database type may no longer match */
/**
 * The accounts import (src/features/imports/accounts.format.ts) and settlements as reference data.
 *
 * - `settlements.branch_id`: the branch that serves a settlement, which a new account from an
 *   import gets unless the import names one (`--branch`); null when the supplier did not say.
 * - `accounts.phone`: the customer's phone as the supplier's billing system gives it; null when
 *   none.
 * - `accounts.imported_email`: an e-mail address from the supplier's billing system, NOT
 *   confirmed by its owner. Bills go only to `mail_subscriptions` addresses that their owners
 *   confirmed, and nothing reads this column to send mail; it is kept apart so that an import
 *   never overwrites, unconfirms or brings back an address the customer chose or deleted.
 */
export default function accountImport() {
  return {
    async up(db: Kysely<any>): Promise<void> {
      await db.schema
        .alterTable('settlements')
        .addColumn('branch_id', 'bigint', (c) => c.references('branches.id'))
        .execute();
      await db.schema.alterTable('accounts').addColumn('phone', 'text').execute();
      await db.schema.alterTable('accounts').addColumn('imported_email', 'text').execute();
    },
    async down(db: Kysely<any>): Promise<void> {
      await db.schema.alterTable('accounts').dropColumn('imported_email').execute();
      await db.schema.alterTable('accounts').dropColumn('phone').execute();
      await db.schema.alterTable('settlements').dropColumn('branch_id').execute();
    },
  };
}
