import type { Command } from 'commander';
import { loadConfig } from '../config.ts';
import { systemClock } from '../../platform/clock.ts';
import type { Encoding } from '../../features/imports/encoding.ts';
import { registryFormat } from '../../features/imports/registry.format.ts';
import { findProfile, loadProfiles } from '../../features/imports/registry.profiles.ts';
import { delimiter, encoding, runFileImport } from './file-import.ts';

interface Options {
  profile: string;
  profiles?: string;
  encoding?: Encoding | 'auto';
  delimiter?: ';' | ',' | '\t' | 'auto';
  apply: boolean;
  report?: string;
  progress: boolean;
}

export function register(cli: Command): void {
  cli
    .command('import-registry')
    .summary('check (dry run) or apply a payment registry from a bank or agent')
    .description(
      'Read a payment registry (text in UTF-8, Windows-1251 or KOI8-R, or .xlsx) with a profile, check every ' +
        'line and the totals, and print what would be credited, left unallocated or rejected; with --apply, ' +
        'credit it (each payment once per source and operation id). Writes the line-numbered report of ' +
        'rejected lines and notes next to the file (FILE.report.csv) or to --report. Exits 2 when the file ' +
        'is refused whole.',
    )
    .argument('<FILE>', 'the registry file')
    .requiredOption('--profile <NAME>', 'the registry profile (sberbank, generic, or one of --profiles)')
    .option('--profiles <FILE>', 'a JSON file of profiles instead of the shipped ones')
    .option(
      '--encoding <ENC>',
      "the file's encoding instead of the profile's: auto, utf-8, windows-1251, koi8-r",
      encoding,
    )
    .option('--delimiter <D>', "the delimiter instead of the profile's: ';', ',', tab, auto", delimiter)
    .option('--apply', 'apply: credit the payments (without it nothing is stored but the run)', false)
    .option('--report <PATH>', 'where to write the report of rejected lines (CSV)')
    .option('--no-progress', 'no progress bar')
    .action(run);
}

async function run(file: string, opts: Options): Promise<void> {
  const config = loadConfig();
  const profile = findProfile(loadProfiles(opts.profiles), opts.profile);
  await runFileImport(
    config,
    file,
    { ...opts, encoding: opts.encoding ?? profile.encoding, delimiter: opts.delimiter ?? profile.delimiter },
    () =>
      registryFormat(profile, {
        clock: systemClock,
        timeZone: config.timeZone,
        readingsLastDay: config.readingsLastDay,
      }),
  );
}
