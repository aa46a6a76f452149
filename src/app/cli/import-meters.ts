import os from 'node:os';
import path from 'node:path';
import type { Command } from 'commander';
import { loadConfig } from '../config.ts';
import { systemClock } from '../../platform/clock.ts';
import { metersFormat } from '../../features/imports/meters.format.ts';
import { runFileImport, withApplyOptions, withSourceOptions, type FileImportOptions } from './file-import.ts';

type Options = FileImportOptions;

export function register(cli: Command): void {
  const cmd = cli
    .command('import-meters')
    .summary('check (dry run) or apply a file of meters: installations, corrections, replacements')
    .description(
      'Read a list of meters (a header line, then account; serial; zones; digits; factor; installed; ' +
        'verification due; initial reading; final reading of the replaced meter — text in UTF-8, ' +
        'Windows-1251 or KOI8-R with ; , or tab, or .xlsx). A meter on an account without one is ' +
        'installed; the meter in service gets its factor and verification date corrected; a new serial on ' +
        'an account with a meter is a replacement (the final reading is then required). Prints what would ' +
        'be done; with --apply, does it, batch by batch (resumed if interrupted). Writes the line-numbered ' +
        'report next to the file (FILE.report.csv) or to --report. Exits 2 when the file is refused.',
    )
    .argument('<FILE>', 'the meters file');
  withApplyOptions(withSourceOptions(cmd), 'install, correct and replace the meters').action(run);
}

async function run(file: string, opts: Options): Promise<void> {
  const config = loadConfig();
  await runFileImport(config, file, opts, () =>
    metersFormat({
      clock: systemClock,
      timeZone: config.timeZone,
      readingsLastDay: config.readingsLastDay,
      by: { ip: `cli:${os.userInfo().username}`, fileName: path.basename(file) },
    }),
  );
}
