import { sql, type Kysely } from 'kysely';
import type { MigrationContext } from '../migration.ts';

/* eslint-disable @typescript-eslint/no-explicit-any -- migrations describe tables that the Database type may no longer match */
/**
 * Profiles (src/features/profile): one login (an e-mail with a password or a passkey) for several
 * accounts. A profile sees the accounts attached to it; an account may be in several profiles (a
 * family). A session made by a profile login names the profile, and its account is the one the
 * customer chose among the attached ones; the manual's login (account number and surname) makes
 * sessions without a profile, as before.
 */
export default function profiles(ctx: MigrationContext) {
  const pg = ctx.dialect === 'postgres';
  const id = (db: Kysely<any>, table: string) =>
    db.schema
      .createTable(table)
      .addColumn('id', pg ? 'bigserial' : 'integer', (c) =>
        pg ? c.primaryKey() : c.primaryKey().autoIncrement(),
      );
  return {
    async up(db: Kysely<any>): Promise<void> {
      await id(db, 'profiles')
        // As the customer typed it, the domain lower-cased; unique among profiles.
        .addColumn('email', 'text', (c) => c.notNull().unique())
        // Null until the confirmation link was followed (double opt-in): no login before that.
        .addColumn('email_confirmed_at', 'bigint')
        // Argon2id (PHC string); null for a profile that logs in by passkey only.
        .addColumn('password_hash', 'text')
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        .execute();

      await db.schema
        .createTable('profile_accounts')
        .addColumn('profile_id', 'bigint', (c) => c.notNull().references('profiles.id'))
        .addColumn('account_id', 'bigint', (c) => c.notNull().references('accounts.id'))
        .addColumn('attached_at', 'bigint', (c) => c.notNull())
        // 'login': the profile was made in a session of this account; 'proof': attached later
        // with the number, the surname and the amount of the last bill or payment.
        .addColumn('attached_by', 'text', (c) => c.notNull().check(sql`attached_by in ('login', 'proof')`))
        .addPrimaryKeyConstraint('profile_accounts_pk', ['profile_id', 'account_id'])
        .execute();
      // The account's page lists the profiles that see it.
      await db.schema
        .createIndex('profile_accounts_account')
        .on('profile_accounts')
        .column('account_id')
        .execute();

      // The session's profile, when it was made by a profile login; its account_id is then the
      // account chosen in the switcher, valid only while that account stays attached.
      await db.schema.alterTable('sessions').addColumn('profile_id', 'bigint').execute();
    },
    async down(db: Kysely<any>): Promise<void> {
      await db.schema.alterTable('sessions').dropColumn('profile_id').execute();
      await db.schema.dropTable('profile_accounts').execute();
      await db.schema.dropTable('profiles').execute();
    },
  };
}
