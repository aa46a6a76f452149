import type { Kysely, Transaction } from 'kysely';
import type { Database } from '../../platform/db/schema.ts';
import type { ReportRow } from './report.ts';

type Q = Kysely<Database> | Transaction<Database>;

// Files uploaded in the back office and their jobs: receiving a file in chunks, claiming a
// queued upload under a lease, progress, the outcome. Back office only: no customer route
// reaches these functions.

export type UploadState = 'receiving' | 'queued' | 'running' | 'done' | 'failed';
export type UploadMode = 'check' | 'apply';
export type UploadPart = 'file' | 'report';

/** What the staff member gave with the file besides its kind (upload.kinds.ts says which kinds take what). */
export interface UploadOptions {
  /** The region that starts every object address (the accounts import). */
  region?: string;
  /** The file holds every account: those missing from it are reported (the accounts import). */
  full?: boolean;
}

export interface Upload {
  id: number;
  kind: string;
  fileName: string;
  fileBytes: number;
  fileLines: number;
  staffUserId: number;
  state: UploadState;
  mode: UploadMode;
  attempts: number;
  leaseOwner: string | null;
  leaseExpiresAt: number | null;
  phase: 'check' | 'apply' | null;
  linesDone: number;
  runId: number | null;
  summary: string | null;
  preview: ReportRow[];
  error: string | null;
  createdAt: number;
  updatedAt: number;
  options: UploadOptions;
}

const COLUMNS = [
  'id',
  'kind',
  'file_name',
  'file_bytes',
  'file_lines',
  'staff_user_id',
  'state',
  'mode',
  'attempts',
  'lease_owner',
  'lease_expires_at',
  'phase',
  'lines_done',
  'run_id',
  'summary',
  'rejected_preview',
  'error',
  'created_at',
  'updated_at',
  'options',
] as const;

type Row = {
  id: number | string;
  kind: string;
  file_name: string;
  file_bytes: number | string;
  file_lines: number | string;
  staff_user_id: number | string;
  state: string;
  mode: string;
  attempts: number | string;
  lease_owner: string | null;
  lease_expires_at: number | string | null;
  phase: string | null;
  lines_done: number | string;
  run_id: number | string | null;
  summary: string | null;
  rejected_preview: string | null;
  error: string | null;
  created_at: number | string;
  updated_at: number | string;
  options: string | null;
};

function toUpload(r: Row): Upload {
  return {
    id: Number(r.id),
    kind: r.kind,
    fileName: r.file_name,
    fileBytes: Number(r.file_bytes),
    fileLines: Number(r.file_lines),
    staffUserId: Number(r.staff_user_id),
    state: r.state as UploadState,
    mode: r.mode as UploadMode,
    attempts: Number(r.attempts),
    leaseOwner: r.lease_owner,
    leaseExpiresAt: r.lease_expires_at === null ? null : Number(r.lease_expires_at),
    phase: r.phase as Upload['phase'],
    linesDone: Number(r.lines_done),
    runId: r.run_id === null ? null : Number(r.run_id),
    summary: r.summary,
    preview: r.rejected_preview ? (JSON.parse(r.rejected_preview) as ReportRow[]) : [],
    error: r.error,
    createdAt: Number(r.created_at),
    updatedAt: Number(r.updated_at),
    options: r.options ? (JSON.parse(r.options) as UploadOptions) : {},
  };
}

/** A new upload, receiving its file. */
export async function createUpload(
  db: Q,
  u: { kind: string; fileName: string; staffUserId: number; now: number; options?: UploadOptions },
): Promise<number> {
  const row = await db
    .insertInto('import_uploads')
    .values({
      kind: u.kind,
      file_name: u.fileName,
      staff_user_id: u.staffUserId,
      state: 'receiving',
      mode: 'check',
      created_at: u.now,
      updated_at: u.now,
      options: u.options && Object.keys(u.options).length > 0 ? JSON.stringify(u.options) : null,
    })
    .returning('id')
    .executeTakeFirstOrThrow();
  return Number(row.id);
}

export async function insertChunk(
  db: Q,
  id: number,
  part: UploadPart,
  seq: number,
  data: Buffer,
): Promise<void> {
  await db.insertInto('import_upload_chunks').values({ upload_id: id, part, seq, data }).execute();
}

/** The file is whole: its dry run waits for a job runner. */
export async function finishReceiving(
  db: Q,
  id: number,
  r: { bytes: number; lines: number; now: number },
): Promise<void> {
  await db
    .updateTable('import_uploads')
    .set({ state: 'queued', file_bytes: r.bytes, file_lines: r.lines, updated_at: r.now })
    .where('id', '=', id)
    .where('state', '=', 'receiving')
    .execute();
}

/** An upload refused (too large, binary) or abandoned while receiving: it and its chunks are gone. */
export async function deleteUpload(db: Kysely<Database>, id: number): Promise<void> {
  await db.transaction().execute(async (tx) => {
    await tx.deleteFrom('import_upload_chunks').where('upload_id', '=', id).execute();
    await tx.deleteFrom('import_uploads').where('id', '=', id).execute();
  });
}

/** Uploads still receiving since before `before`: their request died (the instance was killed). */
export async function staleReceiving(db: Q, before: number): Promise<number[]> {
  const rows = await db
    .selectFrom('import_uploads')
    .select('id')
    .where('state', '=', 'receiving')
    .where('updated_at', '<', before)
    .execute();
  return rows.map((r) => Number(r.id));
}

export async function findUpload(db: Q, id: number): Promise<Upload | undefined> {
  const r = await db.selectFrom('import_uploads').select(COLUMNS).where('id', '=', id).executeTakeFirst();
  return r && toUpload(r);
}

/** The latest uploads of these kinds, the newest first. */
export async function listUploads(db: Q, kinds: string[], limit: number): Promise<Upload[]> {
  if (kinds.length === 0) {
    return [];
  }
  const rows = await db
    .selectFrom('import_uploads')
    .select(COLUMNS)
    .where('kind', 'in', kinds)
    .where('state', '!=', 'receiving')
    .orderBy('id', 'desc')
    .limit(limit)
    .execute();
  return rows.map(toUpload);
}

/**
 * Takes a queued upload, or one whose runner's lease ran out, for `owner`. Compare-and-set per
 * candidate: of two runners that pick the same upload, one changes the row and the other finds
 * it taken (its update matches nothing), on SQLite and PostgreSQL alike.
 */
export async function claimUpload(
  db: Q,
  o: { owner: string; now: number; leaseMs: number },
): Promise<Upload | undefined> {
  const candidates = await db
    .selectFrom('import_uploads')
    .select('id')
    .where((eb) =>
      eb.or([
        eb('state', '=', 'queued'),
        eb.and([eb('state', '=', 'running'), eb('lease_expires_at', '<=', o.now)]),
      ]),
    )
    .orderBy('id')
    .limit(5)
    .execute();
  for (const c of candidates) {
    const res = await db
      .updateTable('import_uploads')
      .set((eb) => ({
        state: 'running',
        lease_owner: o.owner,
        lease_expires_at: o.now + o.leaseMs,
        attempts: eb('attempts', '+', 1),
        lines_done: 0,
        phase: null,
        updated_at: o.now,
      }))
      .where('id', '=', Number(c.id))
      .where((eb) =>
        eb.or([
          eb('state', '=', 'queued'),
          eb.and([eb('state', '=', 'running'), eb('lease_expires_at', '<=', o.now)]),
        ]),
      )
      .executeTakeFirst();
    if (Number(res.numUpdatedRows) === 1) {
      return findUpload(db, Number(c.id));
    }
  }
  return undefined;
}

/** Records progress and extends the lease; false when the upload is no longer this runner's. */
export async function renewLease(
  db: Q,
  id: number,
  o: { owner: string; now: number; leaseMs: number; phase: 'check' | 'apply'; linesDone: number },
): Promise<boolean> {
  const res = await db
    .updateTable('import_uploads')
    .set({
      lease_expires_at: o.now + o.leaseMs,
      phase: o.phase,
      lines_done: o.linesDone,
      updated_at: o.now,
    })
    .where('id', '=', id)
    .where('state', '=', 'running')
    .where('lease_owner', '=', o.owner)
    .executeTakeFirst();
  return Number(res.numUpdatedRows) === 1;
}

/** The chunks of a part from `fromSeq`, in order, at most `limit`. */
export async function readChunks(
  db: Q,
  id: number,
  part: UploadPart,
  fromSeq: number,
  limit: number,
): Promise<Array<{ seq: number; data: Buffer }>> {
  const rows = await db
    .selectFrom('import_upload_chunks')
    .select(['seq', 'data'])
    .where('upload_id', '=', id)
    .where('part', '=', part)
    .where('seq', '>=', fromSeq)
    .orderBy('seq')
    .limit(limit)
    .execute();
  return rows.map((r) => ({ seq: Number(r.seq), data: Buffer.from(r.data) }));
}

/** Removes the previous run's report, before the runner stores the new one chunk by chunk. */
export async function clearReport(db: Q, id: number): Promise<void> {
  await db
    .deleteFrom('import_upload_chunks')
    .where('upload_id', '=', id)
    .where('part', '=', 'report')
    .execute();
}

/** The outcome of a run, written only by the runner that holds the lease; false when it was lost. */
export async function finishUpload(
  db: Kysely<Database>,
  id: number,
  o: {
    owner: string;
    now: number;
    state: 'done' | 'failed';
    runId: number | null;
    summary: string | null;
    preview: ReportRow[];
    error: string | null;
    linesDone: number;
  },
): Promise<boolean> {
  const res = await db
    .updateTable('import_uploads')
    .set({
      state: o.state,
      run_id: o.runId,
      summary: o.summary,
      rejected_preview: JSON.stringify(o.preview),
      error: o.error,
      lines_done: o.linesDone,
      lease_owner: null,
      lease_expires_at: null,
      updated_at: o.now,
    })
    .where('id', '=', id)
    .where('state', '=', 'running')
    .where('lease_owner', '=', o.owner)
    .executeTakeFirst();
  return Number(res.numUpdatedRows) === 1;
}

/** Queues the application of a checked upload; false when it is not one (already queued, applied, …). */
export async function requestApply(db: Q, id: number, now: number): Promise<boolean> {
  const res = await db
    .updateTable('import_uploads')
    .set({ state: 'queued', mode: 'apply', lines_done: 0, phase: null, attempts: 0, updated_at: now })
    .where('id', '=', id)
    .where('state', '=', 'done')
    .where('mode', '=', 'check')
    .executeTakeFirst();
  return Number(res.numUpdatedRows) === 1;
}
