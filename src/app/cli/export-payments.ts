import type { Command } from 'commander';
import { loadConfig } from '../config.ts';
import type { ExportEncoding } from '../../features/exports/csv.ts';
import { parseDate } from '../../features/exports/exports.input.ts';
import { paymentsExport } from '../../features/exports/exports.service.ts';
import { encodingOption } from './export-charges.ts';
import { checked, runExport } from './export-options.ts';

interface Options {
  from: string;
  to: string;
  out?: string;
  encoding: ExportEncoding;
}

export function register(cli: Command): void {
  cli
    .command('export-payments')
    .summary('the payments dated D..D as CSV for 1С')
    .description(
      'Write the payments dated D..D (both included) as CSV for 1С (README, Exports): payment number, date, account, ' +
        'full name, amount, commission, channel, source, external id.',
    )
    .requiredOption('--from <YYYY-MM-DD>', 'the first date', checked(parseDate))
    .requiredOption('--to <YYYY-MM-DD>', 'the last date', checked(parseDate))
    .option('--out <FILE>', 'the file to write (default: payments-FROM-TO.csv in the current folder)')
    .addOption(encodingOption())
    .action(run);
}

async function run(opts: Options): Promise<void> {
  await runExport(
    loadConfig(),
    (db) =>
      Promise.resolve(paymentsExport(db.kysely, { from: opts.from, to: opts.to, encoding: opts.encoding })),
    (file) => opts.out ?? file.fileName,
  );
}
