import { sql, type Kysely } from 'kysely';
import type { MigrationContext } from '../migration.ts';

/* eslint-disable @typescript-eslint/no-explicit-any -- migrations describe tables that the Database type may no longer match */
/**
 * Imports (src/features/imports) and payments from bank and agent registries.
 *
 * - `import_runs`: one row per run of an import (a dry run, a refused file, an application in
 *   progress or finished). An application commits batch by batch and moves `cursor_line` in the
 *   same transaction, so that a run killed half-way resumes after its last committed line.
 * - `registry_payments`: every payment a registry carried, once per (source, operation id):
 *   credited to an account (its `payments` row) or kept unallocated until someone decides.
 * - `payments.source`: who took the money («Сбербанк», «Почта России»), shown in the customer's
 *   history; `payments.commission_kop`: the agent's commission, kept apart from the sum credited.
 */
export default function imports(ctx: MigrationContext) {
  const idType = ctx.dialect === 'postgres' ? 'bigserial' : 'integer';
  const id = (db: Kysely<any>, table: string) =>
    db.schema
      .createTable(table)
      .addColumn('id', idType, (c) =>
        ctx.dialect === 'postgres' ? c.primaryKey() : c.primaryKey().autoIncrement(),
      );
  return {
    async up(db: Kysely<any>): Promise<void> {
      await id(db, 'import_runs')
        .addColumn('kind', 'text', (c) => c.notNull())
        .addColumn('profile', 'text', (c) => c.notNull())
        .addColumn('file_name', 'text', (c) => c.notNull())
        .addColumn('file_sha256', 'text', (c) => c.notNull())
        .addColumn('file_bytes', 'bigint', (c) => c.notNull())
        .addColumn('status', 'text', (c) =>
          c.notNull().check(sql`status in ('dry_run', 'refused', 'applying', 'applied')`),
        )
        .addColumn('cursor_line', 'bigint', (c) => c.notNull().defaultTo(0))
        .addColumn('summary', 'text', (c) => c.notNull())
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        .addColumn('updated_at', 'bigint', (c) => c.notNull())
        .addColumn('finished_at', 'bigint')
        .execute();
      await db.schema
        .createIndex('import_runs_file')
        .on('import_runs')
        .columns(['kind', 'profile', 'file_sha256', 'status'])
        .execute();

      await id(db, 'registry_payments')
        .addColumn('source', 'text', (c) => c.notNull())
        .addColumn('operation_id', 'text', (c) => c.notNull())
        .addColumn('import_run_id', 'bigint', (c) => c.notNull().references('import_runs.id'))
        .addColumn('line_no', 'bigint', (c) => c.notNull())
        .addColumn('paid_on', 'text', (c) => c.notNull())
        .addColumn('account_number', 'text', (c) => c.notNull())
        .addColumn('account_id', 'bigint', (c) => c.references('accounts.id'))
        .addColumn('amount_kop', 'bigint', (c) => c.notNull())
        .addColumn('commission_kop', 'bigint', (c) => c.notNull())
        .addColumn('payer_name', 'text', (c) => c.notNull())
        .addColumn('payer_address', 'text', (c) => c.notNull())
        .addColumn('period', 'text')
        .addColumn('reading_values', 'text')
        .addColumn('status', 'text', (c) => c.notNull().check(sql`status in ('credited', 'unallocated')`))
        .addColumn('reason', 'text')
        .addColumn('payment_id', 'bigint', (c) => c.references('payments.id'))
        .addColumn('allocated_by', 'text')
        .addColumn('allocated_at', 'bigint')
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        .addUniqueConstraint('registry_payments_operation', ['source', 'operation_id'])
        .execute();
      await db.schema
        .createIndex('registry_payments_status')
        .on('registry_payments')
        .columns(['status', 'id'])
        .execute();

      await db.schema.alterTable('payments').addColumn('source', 'text').execute();
      await db.schema
        .alterTable('payments')
        .addColumn('commission_kop', 'bigint', (c) => c.notNull().defaultTo(0))
        .execute();
    },
    async down(db: Kysely<any>): Promise<void> {
      await db.schema.alterTable('payments').dropColumn('commission_kop').execute();
      await db.schema.alterTable('payments').dropColumn('source').execute();
      await db.schema.dropTable('registry_payments').execute();
      await db.schema.dropTable('import_runs').execute();
    },
  };
}
