import os from 'node:os';
import type { Command } from 'commander';
import { loadConfig } from '../config.ts';
import { systemClock } from '../../platform/clock.ts';
import { branchesFormat } from '../../features/imports/branches.format.ts';
import { runFileImport, withApplyOptions, withSourceOptions, type FileImportOptions } from './file-import.ts';

type Options = FileImportOptions;

export function register(cli: Command): void {
  const cmd = cli
    .command('branches-load')
    .summary("check (dry run) or load the supplier's branches with the payee's bank details")
    .description(
      'Read the branches (a header line, then code; name; payee name; INN; KPP; bank; BIC; correspondent ' +
        'account; settlement account; address; phones; fax; e-mail; website — text in UTF-8, Windows-1251 or ' +
        "KOI8-R with ; , or tab, or .xlsx), check the bank details (INN check digit, the accounts' control " +
        'keys against the BIC) and print what would be added, changed or rejected; with --apply, store them ' +
        '(a change is audited). Branches are never deleted. Writes the line-numbered report next to the file ' +
        '(FILE.report.csv) or to --report. Exits 2 when the file is refused.',
    )
    .argument('<FILE>', 'the branches file');
  withApplyOptions(withSourceOptions(cmd), 'store the branches').action(run);
}

async function run(file: string, opts: Options): Promise<void> {
  await runFileImport(loadConfig(), file, opts, () =>
    branchesFormat({ clock: systemClock, by: os.userInfo().username }),
  );
}
