import { randomUUID } from 'node:crypto';
import fs from 'node:fs';
import { once } from 'node:events';
import os from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import type { FastifyBaseLogger } from 'fastify';
import type { Kysely } from 'kysely';
import { parse } from 'csv-parse';
import type { Database } from '../../platform/db/schema.ts';
import type { Job } from '../../platform/jobs.ts';
import type { ImportSummary } from './engine.ts';
import type { ReportKind, ReportRow } from './report.ts';
import type { UploadDeps, UploadKind } from './upload.kinds.ts';
import * as repo from './upload.repository.ts';

/**
 * The job runner of uploaded imports, in every listening instance. It claims one queued upload
 * under a lease (upload.repository.ts: two runners never take the same one), writes the file
 * from its chunks into a temporary file, runs the engine on it (a dry run, or the application),
 * and stores the outcome and the report of rejected lines in the database, where every instance
 * can show them. While reading it records the lines done and renews its lease; killed, it leaves
 * the upload 'running' until the lease runs out, and then another runner takes it and runs it
 * again: a dry run starts over, an application resumes after its last committed batch (engine.ts).
 */

export interface UploadRunnerDeps extends UploadDeps {
  db: Kysely<Database>;
  kinds: readonly UploadKind[];
  leaseMs: number;
  /** This runner's name in the leases; unique per process by default. */
  owner?: string;
  log?: FastifyBaseLogger;
}

/** A run that started this often without finishing (a file that kills its runner) is given up. */
export const MAX_ATTEMPTS = 3;
/** Progress and the lease are written at most this often while reading. */
const PROGRESS_MS = 1000;
/** Rows of the report kept for the page (all of them are in the downloadable CSV). */
export const PREVIEW_ROWS = 100;
const CHUNK_BYTES = 1024 * 1024;
/** An upload whose request died while receiving is removed after this long. */
const RECEIVING_TTL_MS = 60 * 60_000;

export const defaultOwner = `${os.hostname()}:${process.pid}:${randomUUID().slice(0, 8)}`;

class LeaseLost extends Error {}

/** Claims and runs one upload; its id, or null when none was waiting. */
export async function runNextUpload(deps: UploadRunnerDeps, signal?: AbortSignal): Promise<number | null> {
  const owner = deps.owner ?? defaultOwner;
  const upload = await repo.claimUpload(deps.db, {
    owner,
    now: deps.clock.now().getTime(),
    leaseMs: deps.leaseMs,
  });
  if (!upload) {
    return null;
  }
  const fail = (error: string) =>
    repo.finishUpload(deps.db, upload.id, {
      owner,
      now: deps.clock.now().getTime(),
      state: 'failed',
      runId: upload.runId,
      summary: upload.summary,
      preview: upload.preview,
      error,
      linesDone: 0,
    });
  const kind = deps.kinds.find((k) => k.key === upload.kind);
  if (!kind) {
    await fail('Этот вид загрузки больше не поддерживается.');
    return upload.id;
  }
  if (upload.attempts > MAX_ATTEMPTS) {
    await fail(
      `Обработка прерывалась ${MAX_ATTEMPTS} раза и остановлена. Проверьте файл и загрузите его снова.`,
    );
    return upload.id;
  }
  const dir = await fs.promises.mkdtemp(path.join(os.tmpdir(), 'lk-upload-'));
  try {
    await runClaimed(deps, owner, upload, kind, dir, signal);
  } catch (err) {
    if (!(err instanceof LeaseLost)) {
      deps.log?.error(
        { uploadId: upload.id, err: { message: err instanceof Error ? err.message : String(err) } },
        'upload import failed',
      );
      await fail('Загрузка не выполнена из-за ошибки на сервере (подробности — в журнале сервера).').catch(
        () => undefined,
      );
    }
  } finally {
    await fs.promises.rm(dir, { recursive: true, force: true });
  }
  return upload.id;
}

async function runClaimed(
  deps: UploadRunnerDeps,
  owner: string,
  upload: repo.Upload,
  kind: UploadKind,
  dir: string,
  signal: AbortSignal | undefined,
): Promise<void> {
  const file = path.join(dir, safeName(upload.fileName));
  await writeFileFromChunks(deps.db, upload.id, file);
  const reportPath = path.join(dir, 'report.csv');
  let last = performance.now();
  let pending: Promise<void> = Promise.resolve();
  let lost = false;
  const progress = (line: number, phase: 'check' | 'apply') => {
    if (lost || signal?.aborted) {
      throw new LeaseLost();
    }
    if (performance.now() - last < PROGRESS_MS) {
      return;
    }
    last = performance.now();
    pending = pending.then(async () => {
      const held = await repo.renewLease(deps.db, upload.id, {
        owner,
        now: deps.clock.now().getTime(),
        leaseMs: deps.leaseMs,
        phase,
        linesDone: line,
      });
      lost ||= !held;
    });
  };
  let summary: ImportSummary;
  try {
    summary = await kind.run(
      deps.db,
      deps,
      file,
      { apply: upload.mode === 'apply', reportPath, onLine: progress },
      { staffUserId: upload.staffUserId, fileName: upload.fileName },
      upload.options,
    );
  } finally {
    await pending;
  }
  if (lost) {
    throw new LeaseLost();
  }
  await repo.clearReport(deps.db, upload.id);
  let seq = 0;
  for await (const chunk of fs.createReadStream(reportPath, { highWaterMark: CHUNK_BYTES })) {
    await repo.insertChunk(deps.db, upload.id, 'report', seq++, chunk as Buffer);
  }
  const done = await repo.finishUpload(deps.db, upload.id, {
    owner,
    now: deps.clock.now().getTime(),
    state: 'done',
    runId: summary.runId,
    summary: JSON.stringify({ ...summary, reportPath: '' }),
    preview: await readPreview(reportPath),
    error: null,
    linesDone: upload.fileLines,
  });
  if (!done) {
    throw new LeaseLost();
  }
}

/** The file's name, kept for the engine's runs and reports, without anything that leaves the directory. */
function safeName(name: string): string {
  const base = name.replace(/[/\\\0]/g, '_').replace(/^\.+/, '_');
  return base === '' ? 'upload' : base.slice(0, 200);
}

async function writeFileFromChunks(db: Kysely<Database>, id: number, file: string): Promise<void> {
  const out = fs.createWriteStream(file);
  let next = 0;
  for (;;) {
    const chunks = await repo.readChunks(db, id, 'file', next, 4);
    for (const c of chunks) {
      if (!out.write(c.data)) {
        await once(out, 'drain');
      }
      next = c.seq + 1;
    }
    if (chunks.length < 4) {
      break;
    }
  }
  out.end();
  await once(out, 'close');
}

/** The first rows of the report, for the page. */
async function readPreview(reportPath: string): Promise<ReportRow[]> {
  const rows: ReportRow[] = [];
  const parser = fs
    .createReadStream(reportPath)
    .pipe(
      parse({ delimiter: ';', bom: true, from_line: 2, to_line: PREVIEW_ROWS + 1, relax_column_count: true }),
    );
  for await (const r of parser as AsyncIterable<string[]>) {
    const [line = '', kind = '', field = '', message = ''] = r.map((s) => s.replace(/^'(?=[=+\-@\t\r])/, ''));
    rows.push({ line: line === '' ? null : Number(line), kind: kind as ReportKind, field, message });
  }
  return rows;
}

/** Removes the uploads whose request died while receiving the file. */
export async function pruneReceiving(deps: Pick<UploadRunnerDeps, 'db' | 'clock'>): Promise<void> {
  for (const id of await repo.staleReceiving(deps.db, deps.clock.now().getTime() - RECEIVING_TTL_MS)) {
    await repo.deleteUpload(deps.db, id);
  }
}

/**
 * The runner as a server job: every `pollMs` it runs the queued uploads one after another; the
 * server's closing stops it at the next line read (an application resumes later, elsewhere).
 */
export function uploadJob(deps: UploadRunnerDeps, pollMs: number): Job {
  return {
    name: 'uploaded imports',
    async run(signal, log) {
      const withLog = { ...deps, log: deps.log ?? log };
      for (;;) {
        try {
          await sleep(pollMs, undefined, { signal, ref: false });
        } catch {
          return; // aborted: the server is closing
        }
        try {
          await pruneReceiving(withLog);
          while (!signal.aborted && (await runNextUpload(withLog, signal)) !== null) {
            // the next one
          }
        } catch (err) {
          log.warn(
            { job: 'uploaded imports', err: { message: err instanceof Error ? err.message : String(err) } },
            'job run failed',
          );
        }
      }
    },
  };
}
