import type { Kysely } from 'kysely';

/* eslint-disable @typescript-eslint/no-explicit-any -- migrations describe tables that the Database type may no longer match */

/**
 * Login attempts remember the browser they came from (`client`: a hash of the browser's own
 * cookie, or the address when the browser sent none), so that the throttles count a stranger's
 * failures against the stranger's browser and address first (account.service.ts). Rows from
 * before have no client and count only for the account and the address.
 */
export default function loginClients() {
  return {
    async up(db: Kysely<any>): Promise<void> {
      await db.schema.alterTable('login_attempts').addColumn('client', 'text').execute();
    },
    async down(db: Kysely<any>): Promise<void> {
      await db.schema.alterTable('login_attempts').dropColumn('client').execute();
    },
  };
}
