import { sql, type Kysely } from 'kysely';
import type { MigrationContext } from '../migration.ts';

/* eslint-disable @typescript-eslint/no-explicit-any -- migrations describe tables that the Database type may no longer match */

const KINDS = `('bill', 'reminder', 'review')`;
const STATUSES_BEFORE = `('queued', 'sending', 'sent', 'failed', 'cancelled')`;
const STATUSES_AFTER = `('queued', 'sending', 'sent', 'failed', 'cancelled', 'bounced')`;

/**
 * Bounced e-mails (issue 18, the back office's mailing):
 * - `mail_outbox.status` gains `bounced`: the recipient's server refused the message for good,
 *   at send time (a 5xx to RCPT TO or DATA) or later by a delivery status notification;
 * - `mail_outbox.message_id`: the Message-ID the worker sent the row with, so that a DSN is
 *   matched to it (rows sent before this migration have none: the CLI reads their id from the
 *   Message-ID's own shape);
 * - `mail_subscriptions.bounced_at` / `bounce_reason`: the address is undeliverable, nothing is
 *   sent to it until its owner confirms it (again).
 *
 * The status is a CHECK constraint: PostgreSQL replaces it in place; SQLite cannot alter one, so
 * the table is rebuilt with the same columns, constraints and indexes (its rows copied, ids kept;
 * nothing references it), as 2026120898_reading_review did for the kind.
 */
export default function mailBounces(ctx: MigrationContext) {
  const pg = ctx.dialect === 'postgres';
  const setStatuses = async (db: Kysely<any>, statuses: string, withMessageId: boolean) => {
    if (pg) {
      await sql`alter table mail_outbox drop constraint mail_outbox_status_check`.execute(db);
      await sql`alter table mail_outbox add constraint mail_outbox_status_check check (status in ${sql.raw(statuses)})`.execute(
        db,
      );
      if (withMessageId) {
        await db.schema.alterTable('mail_outbox').addColumn('message_id', 'text').execute();
      } else {
        await db.schema.alterTable('mail_outbox').dropColumn('message_id').execute();
      }
      return;
    }
    let table = db.schema
      .createTable('mail_outbox_new')
      .addColumn('id', 'integer', (c) => c.primaryKey().autoIncrement())
      .addColumn('account_id', 'bigint', (c) => c.notNull().references('accounts.id'))
      .addColumn('period', 'text', (c) => c.notNull())
      .addColumn('kind', 'text', (c) => c.notNull().check(sql`kind in ${sql.raw(KINDS)}`))
      .addColumn('status', 'text', (c) => c.notNull().check(sql`status in ${sql.raw(statuses)}`))
      .addColumn('attempts', 'integer', (c) => c.notNull().defaultTo(0))
      .addColumn('next_attempt_at', 'bigint', (c) => c.notNull())
      .addColumn('lease_owner', 'text')
      .addColumn('lease_expires_at', 'bigint')
      .addColumn('last_error', 'text')
      .addColumn('created_at', 'bigint', (c) => c.notNull())
      .addColumn('updated_at', 'bigint', (c) => c.notNull())
      .addColumn('sent_at', 'bigint');
    if (withMessageId) {
      table = table.addColumn('message_id', 'text');
    }
    await table.addUniqueConstraint('mail_outbox_message', ['account_id', 'period', 'kind']).execute();
    const columns = sql.raw(`id, account_id, period, kind, status, attempts, next_attempt_at, lease_owner,
      lease_expires_at, last_error, created_at, updated_at, sent_at`);
    await sql`insert into mail_outbox_new (${columns}) select ${columns} from mail_outbox`.execute(db);
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
      await setStatuses(db, STATUSES_AFTER, true);
      await db.schema.createIndex('mail_outbox_message_id').on('mail_outbox').column('message_id').execute();
      // The bounced messages are few; the metrics count them on every scrape.
      await sql`create index mail_outbox_bounced on mail_outbox (id) where status = 'bounced'`.execute(db);
      await db.schema.alterTable('mail_subscriptions').addColumn('bounced_at', 'bigint').execute();
      await db.schema.alterTable('mail_subscriptions').addColumn('bounce_reason', 'text').execute();
    },
    async down(db: Kysely<any>): Promise<void> {
      await db.schema.alterTable('mail_subscriptions').dropColumn('bounce_reason').execute();
      await db.schema.alterTable('mail_subscriptions').dropColumn('bounced_at').execute();
      await db.schema.dropIndex('mail_outbox_bounced').ifExists().execute();
      await db.schema.dropIndex('mail_outbox_message_id').ifExists().execute();
      await db.updateTable('mail_outbox').set({ status: 'failed' }).where('status', '=', 'bounced').execute();
      await setStatuses(db, STATUSES_BEFORE, false);
    },
  };
}
