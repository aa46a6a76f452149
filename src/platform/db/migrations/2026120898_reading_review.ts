import { sql, type Kysely } from 'kysely';
import type { MigrationContext } from '../migration.ts';

/* eslint-disable @typescript-eslint/no-explicit-any -- migrations describe tables that the Database type may no longer match */

const KINDS_BEFORE = `('bill', 'reminder')`;
const KINDS_AFTER = `('bill', 'reminder', 'review')`;

/**
 * The back office's review queue (issue 18): a held reading records who decided it, when, and
 * why (`reviewed_by`, `reviewed_at`, `review_reason`); and the outbox gains the kind `review`,
 * the e-mail that tells a subscribed customer the outcome (one per account and billing period,
 * queued again by a later decision).
 *
 * The outbox's kind is a CHECK constraint. PostgreSQL replaces it in place; SQLite cannot alter
 * a constraint, so the table is rebuilt with the same columns, constraints and indexes (its rows
 * copied, ids kept; nothing references it).
 */
export default function readingReview(ctx: MigrationContext) {
  const pg = ctx.dialect === 'postgres';
  const setKinds = async (db: Kysely<any>, kinds: string) => {
    if (pg) {
      await sql`alter table mail_outbox drop constraint mail_outbox_kind_check`.execute(db);
      await sql`alter table mail_outbox add constraint mail_outbox_kind_check check (kind in ${sql.raw(kinds)})`.execute(
        db,
      );
      return;
    }
    await db.schema
      .createTable('mail_outbox_new')
      .addColumn('id', 'integer', (c) => c.primaryKey().autoIncrement())
      .addColumn('account_id', 'bigint', (c) => c.notNull().references('accounts.id'))
      .addColumn('period', 'text', (c) => c.notNull())
      .addColumn('kind', 'text', (c) => c.notNull().check(sql`kind in ${sql.raw(kinds)}`))
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
    await sql`insert into mail_outbox_new select id, account_id, period, kind, status, attempts,
      next_attempt_at, lease_owner, lease_expires_at, last_error, created_at, updated_at, sent_at
      from mail_outbox`.execute(db);
    await db.schema.dropTable('mail_outbox').execute();
    await sql`alter table mail_outbox_new rename to mail_outbox`.execute(db);
    await sql`create index mail_outbox_pending on mail_outbox (id) where status in ('queued', 'sending')`.execute(
      db,
    );
    await db.schema
      .createIndex('mail_outbox_progress')
      .on('mail_outbox')
      .columns(['period', 'kind', 'status'])
      .execute();
  };
  return {
    async up(db: Kysely<any>): Promise<void> {
      await db.schema.alterTable('readings').addColumn('reviewed_by', 'bigint').execute();
      await db.schema.alterTable('readings').addColumn('reviewed_at', 'bigint').execute();
      await db.schema.alterTable('readings').addColumn('review_reason', 'text').execute();
      await setKinds(db, KINDS_AFTER);
    },
    async down(db: Kysely<any>): Promise<void> {
      await db.deleteFrom('mail_outbox').where('kind', '=', 'review').execute();
      await setKinds(db, KINDS_BEFORE);
      await db.schema.alterTable('readings').dropColumn('review_reason').execute();
      await db.schema.alterTable('readings').dropColumn('reviewed_at').execute();
      await db.schema.alterTable('readings').dropColumn('reviewed_by').execute();
    },
  };
}
