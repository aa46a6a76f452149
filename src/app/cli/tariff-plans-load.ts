import os from 'node:os';
import type { Command } from 'commander';
import { loadConfig } from '../config.ts';
import { systemClock } from '../../platform/clock.ts';
import { runImport } from '../../features/imports/engine.ts';
import type { Encoding } from '../../features/imports/encoding.ts';
import { tariffPlansFormat } from '../../features/imports/tariff-plans.format.ts';
import { summaryLines } from '../../features/imports/summary.ts';
import { withDb } from './common.ts';
import { delimiter, encoding } from './import-registry.ts';

interface Options {
  encoding: Encoding | 'auto';
  delimiter: ';' | ',' | '\t' | 'auto';
  apply: boolean;
  report?: string;
}

export function register(cli: Command): void {
  cli
    .command('tariff-plans-load')
    .summary('check (dry run) or load the tariff plans (tariff groups)')
    .description(
      'Read the tariff plans (a header line, then code; name; zones 1-3; social norm kWh, empty for none; ' +
        'extra kWh per extra resident; norm kWh per resident — text in UTF-8, Windows-1251 or KOI8-R with ; , ' +
        'or tab, or .xlsx) and print what would be added, changed or rejected; with --apply, store them (a ' +
        'change is audited). The zones of a plan that accounts or prices use do not change. Plans are never ' +
        'deleted. Writes the line-numbered report next to the file (FILE.report.csv) or to --report. Exits 2 ' +
        'when the file is refused.',
    )
    .argument('<FILE>', 'the tariff plans file')
    .option('--encoding <ENC>', 'auto, utf-8, windows-1251, koi8-r', encoding, 'auto')
    .option('--delimiter <D>', "';', ',', tab, auto", delimiter, 'auto')
    .option('--apply', 'apply (without it nothing is stored but the run)', false)
    .option('--report <PATH>', 'where to write the report of rejected lines and notes (CSV)')
    .action(run);
}

async function run(file: string, opts: Options): Promise<void> {
  const config = loadConfig();
  const format = tariffPlansFormat({ clock: systemClock, by: os.userInfo().username });
  const summary = await withDb(
    config,
    (db) =>
      runImport(db.kysely, format, file, {
        apply: opts.apply,
        reportPath: opts.report,
        clock: systemClock,
        source: { encoding: opts.encoding, delimiter: opts.delimiter },
      }),
    { migrate: true },
  );
  for (const line of summaryLines(summary, format.labels, format.recordsTitle)) {
    console.log(line);
  }
  if (summary.status === 'refused') {
    process.exitCode = 2;
  }
}
