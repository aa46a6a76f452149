import { InvalidArgumentError, type Command } from 'commander';
import type { Config } from '../config.ts';
import type { Db } from '../../platform/db/connect.ts';
import { systemClock } from '../../platform/clock.ts';
import { runImport, type ImportFormat } from '../../features/imports/engine.ts';
import { parseEncoding, type Encoding } from '../../features/imports/encoding.ts';
import { summaryLines } from '../../features/imports/summary.ts';
import { heapGuard } from '../../platform/memory.ts';
import { progressBar, withDb } from './common.ts';

// What the import commands (import-registry, import-accounts, import-meters, import-readings,
// import-tariffs, …) share: the file's encoding and delimiter options, and one run of the
// engine with a progress bar, the summary printed and exit code 2 when the file is refused.

export function encoding(value: string): Encoding | 'auto' {
  const e = parseEncoding(value);
  if (!e) {
    throw new InvalidArgumentError('It must be auto, utf-8, windows-1251 or koi8-r.');
  }
  return e;
}

export function delimiter(value: string): ';' | ',' | '\t' | 'auto' {
  const d = value === 'tab' || value === '\\t' ? '\t' : value;
  if (d !== ';' && d !== ',' && d !== '\t' && d !== 'auto') {
    throw new InvalidArgumentError("It must be ';', ',', tab or auto.");
  }
  return d;
}

export interface FileImportOptions {
  apply: boolean;
  report?: string;
  progress: boolean;
  encoding?: Encoding | 'auto';
  delimiter?: ';' | ',' | '\t' | 'auto';
}

/** The options of a file read as text or .xlsx: --encoding and --delimiter, both detected by default. */
export function withSourceOptions(cmd: Command): Command {
  return cmd
    .option('--encoding <ENC>', 'auto, utf-8, windows-1251, koi8-r', encoding, 'auto')
    .option('--delimiter <D>', "';', ',', tab, auto", delimiter, 'auto');
}

/** The options every import command takes after its own: --apply, --report, --no-progress. */
export function withApplyOptions(cmd: Command, what: string): Command {
  return cmd
    .option('--apply', `apply: ${what} (without it nothing is stored but the run)`, false)
    .option('--report <PATH>', 'where to write the report of rejected lines and notes (CSV)')
    .option('--no-progress', 'no progress bar');
}

/**
 * Runs the file through the engine with the format `formatOf` makes (with the database open, for
 * formats checked against reference data), prints the summary, and exits 2 when it is refused.
 * `refusal` turns a format's own refusal to start into the CLI's message.
 */
export async function runFileImport<R>(
  config: Config,
  file: string,
  opts: FileImportOptions,
  formatOf: (db: Db) => ImportFormat<R> | Promise<ImportFormat<R>>,
  refusal?: (err: unknown) => Error | undefined,
): Promise<void> {
  const bar = opts.progress ? progressBar('{bar} {percentage}% | {value}/{total} bytes') : null;
  // A file's batches leave garbage that V8 collects lazily: a 1M-line accounts file grew the
  // process past 400 MB with far less alive (platform/memory.ts).
  const guard = heapGuard(64);
  const { summary, format } = await withDb(
    config,
    async (db) => {
      try {
        const format = await formatOf(db);
        const summary = await runImport(db.kysely, format, file, {
          apply: opts.apply,
          reportPath: opts.report,
          clock: systemClock,
          source: { encoding: opts.encoding ?? 'auto', delimiter: opts.delimiter ?? 'auto' },
          onProgress: (read, total) => {
            bar?.update(read, total);
            guard();
          },
        });
        return { summary, format };
      } catch (err) {
        throw refusal?.(err) ?? err;
      } finally {
        bar?.stop();
      }
    },
    { migrate: true },
  );
  for (const line of summaryLines(summary, format.labels, format.recordsTitle)) {
    console.log(line);
  }
  if (summary.status === 'refused') {
    process.exitCode = 2;
  }
}
