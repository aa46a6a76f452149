import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createTestDb } from './db.ts';
import type { Clock } from '../src/platform/clock.ts';
import type { Db } from '../src/platform/db/connect.ts';
import { runImport, type ImportFormat, type ImportSummary } from '../src/features/imports/engine.ts';
import { summaryLines } from '../src/features/imports/summary.ts';

// Running an import format over a small file on a fresh database, and reading its report and audit.

export function tmpFile(content: string): string {
  const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'lk-reference-')), 'data.csv');
  fs.writeFileSync(file, content);
  return file;
}

export async function load<R>(
  clock: Clock,
  db: Db,
  format: ImportFormat<R>,
  file: string,
  apply = true,
): Promise<{ summary: ImportSummary; report: string; lines: string[] }> {
  const reportPath = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'lk-report-')), 'report.csv');
  const summary = await runImport(db.kysely, format, file, { apply, clock, reportPath });
  return {
    summary,
    report: fs.readFileSync(reportPath, 'utf8'),
    lines: summaryLines(summary, format.labels, format.recordsTitle),
  };
}

/** The report's rows of a line: [result, field, message]. */
export function rowsOf(report: string, line: number): string[][] {
  return report
    .split(/\r?\n/)
    .map((row) => row.split(';'))
    .filter((cells) => cells[0] === String(line))
    .map((cells) => [
      cells[1]!,
      cells[2]!,
      cells.slice(3).join(';').replace(/^"|"$/g, '').replace(/""/g, '"'),
    ]);
}

export async function withDb(dialect: 'sqlite' | 'postgres', fn: (db: Db) => Promise<void>): Promise<void> {
  const t = await createTestDb(dialect);
  try {
    await fn(t.db);
  } finally {
    await t.drop();
  }
}

export async function audit(
  db: Db,
  event: string,
): Promise<Array<{ outcome: string; details: Record<string, unknown> }>> {
  const rows = await db.kysely
    .selectFrom('audit_log')
    .select(['outcome', 'details'])
    .where('event', '=', event)
    .orderBy('id')
    .execute();
  return rows.map((r) => ({
    outcome: r.outcome,
    details: JSON.parse(r.details!) as Record<string, unknown>,
  }));
}
