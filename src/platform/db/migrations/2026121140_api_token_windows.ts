import type { Kysely } from 'kysely';

/* eslint-disable @typescript-eslint/no-explicit-any -- migrations describe tables that the Database type may no longer match */
/**
 * The rate limit of personal access tokens (src/features/api-tokens/bearer.ts): one fixed-window
 * counter row per token, so that every app instance counts the same requests. A request adds one
 * with a single upsert; a new window starts the count again.
 */
export default function apiTokenWindows() {
  return {
    async up(db: Kysely<any>): Promise<void> {
      await db.schema
        .createTable('api_token_windows')
        .addColumn('token_id', 'bigint', (c) => c.primaryKey().references('api_tokens.id'))
        // The window's start (ms since the epoch, a multiple of the window's length).
        .addColumn('window_start', 'bigint', (c) => c.notNull())
        // Requests accepted in that window.
        .addColumn('requests', 'integer', (c) => c.notNull())
        .execute();
    },
    async down(db: Kysely<any>): Promise<void> {
      await db.schema.dropTable('api_token_windows').execute();
    },
  };
}
