import type { Kysely } from 'kysely';

/* eslint-disable @typescript-eslint/no-explicit-any -- migrations describe tables that the Database type may no longer match */

/**
 * The back office's audit viewer (src/features/office/audit.*) pages the log newest first, by id,
 * filtered by account: one account's trail is read from this index instead of the whole log.
 * (By staff user: audit_log_staff; by time: audit_log_at.)
 */
export default function auditViewer() {
  return {
    async up(db: Kysely<any>): Promise<void> {
      await db.schema
        .createIndex('audit_log_account')
        .on('audit_log')
        .columns(['account_number', 'id'])
        .execute();
    },
    async down(db: Kysely<any>): Promise<void> {
      await db.schema.dropIndex('audit_log_account').execute();
    },
  };
}
