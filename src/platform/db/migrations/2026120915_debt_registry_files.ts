import type { Kysely } from 'kysely';
import type { MigrationContext } from '../migration.ts';

/* eslint-disable @typescript-eslint/no-explicit-any -- migrations describe tables that the Database type may no longer match */
/**
 * `debt_registry_files`: every debts registry made for the bank (src/features/exports), so that
 * its file name `INN_ACCOUNT_NNN_MMYY.txt` gets the next number NNN of its (INN, account, month),
 * whether the CLI or the back office made the previous one. The unique key makes two files made
 * at once take different numbers.
 */
export default function debtRegistryFiles(ctx: MigrationContext) {
  return {
    async up(db: Kysely<any>): Promise<void> {
      await db.schema
        .createTable('debt_registry_files')
        .addColumn('id', ctx.dialect === 'postgres' ? 'bigserial' : 'integer', (c) =>
          ctx.dialect === 'postgres' ? c.primaryKey() : c.primaryKey().autoIncrement(),
        )
        .addColumn('inn', 'text', (c) => c.notNull())
        .addColumn('settlement_account', 'text', (c) => c.notNull())
        .addColumn('period', 'text', (c) => c.notNull())
        .addColumn('seq', 'bigint', (c) => c.notNull())
        .addColumn('file_name', 'text', (c) => c.notNull())
        .addColumn('branch_id', 'bigint', (c) => c.references('branches.id'))
        .addColumn('staff_user_id', 'bigint', (c) => c.references('staff_users.id'))
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        .addUniqueConstraint('debt_registry_files_seq', ['inn', 'settlement_account', 'period', 'seq'])
        .execute();
    },
    async down(db: Kysely<any>): Promise<void> {
      await db.schema.dropTable('debt_registry_files').execute();
    },
  };
}
