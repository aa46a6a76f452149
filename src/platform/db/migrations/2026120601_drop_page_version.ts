import { sql, type Kysely } from 'kysely';
import type { MigrationContext } from '../migration.ts';

/* eslint-disable @typescript-eslint/no-explicit-any -- migrations describe tables that the Database type may no longer match */

const TABLES = ['meters', 'readings', 'payments', 'charges'];
const OPERATIONS = ['insert', 'update', 'delete', 'truncate'];
const PG_FUNCTIONS = [
  'page_version_bump_new',
  'page_version_bump_old',
  'page_version_bump_both',
  'page_version_bump_all',
];

/**
 * Removes the main page's cache stamp: `accounts.page_version`, the triggers on meters, readings,
 * payments and charges that renewed it, and (PostgreSQL) their functions. The cache that read
 * the stamp is gone: a view now reads the account's rows as they are. A database that never had
 * the stamp (created after the cache was removed) passes through unchanged. No `down`: the stamp
 * means nothing without the cache.
 */
export default function dropPageVersion(ctx: MigrationContext) {
  return {
    async up(db: Kysely<any>): Promise<void> {
      for (const table of TABLES) {
        for (const op of OPERATIONS) {
          const name = sql.id(`page_version_${table}_${op}`);
          if (ctx.dialect === 'postgres') {
            await sql`drop trigger if exists ${name} on ${sql.table(table)}`.execute(db);
          } else {
            await sql`drop trigger if exists ${name}`.execute(db);
          }
        }
      }
      if (ctx.dialect === 'postgres') {
        for (const f of PG_FUNCTIONS) {
          await sql`drop function if exists ${sql.id(f)}()`.execute(db);
        }
        await sql`alter table accounts drop column if exists page_version`.execute(db);
        return;
      }
      const columns = await sql<{ name: string }>`select name from pragma_table_info('accounts')`.execute(db);
      if (columns.rows.some((c) => c.name === 'page_version')) {
        await db.schema.alterTable('accounts').dropColumn('page_version').execute();
      }
    },
  };
}
