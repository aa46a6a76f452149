import type { Command } from 'commander';
import { loadConfig } from '../config.ts';
import { systemClock } from '../../platform/clock.ts';
import { dateInZone } from '../../domain/dates.ts';
import type { ExportEncoding } from '../../features/exports/csv.ts';
import { parseDate } from '../../features/exports/exports.input.ts';
import { balancesExport } from '../../features/exports/exports.service.ts';
import { encodingOption } from './export-charges.ts';
import { checked, runExport } from './export-options.ts';

interface Options {
  date: string;
  out?: string;
  encoding: ExportEncoding;
}

export function register(cli: Command): void {
  cli
    .command('export-balances')
    .summary("every account's balance on a date as CSV for 1С")
    .description(
      "Write every account's balance on a date as CSV for 1С (README, Exports): the debt at the end of the last closed " +
        'period billed by then, the payments dated after it up to the date, and the balance (positive: a debt, ' +
        'negative: an overpayment). Refused (exit 2, no file) for a date to come.',
    )
    .requiredOption('--date <YYYY-MM-DD>', 'the date', checked(parseDate))
    .option('--out <FILE>', 'the file to write (default: balances-YYYY-MM-DD.csv in the current folder)')
    .addOption(encodingOption())
    .action(run);
}

async function run(opts: Options): Promise<void> {
  const config = loadConfig();
  const today = dateInZone(systemClock.now(), config.timeZone);
  await runExport(
    config,
    (db) => Promise.resolve(balancesExport(db.kysely, { date: opts.date, today, encoding: opts.encoding })),
    (file) => opts.out ?? file.fileName,
  );
}
