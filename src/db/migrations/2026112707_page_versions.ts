import type { Kysely } from 'kysely';
import type { MigrationContext } from '../migrate.ts';
import { dropPageVersionTriggers } from '../page-versions.ts';

/* eslint-disable @typescript-eslint/no-explicit-any -- migrations describe tables that the Database type may no longer match */

/**
 * `accounts.page_version`, the stamp the main page's cache keys by. Its triggers are created by
 * `ensurePageVersionTriggers` (db/page-versions.ts), which `migrateToLatest` runs after the
 * migrations every time, so that a lost trigger comes back.
 */
export function pageVersions(ctx: MigrationContext) {
  return {
    async up(db: Kysely<any>): Promise<void> {
      await db.schema
        .alterTable('accounts')
        .addColumn('page_version', 'bigint', (c) => c.notNull().defaultTo(0))
        .execute();
    },
    async down(db: Kysely<any>): Promise<void> {
      await dropPageVersionTriggers(db, ctx.dialect);
      await db.schema.alterTable('accounts').dropColumn('page_version').execute();
    },
  };
}
