import type { Kysely } from 'kysely';
import type { MigrationContext } from '../migration.ts';

/* eslint-disable @typescript-eslint/no-explicit-any -- migrations describe tables that the Database type may no longer match */

/**
 * The newest audit entry of one event (the admin's settings page: the last load of each kind of
 * reference data, `branch_import`, `tariff_plan`, `tariff_price`) through an index, not a walk
 * back through every login and reading the log holds since then.
 */
export default function auditLogEvent(_ctx: MigrationContext) {
  return {
    async up(db: Kysely<any>): Promise<void> {
      await db.schema.createIndex('audit_log_event').on('audit_log').columns(['event', 'at']).execute();
    },
    async down(db: Kysely<any>): Promise<void> {
      await db.schema.dropIndex('audit_log_event').execute();
    },
  };
}
