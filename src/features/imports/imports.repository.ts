import type { Kysely, Transaction } from 'kysely';
import type { Database } from '../../platform/db/schema.ts';

type Q = Kysely<Database> | Transaction<Database>;

export type RunStatus = 'dry_run' | 'refused' | 'applying' | 'applied';

export interface ImportRun {
  id: number;
  kind: string;
  profile: string;
  fileName: string;
  fileSha256: string;
  status: RunStatus;
  cursorLine: number;
  summary: string;
  createdAt: number;
  finishedAt: number | null;
}

function toRun(r: {
  id: number | string;
  kind: string;
  profile: string;
  file_name: string;
  file_sha256: string;
  status: string;
  cursor_line: number | string;
  summary: string;
  created_at: number | string;
  finished_at: number | string | null;
}): ImportRun {
  return {
    id: Number(r.id),
    kind: r.kind,
    profile: r.profile,
    fileName: r.file_name,
    fileSha256: r.file_sha256,
    status: r.status as RunStatus,
    cursorLine: Number(r.cursor_line),
    summary: r.summary,
    createdAt: Number(r.created_at),
    finishedAt: r.finished_at === null ? null : Number(r.finished_at),
  };
}

const COLUMNS = [
  'id',
  'kind',
  'profile',
  'file_name',
  'file_sha256',
  'status',
  'cursor_line',
  'summary',
  'created_at',
  'finished_at',
] as const;

export async function insertRun(
  db: Q,
  r: {
    kind: string;
    profile: string;
    fileName: string;
    fileSha256: string;
    fileBytes: number;
    status: RunStatus;
    summary: string;
    now: number;
  },
): Promise<number> {
  const row = await db
    .insertInto('import_runs')
    .values({
      kind: r.kind,
      profile: r.profile,
      file_name: r.fileName,
      file_sha256: r.fileSha256,
      file_bytes: r.fileBytes,
      status: r.status,
      summary: r.summary,
      created_at: r.now,
      updated_at: r.now,
      finished_at: r.status === 'applying' ? null : r.now,
    })
    .returning('id')
    .executeTakeFirstOrThrow();
  return Number(row.id);
}

/** The latest run of this file in `status`, if any (an interrupted application to resume, or a finished one). */
export async function findRunOfFile(
  db: Q,
  kind: string,
  profile: string,
  sha256: string,
  status: RunStatus,
): Promise<ImportRun | undefined> {
  const r = await db
    .selectFrom('import_runs')
    .select(COLUMNS)
    .where('kind', '=', kind)
    .where('profile', '=', profile)
    .where('file_sha256', '=', sha256)
    .where('status', '=', status)
    .orderBy('id', 'desc')
    .limit(1)
    .executeTakeFirst();
  return r && toRun(r);
}

export async function findRun(db: Q, id: number): Promise<ImportRun | undefined> {
  const r = await db.selectFrom('import_runs').select(COLUMNS).where('id', '=', id).executeTakeFirst();
  return r && toRun(r);
}

/** Moves an application's cursor (in the transaction of the batch it covers). */
export async function advanceRun(
  db: Q,
  id: number,
  cursorLine: number,
  summary: string,
  now: number,
): Promise<void> {
  await db
    .updateTable('import_runs')
    .set({ cursor_line: cursorLine, summary, updated_at: now })
    .where('id', '=', id)
    .execute();
}

export async function finishRun(
  db: Q,
  id: number,
  status: RunStatus,
  summary: string,
  now: number,
): Promise<void> {
  await db
    .updateTable('import_runs')
    .set({ status, summary, updated_at: now, finished_at: now })
    .where('id', '=', id)
    .execute();
}
