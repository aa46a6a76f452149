import os from 'node:os';
import type { Command } from 'commander';
import { loadConfig } from '../config.ts';
import { systemClock } from '../../platform/clock.ts';
import { tariffPlansFormat } from '../../features/imports/tariff-plans.format.ts';
import { runFileImport, withApplyOptions, withSourceOptions, type FileImportOptions } from './file-import.ts';

type Options = FileImportOptions;

export function register(cli: Command): void {
  const cmd = cli
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
    .argument('<FILE>', 'the tariff plans file');
  withApplyOptions(withSourceOptions(cmd), 'store the tariff plans').action(run);
}

async function run(file: string, opts: Options): Promise<void> {
  await runFileImport(loadConfig(), file, opts, () =>
    tariffPlansFormat({ clock: systemClock, by: os.userInfo().username }),
  );
}
