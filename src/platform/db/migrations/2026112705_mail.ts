import { randomBytes } from 'node:crypto';
import { sql, type Kysely } from 'kysely';
import type { MigrationContext } from '../migration.ts';

/* eslint-disable @typescript-eslint/no-explicit-any -- migrations describe tables that the Database type may no longer match */
/**
 * Bills by e-mail (src/mail):
 * - `mail_subscriptions`: one address per account, whether bills go to it, and when its owner
 *   confirmed it; the address is stored nowhere else (deleting this row deletes it);
 * - `mail_confirmations`: confirmation links, as hashes only (the token's SHA-256, and a keyed hash
 *   of the address for the per-address rate limit), single use, with their expiry;
 * - `mail_outbox`: the durable mailing queue, one row per (account, period, kind), claimed by
 *   workers under a lease (owner + expiry);
 * - `mail_keys`: the secret for the unsubscribe links' HMAC, made here once per database so that
 *   every process shares it.
 */
export default function mail(ctx: MigrationContext) {
  const pg = ctx.dialect === 'postgres';
  const idType = pg ? 'bigserial' : 'integer';
  const id = (db: Kysely<any>, table: string) =>
    db.schema
      .createTable(table)
      .addColumn('id', idType, (c) => (pg ? c.primaryKey() : c.primaryKey().autoIncrement()));
  return {
    async up(db: Kysely<any>): Promise<void> {
      await db.schema
        .createTable('mail_keys')
        .addColumn('name', 'text', (c) => c.primaryKey())
        .addColumn('secret', 'text', (c) => c.notNull())
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        .execute();
      await db
        .insertInto('mail_keys')
        .values({ name: 'links', secret: randomBytes(32).toString('base64url'), created_at: Date.now() })
        .execute();

      await db.schema
        .createTable('mail_subscriptions')
        .addColumn('account_id', 'bigint', (c) => c.primaryKey().references('accounts.id'))
        .addColumn('email', 'text', (c) => c.notNull())
        .addColumn('subscribed', 'integer', (c) =>
          c
            .notNull()
            .defaultTo(0)
            .check(sql`subscribed in (0, 1)`),
        )
        .addColumn('confirmed_at', 'bigint')
        /** SHA-256 of the unsubscribe token (an HMAC of the account and address), to find the row by it. */
        .addColumn('unsubscribe_hash', 'text', (c) => c.notNull().unique())
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        .addColumn('updated_at', 'bigint', (c) => c.notNull())
        .execute();

      await id(db, 'mail_confirmations')
        .addColumn('account_id', 'bigint', (c) => c.notNull().references('accounts.id'))
        .addColumn('email_hash', 'text', (c) => c.notNull())
        .addColumn('token_hash', 'text', (c) => c.notNull().unique())
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        .addColumn('expires_at', 'bigint', (c) => c.notNull())
        .addColumn('used_at', 'bigint')
        .execute();
      await db.schema
        .createIndex('mail_confirmations_account')
        .on('mail_confirmations')
        .columns(['account_id', 'created_at'])
        .execute();
      await db.schema
        .createIndex('mail_confirmations_email')
        .on('mail_confirmations')
        .columns(['email_hash', 'created_at'])
        .execute();

      await id(db, 'mail_outbox')
        .addColumn('account_id', 'bigint', (c) => c.notNull().references('accounts.id'))
        .addColumn('period', 'text', (c) => c.notNull())
        .addColumn('kind', 'text', (c) => c.notNull().check(sql`kind in ('bill', 'reminder')`))
        .addColumn('status', 'text', (c) =>
          c.notNull().check(sql`status in ('queued', 'sending', 'sent', 'failed', 'cancelled')`),
        )
        .addColumn('attempts', 'integer', (c) => c.notNull().defaultTo(0))
        .addColumn('next_attempt_at', 'bigint', (c) => c.notNull())
        .addColumn('lease_owner', 'text')
        .addColumn('lease_expires_at', 'bigint')
        .addColumn('last_error', 'text')
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        .addColumn('updated_at', 'bigint', (c) => c.notNull())
        .addColumn('sent_at', 'bigint')
        .addUniqueConstraint('mail_outbox_message', ['account_id', 'period', 'kind'])
        .execute();
      // Only the unfinished rows are indexed for claiming, so a claim stays cheap however many were sent.
      await sql`create index mail_outbox_pending on mail_outbox (id) where status in ('queued', 'sending')`.execute(
        db,
      );
      await db.schema
        .createIndex('mail_outbox_progress')
        .on('mail_outbox')
        .columns(['period', 'kind', 'status'])
        .execute();
    },
    async down(db: Kysely<any>): Promise<void> {
      await db.schema.dropTable('mail_outbox').ifExists().execute();
      await db.schema.dropTable('mail_confirmations').ifExists().execute();
      await db.schema.dropTable('mail_subscriptions').ifExists().execute();
      await db.schema.dropTable('mail_keys').ifExists().execute();
    },
  };
}
