import type { Command } from 'commander';
import { loadConfig } from '../config.ts';
import type { ExportEncoding } from '../../features/exports/csv.ts';
import { parseMinRubles, parseMonths, parsePeriod } from '../../features/exports/exports.input.ts';
import { debtorsExport } from '../../features/exports/exports.service.ts';
import { encodingOption } from './export-charges.ts';
import { checked, runExport } from './export-options.ts';

interface Options {
  minRub: number;
  months: number;
  period?: string;
  out?: string;
  encoding: ExportEncoding;
}

export function register(cli: Command): void {
  cli
    .command('export-debtors')
    .summary('the accounts in debt over X rub. for N months or more, as CSV')
    .description(
      'Write the debtors as CSV (README, Exports): the accounts whose debt at the end of the period and of each month ' +
        'before it, N months in a row or more, was over X rub.: account, full name, address, debt, months in a row, ' +
        'since which period, last payment.',
    )
    .requiredOption(
      '--min-rub <X>',
      'the debt must be over this many rubles (1000 or 1000,50)',
      checked(parseMinRubles),
    )
    .requiredOption('--months <N>', 'for this many closed months in a row or more', checked(parseMonths))
    .option('--period <YYYY-MM>', 'the last month counted (default: the latest closed)', checked(parsePeriod))
    .option('--out <FILE>', 'the file to write (default: debtors-YYYY-MM.csv in the current folder)')
    .addOption(encodingOption())
    .action(run);
}

async function run(opts: Options): Promise<void> {
  await runExport(
    loadConfig(),
    (db) =>
      debtorsExport(db.kysely, {
        minKop: opts.minRub,
        months: opts.months,
        period: opts.period,
        encoding: opts.encoding,
      }),
    (file) => opts.out ?? file.fileName,
  );
}
