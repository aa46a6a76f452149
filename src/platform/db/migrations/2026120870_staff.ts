import { sql, type Kysely } from 'kysely';
import type { MigrationContext } from '../migration.ts';

/* eslint-disable @typescript-eslint/no-explicit-any -- migrations describe tables that the Database type may no longer match */
/**
 * The back office's staff (src/features/office): their accounts, second factors, recovery codes,
 * sessions and login attempts. Staff actions go to the customers' audit_log, which gains the
 * acting staff user, so that one table holds an account's whole trail.
 */
export default function staff(ctx: MigrationContext) {
  const pg = ctx.dialect === 'postgres';
  const id = (db: Kysely<any>, table: string) =>
    db.schema
      .createTable(table)
      .addColumn('id', pg ? 'bigserial' : 'integer', (c) =>
        pg ? c.primaryKey() : c.primaryKey().autoIncrement(),
      );
  return {
    async up(db: Kysely<any>): Promise<void> {
      await id(db, 'staff_users')
        .addColumn('login', 'text', (c) => c.notNull().unique())
        .addColumn('full_name', 'text', (c) => c.notNull())
        // Comma-separated, from operator, accountant, admin.
        .addColumn('roles', 'text', (c) => c.notNull())
        .addColumn('state', 'text', (c) => c.notNull().check(sql`state in ('active', 'disabled')`))
        .addColumn('password_hash', 'text')
        .addColumn('totp_secret', 'text')
        .addColumn('pending_totp_secret', 'text')
        .addColumn('totp_last_step', 'bigint', (c) => c.notNull().defaultTo(0))
        .addColumn('enroll_token_hash', 'text', (c) => c.unique())
        .addColumn('enroll_expires_at', 'bigint')
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        .execute();

      await id(db, 'staff_recovery_codes')
        .addColumn('staff_user_id', 'bigint', (c) => c.notNull().references('staff_users.id'))
        .addColumn('code_hash', 'text', (c) => c.notNull())
        .addColumn('used_at', 'bigint')
        .execute();
      await db.schema
        .createIndex('staff_recovery_codes_user')
        .on('staff_recovery_codes')
        .column('staff_user_id')
        .execute();

      await id(db, 'staff_sessions')
        .addColumn('token_hash', 'text', (c) => c.notNull().unique())
        .addColumn('staff_user_id', 'bigint', (c) => c.notNull().references('staff_users.id'))
        // 0 while the second factor is awaited after the password; 1 once it was given.
        .addColumn('verified', 'integer', (c) => c.notNull())
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        .addColumn('last_seen_at', 'bigint', (c) => c.notNull())
        .addColumn('ip', 'text')
        .execute();
      await db.schema
        .createIndex('staff_sessions_user')
        .on('staff_sessions')
        .column('staff_user_id')
        .execute();

      await id(db, 'staff_login_attempts')
        .addColumn('login', 'text', (c) => c.notNull())
        .addColumn('ip', 'text', (c) => c.notNull())
        .addColumn('at', 'bigint', (c) => c.notNull())
        .addColumn('success', 'integer', (c) => c.notNull())
        .execute();
      await db.schema
        .createIndex('staff_login_attempts_login')
        .on('staff_login_attempts')
        .columns(['login', 'at'])
        .execute();
      await db.schema
        .createIndex('staff_login_attempts_ip')
        .on('staff_login_attempts')
        .columns(['ip', 'at'])
        .execute();

      // The back office's start page counts the readings the rules held for review.
      await db.schema
        .createIndex('readings_review')
        .on('readings')
        .column('id')
        .where(sql.ref('status'), '=', 'review')
        .execute();

      await db.schema.alterTable('audit_log').addColumn('staff_user_id', 'bigint').execute();
      await db.schema
        .createIndex('audit_log_staff')
        .on('audit_log')
        .columns(['staff_user_id', 'at'])
        .execute();
    },
    async down(db: Kysely<any>): Promise<void> {
      await db.schema.dropIndex('audit_log_staff').execute();
      await db.schema.dropIndex('readings_review').execute();
      await db.schema.alterTable('audit_log').dropColumn('staff_user_id').execute();
      for (const t of ['staff_login_attempts', 'staff_sessions', 'staff_recovery_codes', 'staff_users']) {
        await db.schema.dropTable(t).execute();
      }
    },
  };
}
