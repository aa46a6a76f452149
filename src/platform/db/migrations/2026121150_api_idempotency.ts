import type { Kysely } from 'kysely';
import type { MigrationContext } from '../migration.ts';

/* eslint-disable @typescript-eslint/no-explicit-any -- migrations describe tables that the Database type may no longer match */
/**
 * The open API's idempotency keys (src/features/api-idempotency): a program that sends a write
 * with an `Idempotency-Key` header gets the first result again when it repeats the key (a retry
 * after a lost answer), and 422 when it reuses the key for another request. Kept per token for
 * 24 hours; a row without a status is a request under way.
 */
export default function apiIdempotency(_ctx: MigrationContext) {
  return {
    async up(db: Kysely<any>): Promise<void> {
      await db.schema
        .createTable('api_idempotency_keys')
        .addColumn('token_id', 'bigint', (c) => c.notNull().references('api_tokens.id'))
        // As the client sent it (1–255 printable ASCII characters).
        .addColumn('key', 'text', (c) => c.notNull())
        // SHA-256 (hex) of what the request asked: the same key with another request is refused.
        .addColumn('fingerprint', 'text', (c) => c.notNull())
        // The first answer's status and JSON body; both null while the first request is under way.
        .addColumn('status_code', 'integer')
        .addColumn('response', 'text')
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        .addPrimaryKeyConstraint('api_idempotency_keys_pk', ['token_id', 'key'])
        .execute();
    },
    async down(db: Kysely<any>): Promise<void> {
      await db.schema.dropTable('api_idempotency_keys').execute();
    },
  };
}
