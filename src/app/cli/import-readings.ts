import type { Command } from 'commander';
import { loadConfig } from '../config.ts';
import { systemClock } from '../../platform/clock.ts';
import type { Encoding } from '../../features/imports/encoding.ts';
import { gridReadingsFormat } from '../../features/imports/readings.format.ts';
import { encoding, runFileImport } from './file-import.ts';

interface Options {
  encoding: Encoding | 'auto';
  apply: boolean;
  report?: string;
  progress: boolean;
}

export function register(cli: Command): void {
  cli
    .command('import-readings')
    .summary("check (dry run) or apply the network company's meter readings")
    .description(
      "Read the network company's readings (account number or meter serial, date DD.MM.YYYY, one value " +
        "per zone; text in UTF-8, Windows-1251 or KOI8-R with ';', ',' or tab, or .xlsx), check every line " +
        "against the account's meter with the customer's rules, and print what would be accepted, held for " +
        'review or rejected; with --apply, store them (channel «Сетевая компания»; the same file again ' +
        'stores nothing). Writes the line-numbered report of rejected lines and notes next to the file ' +
        '(FILE.report.csv) or to --report.',
    )
    .argument('<FILE>', 'the readings file')
    .option('--encoding <ENC>', 'the encoding: auto, utf-8, windows-1251, koi8-r', encoding, 'auto')
    .option('--apply', 'apply: store the readings (without it nothing is stored but the run)', false)
    .option('--report <PATH>', 'where to write the report of rejected lines (CSV)')
    .option('--no-progress', 'no progress bar')
    .action(run);
}

async function run(file: string, opts: Options): Promise<void> {
  const config = loadConfig();
  await runFileImport(config, file, opts, () =>
    gridReadingsFormat({
      clock: systemClock,
      timeZone: config.timeZone,
      readingsLastDay: config.readingsLastDay,
    }),
  );
}
