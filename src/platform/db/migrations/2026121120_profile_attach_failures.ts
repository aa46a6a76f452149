import type { Kysely } from 'kysely';
import type { MigrationContext } from '../migration.ts';

/* eslint-disable @typescript-eslint/no-explicit-any -- migrations describe tables that the Database type may no longer match */
/**
 * Failed attempts to attach an account to a profile with a proof (src/features/profile/accounts.*):
 * a wrong number, surname or amount. The proof is short (a number, a surname printed on bills and
 * an amount within a rouble), so failures are limited per profile and per account number within a
 * day; only failures are kept (successes go to the audit log).
 */
export default function profileAttachFailures(ctx: MigrationContext) {
  const pg = ctx.dialect === 'postgres';
  return {
    async up(db: Kysely<any>): Promise<void> {
      await db.schema
        .createTable('profile_attach_failures')
        .addColumn('id', pg ? 'bigserial' : 'integer', (c) =>
          pg ? c.primaryKey() : c.primaryKey().autoIncrement(),
        )
        .addColumn('profile_id', 'bigint', (c) => c.notNull().references('profiles.id'))
        // As typed and checked (10 digits), whether or not such an account exists.
        .addColumn('account_number', 'text', (c) => c.notNull())
        .addColumn('at', 'bigint', (c) => c.notNull())
        .execute();
      await db.schema
        .createIndex('profile_attach_failures_profile')
        .on('profile_attach_failures')
        .columns(['profile_id', 'at'])
        .execute();
      await db.schema
        .createIndex('profile_attach_failures_account')
        .on('profile_attach_failures')
        .columns(['account_number', 'at'])
        .execute();
    },
    async down(db: Kysely<any>): Promise<void> {
      await db.schema.dropTable('profile_attach_failures').execute();
    },
  };
}
