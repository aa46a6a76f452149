import { sql, type Kysely } from 'kysely';
import type { MigrationContext } from '../migration.ts';

/* eslint-disable @typescript-eslint/no-explicit-any -- migrations describe tables that the Database type may no longer match */
/**
 * A profile's password login and its e-mails (src/features/profile): the attempts its throttles
 * read (as `login_attempts` for the manual's login, keyed by the e-mail's keyed hash instead of an
 * account number, so that no typed address is stored), and the e-mails sent to a profile's
 * address: confirmation links, password reset links and notices, of which the links' tokens are
 * stored only as SHA-256 hashes. The rows also count the e-mails against the "send again" limit.
 */
export default function profileAuth(ctx: MigrationContext) {
  const pg = ctx.dialect === 'postgres';
  const id = (db: Kysely<any>, table: string) =>
    db.schema
      .createTable(table)
      .addColumn('id', pg ? 'bigserial' : 'integer', (c) =>
        pg ? c.primaryKey() : c.primaryKey().autoIncrement(),
      );
  return {
    async up(db: Kysely<any>): Promise<void> {
      await id(db, 'profile_login_attempts')
        // HMAC-SHA-256 of the e-mail as parsed (features/mail emailHash), hex: known or not.
        .addColumn('email_key', 'text', (c) => c.notNull())
        .addColumn('ip', 'text', (c) => c.notNull())
        // `b:<hash>` of the browser cookie, or `ip:<address>` without one (login-throttle.ts).
        .addColumn('client', 'text', (c) => c.notNull())
        .addColumn('at', 'bigint', (c) => c.notNull())
        .addColumn('success', 'integer', (c) => c.notNull())
        .execute();
      await db.schema
        .createIndex('profile_login_attempts_key')
        .on('profile_login_attempts')
        .columns(['email_key', 'at'])
        .execute();
      await db.schema
        .createIndex('profile_login_attempts_ip')
        .on('profile_login_attempts')
        .columns(['ip', 'at'])
        .execute();

      await id(db, 'profile_mails')
        .addColumn('profile_id', 'bigint', (c) => c.notNull().references('profiles.id'))
        // 'confirm': the double opt-in link; 'reset': a password reset link; 'taken': the notice
        // that someone tried to make a profile with this address (no link).
        .addColumn('kind', 'text', (c) => c.notNull().check(sql`kind in ('confirm', 'reset', 'taken')`))
        // SHA-256 of the link's token, hex; null for a notice.
        .addColumn('token_hash', 'text', (c) => c.unique())
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        .addColumn('expires_at', 'bigint')
        .addColumn('used_at', 'bigint')
        .execute();
      await db.schema
        .createIndex('profile_mails_profile')
        .on('profile_mails')
        .columns(['profile_id', 'created_at'])
        .execute();
    },
    async down(db: Kysely<any>): Promise<void> {
      await db.schema.dropTable('profile_mails').ifExists().execute();
      await db.schema.dropTable('profile_login_attempts').ifExists().execute();
    },
  };
}
