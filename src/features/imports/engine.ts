import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import type { Kysely, Transaction } from 'kysely';
import type { Database } from '../../platform/db/schema.ts';
import type { Clock } from '../../platform/clock.ts';
import { openReport, type ReportRow, type ReportWriter } from './report.ts';
import { openSource, SourceRefused, type OpenedSource, type SourceOptions } from './source.ts';
import * as repo from './imports.repository.ts';
import { withBulkLoad, type BulkLoad } from './bulk-load.ts';

/**
 * The import engine: a source of records (any file openSource reads) → a format's reader (a
 * typed record, or line-numbered errors in Russian) → the format's applier, batch by batch.
 *
 * 1. The first pass reads the whole file and validates every line (and the totals of a
 *    registry); a dry run also asks the database what each record would do. Nothing is stored
 *    but the run itself. A file-level error, or any rejected line of a strict format, refuses the
 *    file whole, before anything is applied.
 * 2. Applying reads the file again and commits it in batches of `BATCH` records; each batch's
 *    transaction also moves the run's cursor. Killed half-way, the next run of the same file
 *    (same SHA-256) resumes after the last committed line; and the format's writes are
 *    idempotent anyway (a payment is keyed by its source and operation id), so nothing is done
 *    twice. Batches rather than one transaction per file: a 100 000-line registry in one
 *    transaction would hold SQLite's only writer for its whole length, stalling the portal's
 *    readings and card payments; a batch holds it for milliseconds.
 *    An `atomic` format (a tariff table: small, and wrong when half applied) is applied in one
 *    transaction instead, the run's row with it: all of the file or nothing, no resume needed.
 */

export const BATCH = 500;

/**
 * Thrown by an atomic format's `apply` when the database no longer allows what the check found
 * allowed (a month closed meanwhile): the transaction rolls back and the file is refused whole.
 */
export class ApplyRefused extends Error {}

export interface LineProblem {
  field?: string;
  message: string;
}

export type ReadResult<R> =
  | { kind: 'record'; record: R; notes?: LineProblem[] }
  | { kind: 'skip' }
  | { kind: 'rejected'; problems: LineProblem[] };

/** One pass's reader: stateful (duplicates within the file, running totals). */
export interface FormatReader<R> {
  read(line: number, fields: string[]): ReadResult<R>;
  /** After the last line: errors about the file as a whole (totals that disagree, a missing totals line). */
  end(): string[];
  /**
   * After a file that was not refused, what the database holds that the file does not (the
   * accounts, or settlement codes, missing from a full file): one outcome each, streamed, with
   * its note for the report. Called on the first pass's reader, which saw every line: in a dry
   * run what would be done, reading only; with `apply`, after the last batch, doing it (each
   * step idempotent, so that a resumed run may do it again).
   */
  missing?(db: Kysely<Database>, apply: boolean): AsyncIterable<Outcome>;
}

export interface Numbered<R> {
  line: number;
  record: R;
}

/**
 * What became of one record: the counter it adds to, and a note for the report. `rejected`: the
 * database refused the line (an unknown meter, …): reported as a rejected line, not as a note.
 */
export interface Outcome {
  count: string;
  note?: LineProblem;
  rejected?: boolean;
}

type Q = Kysely<Database> | Transaction<Database>;

export interface ImportFormat<R> {
  kind: string;
  profile: string;
  /** Any rejected line refuses the file whole (a registry's money must add up to its totals). */
  strict: boolean;
  /** Why a strict format refuses a file for one bad line, for the summary (a registry's by default). */
  strictReason?: string;
  /** The whole file in one transaction (small files that must not be half applied); else batches with resume. */
  atomic?: boolean;
  /**
   * A format that mostly adds rows to one table (the accounts): a file of at least `minRecords`
   * records applied to a table with fewer rows than the file is loaded with the table's
   * secondary indexes set aside, and they are built at the end (platform/db/deferred-indexes.ts).
   */
  bulk?: BulkLoad;
  /** What a record is, for the summary: «Строк с платежами» by default. */
  recordsTitle?: string;
  /** The counters' names for people, in the order printed. */
  labels: Record<string, string>;
  /** A reader of one pass over a source of this kind (a workbook's number cells are not text). */
  reader(source: OpenedSource['format']): FormatReader<R>;
  /** Before the file is read: what the reader checks against (the settlement codes, the tariff groups). */
  prepare?(db: Kysely<Database>): Promise<void>;
  /** What applying the batch would do; reads only. */
  plan(db: Q, batch: Numbered<R>[]): Promise<Outcome[]>;
  /** Applies the batch inside the transaction. */
  apply(tx: Transaction<Database>, batch: Numbered<R>[], runId: number): Promise<Outcome[]>;
  /**
   * After the batch's commit: steps that open their own transactions and are idempotent (a
   * reading carried by a payment). Runs again for lines already committed when resuming. One
   * outcome per line of the batch, in its order; null for a line it had nothing to do for.
   */
  afterCommit?(db: Kysely<Database>, batch: Numbered<R>[]): Promise<Array<Outcome | null>>;
}

export interface ImportSummary {
  runId: number;
  status: repo.RunStatus;
  /** Records read (lines with data, the header and totals not counted). */
  records: number;
  rejected: number;
  counts: Record<string, number>;
  /** Why the file was refused whole; empty when it was not. */
  fileErrors: string[];
  /** The earlier run this one resumed, or that already applied the same file. */
  resumedRun: number | null;
  alreadyApplied: number | null;
  reportPath: string;
  reportRows: number;
  encoding: string | null;
  delimiter: string | null;
}

export interface ImportOptions {
  apply: boolean;
  reportPath?: string;
  source?: SourceOptions;
  clock: Clock;
  onProgress?: (read: number, total: number, phase: 'check' | 'apply') => void;
  /**
   * Each line read, by its number: the back office's progress (lines done of the lines received).
   * It may throw to stop the run (its job lost its lease); an application resumes later.
   */
  onLine?: (line: number, phase: 'check' | 'apply') => void;
}

/** The default report: next to the file, `<name>.report.csv`. */
export function defaultReportPath(file: string): string {
  return path.join(path.dirname(file), `${path.basename(file)}.report.csv`);
}

async function sha256(file: string): Promise<string> {
  const h = createHash('sha256');
  for await (const chunk of fs.createReadStream(file)) {
    h.update(chunk as Buffer);
  }
  return h.digest('hex');
}

function emptySummary(labels: Record<string, string>, reportPath: string): ImportSummary {
  return {
    runId: 0,
    status: 'dry_run',
    records: 0,
    rejected: 0,
    counts: Object.fromEntries(Object.keys(labels).map((k) => [k, 0])),
    fileErrors: [],
    resumedRun: null,
    alreadyApplied: null,
    reportPath,
    reportRows: 0,
    encoding: null,
    delimiter: null,
  };
}

export async function runImport<R>(
  db: Kysely<Database>,
  format: ImportFormat<R>,
  file: string,
  opts: ImportOptions,
): Promise<ImportSummary> {
  const reportPath = opts.reportPath ?? defaultReportPath(file);
  const report = openReport(reportPath);
  const digest = await sha256(file);
  const size = (await fs.promises.stat(file)).size;
  const now = () => opts.clock.now().getTime();
  const summary = emptySummary(format.labels, reportPath);
  const newRun = (status: repo.RunStatus, q: Q = db) =>
    repo.insertRun(q, {
      kind: format.kind,
      profile: format.profile,
      fileName: path.basename(file),
      fileSha256: digest,
      fileBytes: size,
      status,
      summary: JSON.stringify(summary),
      now: now(),
    });
  try {
    let source: OpenedSource;
    let reader: FormatReader<R> | undefined;
    try {
      source = await openSource(file, opts.source);
      summary.encoding = source.encoding;
      summary.delimiter = source.delimiter;
      await format.prepare?.(db);
      // A workbook may turn out not to be one only while read (a ZIP, a cut file): refused alike.
      reader = await check(db, format, source, report, summary, opts);
    } catch (err) {
      if (!(err instanceof SourceRefused)) {
        throw err;
      }
      summary.fileErrors.push(err.message);
    }
    if (summary.fileErrors.length > 0 || (format.strict && summary.rejected > 0)) {
      if (summary.fileErrors.length === 0) {
        summary.fileErrors.push(
          `Файл отклонён целиком: в нём ${summary.rejected} ${summary.rejected === 1 ? 'строка' : 'строк(и)'} с ошибками, ${format.strictReason ?? 'платежи реестра должны сойтись с итогами'}. Исправленный файл можно загрузить снова.`,
        );
      }
      for (const message of summary.fileErrors) {
        await report.write({ line: null, kind: 'файл отклонён', message });
      }
      summary.status = 'refused';
      summary.runId = await newRun('refused');
      return summary;
    }
    const applied = await repo.findRunOfFile(db, format.kind, format.profile, digest, 'applied');
    summary.alreadyApplied = applied?.id ?? null;
    if (!opts.apply) {
      await missing(db, reader!, false, report, summary);
      summary.runId = await newRun('dry_run');
      return summary;
    }
    await withBulkLoad(db, format.bulk, summary.records, now(), async () => {
      await applyAll(db, format, source!, report, summary, digest, newRun, opts);
      if (summary.status !== 'refused') {
        await missing(db, reader!, true, report, summary);
      }
    });
    if (summary.status === 'refused') {
      // An atomic file refused while being applied (ApplyRefused): nothing of it was written.
      return summary;
    }
    summary.status = 'applied';
    await repo.finishRun(db, summary.runId, 'applied', JSON.stringify(summary), now());
    return summary;
  } finally {
    summary.reportRows = report.rows;
    await report.close();
  }
}

/** What the database holds that the file does not, counted and noted (file-level: no line). */
async function missing<R>(
  db: Kysely<Database>,
  reader: FormatReader<R>,
  apply: boolean,
  report: ReportWriter,
  summary: ImportSummary,
): Promise<void> {
  if (!reader.missing) {
    return;
  }
  for await (const o of reader.missing(db, apply)) {
    summary.counts[o.count] = (summary.counts[o.count] ?? 0) + 1;
    if (o.note) {
      await report.write({ line: null, kind: 'замечание', ...o.note });
    }
  }
}

/** The first pass: every line read and checked; with a dry run, the plan of each batch. Returns its reader. */
async function check<R>(
  db: Kysely<Database>,
  format: ImportFormat<R>,
  source: OpenedSource,
  report: ReportWriter,
  summary: ImportSummary,
  opts: ImportOptions,
): Promise<FormatReader<R>> {
  const reader = format.reader(source.format);
  let batch: Numbered<R>[] = [];
  const flush = async () => {
    if (!opts.apply && batch.length > 0) {
      await record(report, summary, batch, await format.plan(db, batch));
    }
    batch = [];
  };
  for await (const item of source.items((n) => opts.onProgress?.(n, source.size, 'check'))) {
    opts.onLine?.(item.line, 'check');
    if (item.kind === 'error') {
      summary.records++;
      summary.rejected++;
      await report.write({ line: item.line, kind: 'отклонена', message: item.message });
      if (item.fatal) {
        summary.fileErrors.push(`Строка ${item.line}: ${item.message}`);
        return reader;
      }
      continue;
    }
    const r = reader.read(item.line, item.fields);
    if (r.kind === 'skip') {
      continue;
    }
    summary.records++;
    if (r.kind === 'rejected') {
      summary.rejected++;
      for (const p of r.problems) {
        await report.write({ line: item.line, kind: 'отклонена', ...p });
      }
      continue;
    }
    for (const p of r.notes ?? []) {
      await report.write({ line: item.line, kind: 'замечание', ...p });
    }
    batch.push({ line: item.line, record: r.record });
    if (batch.length >= BATCH) {
      await flush();
    }
  }
  await flush();
  summary.fileErrors.push(...reader.end());
  return reader;
}

async function record<R>(
  report: ReportWriter,
  summary: ImportSummary,
  batch: Numbered<R>[],
  outcomes: Array<Outcome | null>,
): Promise<void> {
  for (const [i, o] of outcomes.entries()) {
    if (o === null) {
      continue;
    }
    // A line the database refused counts with the rejected lines, not with what was done.
    if (o.rejected) {
      summary.rejected++;
    } else {
      summary.counts[o.count] = (summary.counts[o.count] ?? 0) + 1;
    }
    if (o.note) {
      const row: ReportRow = {
        line: batch[i]!.line,
        kind: o.rejected ? 'отклонена' : 'замечание',
        ...o.note,
      };
      await report.write(row);
    }
  }
}

/** The second pass: the file applied batch by batch, resuming an interrupted run of the same file. */
async function applyAll<R>(
  db: Kysely<Database>,
  format: ImportFormat<R>,
  source: OpenedSource,
  report: ReportWriter,
  summary: ImportSummary,
  digest: string,
  newRun: (status: repo.RunStatus, q?: Q) => Promise<number>,
  opts: ImportOptions,
): Promise<void> {
  if (format.atomic) {
    return applyAtomic(db, format, source, report, summary, newRun, opts);
  }
  const resumed = await repo.findRunOfFile(db, format.kind, format.profile, digest, 'applying');
  let cursor = 0;
  if (resumed) {
    cursor = resumed.cursorLine;
    summary.resumedRun = resumed.id;
    summary.runId = resumed.id;
    const before = JSON.parse(resumed.summary) as Partial<ImportSummary>;
    summary.counts = { ...summary.counts, ...before.counts };
  } else {
    summary.runId = await newRun('applying');
  }
  const now = () => opts.clock.now().getTime();
  const reader = format.reader(source.format);
  let batch: Numbered<R>[] = [];
  let done: Numbered<R>[] = [];
  const flush = async () => {
    if (done.length > 0 && format.afterCommit) {
      // Lines committed by the interrupted run: only their idempotent after-steps, uncounted.
      await format.afterCommit(db, done);
    }
    done = [];
    if (batch.length === 0) {
      return;
    }
    const last = batch[batch.length - 1]!.line;
    const outcomes = await db.transaction().execute(async (tx) => {
      const out = await format.apply(tx, batch, summary.runId);
      const counts = { ...summary.counts };
      for (const o of out) {
        counts[o.count] = (counts[o.count] ?? 0) + 1;
      }
      await repo.advanceRun(tx, summary.runId, last, JSON.stringify({ ...summary, counts }), now());
      return out;
    });
    await record(report, summary, batch, outcomes);
    if (format.afterCommit) {
      await record(report, summary, batch, await format.afterCommit(db, batch));
    }
    batch = [];
  };
  for await (const item of source.items((n) => opts.onProgress?.(n, source.size, 'apply'))) {
    opts.onLine?.(item.line, 'apply');
    if (item.kind === 'error') {
      continue;
    }
    const r = reader.read(item.line, item.fields);
    if (r.kind !== 'record') {
      continue;
    }
    (item.line <= cursor ? done : batch).push({ line: item.line, record: r.record });
    if (batch.length >= BATCH || done.length >= BATCH) {
      await flush();
    }
  }
  await flush();
}

/** Applying an atomic format: the whole file and the run's row in one transaction, or nothing. */
async function applyAtomic<R>(
  db: Kysely<Database>,
  format: ImportFormat<R>,
  source: OpenedSource,
  report: ReportWriter,
  summary: ImportSummary,
  newRun: (status: repo.RunStatus, q: Q) => Promise<number>,
  opts: ImportOptions,
): Promise<void> {
  const reader = format.reader(source.format);
  try {
    await applyInOne(db, format, source, report, summary, reader, newRun, opts);
  } catch (err) {
    if (!(err instanceof ApplyRefused)) {
      throw err;
    }
    // Nothing of the file was written: the notes of the rolled-back lines are void.
    summary.counts = Object.fromEntries(Object.keys(summary.counts).map((k) => [k, 0]));
    summary.fileErrors.push(`Ничего не записано: ${err.message}`);
    await report.write({ line: null, kind: 'файл отклонён', message: summary.fileErrors[0]! });
    summary.status = 'refused';
    summary.runId = await newRun('refused', db);
  }
}

async function applyInOne<R>(
  db: Kysely<Database>,
  format: ImportFormat<R>,
  source: OpenedSource,
  report: ReportWriter,
  summary: ImportSummary,
  reader: FormatReader<R>,
  newRun: (status: repo.RunStatus, q: Q) => Promise<number>,
  opts: ImportOptions,
): Promise<void> {
  await db.transaction().execute(async (tx) => {
    summary.runId = await newRun('applying', tx);
    let batch: Numbered<R>[] = [];
    const flush = async () => {
      if (batch.length > 0) {
        await record(report, summary, batch, await format.apply(tx, batch, summary.runId));
      }
      batch = [];
    };
    for await (const item of source.items((n) => opts.onProgress?.(n, source.size, 'apply'))) {
      if (item.kind === 'error') {
        continue;
      }
      const r = reader.read(item.line, item.fields);
      if (r.kind !== 'record') {
        continue;
      }
      batch.push({ line: item.line, record: r.record });
      if (batch.length >= BATCH) {
        await flush();
      }
    }
    await flush();
    summary.status = 'applied';
    await repo.finishRun(tx, summary.runId, 'applied', JSON.stringify(summary), opts.clock.now().getTime());
  });
}
