import type { Migration } from 'kysely';
import type { Dialect } from './connect.ts';

/** What a migration may depend on: the database it runs on. */
export interface MigrationContext {
  dialect: Dialect;
}

/**
 * Each file of `migrations/` exports one of these by default; its name (a timestamp first, so
 * that the names sort in order) is the migration's name.
 */
export type MigrationFactory = (ctx: MigrationContext) => Migration;
