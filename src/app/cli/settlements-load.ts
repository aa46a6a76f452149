import type { Command } from 'commander';
import { loadConfig } from '../config.ts';
import { systemClock } from '../../platform/clock.ts';
import { runImport } from '../../features/imports/engine.ts';
import type { Encoding } from '../../features/imports/encoding.ts';
import { settlementsFormat } from '../../features/imports/settlements.format.ts';
import { summaryLines } from '../../features/imports/summary.ts';
import { withDb } from './common.ts';
import { delimiter, encoding } from './file-import.ts';

interface Options {
  full: boolean;
  encoding?: Encoding | 'auto';
  delimiter?: ';' | ',' | '\t' | 'auto';
  apply: boolean;
  report?: string;
}

export function register(cli: Command): void {
  cli
    .command('settlements-load')
    .summary('check (dry run) or load the settlement codes of account numbers')
    .description(
      'Read the settlement codes (CSV: code;name[;branch], a header line allowed; a code is two digits, the ' +
        'branch a branches.code that new accounts of the settlement get) and print what would be added, ' +
        'renamed or rejected; with --apply, store them. With --full the file is the whole list: a code ' +
        'missing from it is removed when no account has it, and reported and kept when one does.',
    )
    .argument('<FILE>', 'the settlements file')
    .option('--full', 'the file holds every code: remove the unused codes missing from it', false)
    .option('--encoding <ENC>', 'auto (default), utf-8, windows-1251, koi8-r', encoding)
    .option('--delimiter <D>', "';', ',', tab, auto (default)", delimiter)
    .option('--apply', 'apply: store the codes (without it nothing is stored but the run)', false)
    .option('--report <PATH>', 'where to write the report of rejected lines and notes (CSV)')
    .action(run);
}

async function run(file: string, opts: Options): Promise<void> {
  const config = loadConfig();
  const format = settlementsFormat({ full: opts.full });
  const summary = await withDb(
    config,
    (db) =>
      runImport(db.kysely, format, file, {
        apply: opts.apply,
        reportPath: opts.report,
        clock: systemClock,
        source: { encoding: opts.encoding ?? 'auto', delimiter: opts.delimiter ?? 'auto' },
      }),
    { migrate: true },
  );
  for (const line of summaryLines(summary, format.labels, 'Строк с населёнными пунктами')) {
    console.log(line);
  }
  if (summary.status === 'refused') {
    process.exitCode = 2;
  }
}
