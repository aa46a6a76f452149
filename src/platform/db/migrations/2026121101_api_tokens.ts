import type { Kysely } from 'kysely';
import type { MigrationContext } from '../migration.ts';

/* eslint-disable @typescript-eslint/no-explicit-any -- migrations describe tables that the Database type may no longer match */
/**
 * Personal access tokens of the open API (src/features/api-tokens): made by a profile on its
 * page, shown once and stored hashed, with scopes and an expiry of at most a year.
 */
export default function apiTokens(ctx: MigrationContext) {
  const pg = ctx.dialect === 'postgres';
  return {
    async up(db: Kysely<any>): Promise<void> {
      await db.schema
        .createTable('api_tokens')
        .addColumn('id', pg ? 'bigserial' : 'integer', (c) =>
          pg ? c.primaryKey() : c.primaryKey().autoIncrement(),
        )
        .addColumn('profile_id', 'bigint', (c) => c.notNull().references('profiles.id'))
        .addColumn('name', 'text', (c) => c.notNull())
        // SHA-256 of the token, hex; the token itself is shown once and never stored.
        .addColumn('token_hash', 'text', (c) => c.notNull().unique())
        // Comma-separated, from read, readings:write.
        .addColumn('scopes', 'text', (c) => c.notNull())
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        .addColumn('expires_at', 'bigint', (c) => c.notNull())
        .addColumn('revoked_at', 'bigint')
        .addColumn('last_used_at', 'bigint')
        .addColumn('last_used_ip', 'text')
        .execute();
      await db.schema.createIndex('api_tokens_profile').on('api_tokens').column('profile_id').execute();
    },
    async down(db: Kysely<any>): Promise<void> {
      await db.schema.dropTable('api_tokens').execute();
    },
  };
}
