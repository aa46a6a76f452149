import { sql, type Kysely } from 'kysely';
import type { MigrationContext } from '../migration.ts';

/* eslint-disable @typescript-eslint/no-explicit-any -- migrations describe tables that the Database type may no longer match */
/**
 * Files uploaded in the back office for an import (src/features/imports), and their job's state.
 * The portal runs as several stateless instances over one database, so the file itself lives
 * here, in chunks (`import_upload_chunks`, part 'file'), as does the report of its last run (part
 * 'report'); any instance's job runner claims a queued upload under a lease, and another takes it
 * over when the lease runs out (the engine resumes an interrupted application).
 */
export default function importUploads(ctx: MigrationContext) {
  const pg = ctx.dialect === 'postgres';
  return {
    async up(db: Kysely<any>): Promise<void> {
      await db.schema
        .createTable('import_uploads')
        .addColumn('id', pg ? 'bigserial' : 'integer', (c) =>
          pg ? c.primaryKey() : c.primaryKey().autoIncrement(),
        )
        .addColumn('kind', 'text', (c) => c.notNull())
        .addColumn('file_name', 'text', (c) => c.notNull())
        .addColumn('file_bytes', 'bigint', (c) => c.notNull().defaultTo(0))
        .addColumn('file_lines', 'bigint', (c) => c.notNull().defaultTo(0))
        .addColumn('staff_user_id', 'bigint', (c) => c.notNull().references('staff_users.id'))
        .addColumn('state', 'text', (c) =>
          c.notNull().check(sql`state in ('receiving', 'queued', 'running', 'done', 'failed')`),
        )
        .addColumn('mode', 'text', (c) => c.notNull().check(sql`mode in ('check', 'apply')`))
        .addColumn('attempts', 'integer', (c) => c.notNull().defaultTo(0))
        .addColumn('lease_owner', 'text')
        .addColumn('lease_expires_at', 'bigint')
        .addColumn('phase', 'text')
        .addColumn('lines_done', 'bigint', (c) => c.notNull().defaultTo(0))
        .addColumn('run_id', 'bigint', (c) => c.references('import_runs.id'))
        .addColumn('summary', 'text')
        .addColumn('rejected_preview', 'text')
        .addColumn('error', 'text')
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        .addColumn('updated_at', 'bigint', (c) => c.notNull())
        .execute();
      await db.schema
        .createIndex('import_uploads_state')
        .on('import_uploads')
        .columns(['state', 'id'])
        .execute();
      await db.schema
        .createTable('import_upload_chunks')
        .addColumn('upload_id', 'bigint', (c) => c.notNull().references('import_uploads.id'))
        .addColumn('part', 'text', (c) => c.notNull().check(sql`part in ('file', 'report')`))
        .addColumn('seq', 'integer', (c) => c.notNull())
        .addColumn('data', pg ? 'bytea' : 'blob', (c) => c.notNull())
        .addPrimaryKeyConstraint('import_upload_chunks_pk', ['upload_id', 'part', 'seq'])
        .execute();
    },
    async down(db: Kysely<any>): Promise<void> {
      await db.schema.dropTable('import_upload_chunks').execute();
      await db.schema.dropTable('import_uploads').execute();
    },
  };
}
