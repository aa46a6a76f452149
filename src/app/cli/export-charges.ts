import { Option, type Command } from 'commander';
import { loadConfig } from '../config.ts';
import type { ExportEncoding } from '../../features/exports/csv.ts';
import { parseEncoding, parsePeriod } from '../../features/exports/exports.input.ts';
import { chargesExport } from '../../features/exports/exports.service.ts';
import { checked, runExport } from './export-options.ts';

interface Options {
  period: string;
  out?: string;
  encoding: ExportEncoding;
}

export function register(cli: Command): void {
  cli
    .command('export-charges')
    .summary("a closed period's charges as CSV for 1С")
    .description(
      'Write the charges of a closed period as CSV for 1С (README, Exports): account, full name, address, method, kWh, tariff, ' +
        'amount, ОДН, recalculation, debt at the start, payments, debt at the end. UTF-8 with a BOM and `;`, or ' +
        'Windows-1251. Refused (exit 2, no file) for a period not closed.',
    )
    .requiredOption('--period <YYYY-MM>', 'the closed period', checked(parsePeriod))
    .option('--out <FILE>', 'the file to write (default: charges-YYYY-MM.csv in the current folder)')
    .addOption(encodingOption())
    .action(run);
}

export function encodingOption(): Option {
  return new Option('--encoding <ENC>', 'utf8 (UTF-8 with a BOM) or cp1251 (Windows-1251)')
    .argParser(checked(parseEncoding))
    .default('utf8');
}

async function run(opts: Options): Promise<void> {
  await runExport(
    loadConfig(),
    (db) => chargesExport(db.kysely, { period: opts.period, encoding: opts.encoding }),
    (file) => opts.out ?? file.fileName,
  );
}
