import type { Command } from 'commander';
import { loadConfig } from '../config.ts';
import { systemClock } from '../../platform/clock.ts';
import type { Encoding } from '../../features/imports/encoding.ts';
import { accountsFormat, AccountsImportRefused } from '../../features/imports/accounts.format.ts';
import { CommandRefused, nonEmpty } from './common.ts';
import { delimiter, encoding, runFileImport } from './file-import.ts';

interface Options {
  region: string;
  branch?: string;
  full: boolean;
  encoding?: Encoding | 'auto';
  delimiter?: ';' | ',' | '\t' | 'auto';
  apply: boolean;
  report?: string;
  progress: boolean;
}

export function register(cli: Command): void {
  cli
    .command('import-accounts')
    .summary("check (dry run) or apply the supplier's accounts file")
    .description(
      'Read the accounts file (text in UTF-8, Windows-1251 or KOI8-R, or .xlsx; columns by position: number, ' +
        'surname, name, patronymic, settlement, street, house, flat, residents, area, tariff group, delivery ' +
        'address, phone, e-mail), check every line and print what would be added, changed or rejected; with ' +
        '--apply, store it (changed fields audited; accounts are never deleted). Writes the line-numbered ' +
        'report next to the file (FILE.report.csv) or to --report. Exits 2 when the file is refused whole.',
    )
    .argument('<FILE>', 'the accounts file')
    .requiredOption(
      '--region <TEXT>',
      'the region that starts every object address, e.g. "Республика Хакасия"',
      nonEmpty,
    )
    .option('--branch <CODE>', "the branch of every new account (branches.code) instead of its settlement's")
    .option('--full', 'the file holds every account: report those of the database missing from it', false)
    .option('--encoding <ENC>', 'auto (default), utf-8, windows-1251, koi8-r', encoding)
    .option('--delimiter <D>', "';', ',', tab, auto (default)", delimiter)
    .option('--apply', 'apply: store the accounts (without it nothing is stored but the run)', false)
    .option('--report <PATH>', 'where to write the report of rejected lines and notes (CSV)')
    .option('--no-progress', 'no progress bar')
    .action(run);
}

async function run(file: string, opts: Options): Promise<void> {
  const config = loadConfig();
  await runFileImport(
    config,
    file,
    opts,
    () =>
      accountsFormat({
        region: opts.region.trim(),
        branch: opts.branch,
        full: opts.full,
        clock: systemClock,
      }),
    (err) => (err instanceof AccountsImportRefused ? new CommandRefused(err.message) : undefined),
  );
}
