import os from 'node:os';
import type { Command } from 'commander';
import { loadConfig } from '../config.ts';
import { systemClock } from '../../platform/clock.ts';
import type { Encoding } from '../../features/imports/encoding.ts';
import { tariffPlansFormat } from '../../features/imports/tariff-plans.format.ts';
import { delimiter, encoding, runFileImport } from './file-import.ts';

interface Options {
  encoding: Encoding | 'auto';
  delimiter: ';' | ',' | '\t' | 'auto';
  apply: boolean;
  report?: string;
  progress: boolean;
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
    .option('--no-progress', 'no progress bar')
    .action(run);
}

async function run(file: string, opts: Options): Promise<void> {
  await runFileImport(loadConfig(), file, opts, () =>
    tariffPlansFormat({ clock: systemClock, by: os.userInfo().username }),
  );
}
