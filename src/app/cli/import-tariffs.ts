import os from 'node:os';
import type { Command } from 'commander';
import { loadConfig } from '../config.ts';
import { systemClock } from '../../platform/clock.ts';
import type { Encoding } from '../../features/imports/encoding.ts';
import { tariffFormat } from '../../features/imports/tariffs.format.ts';
import { loadTariffReference } from '../../features/tariffs/tariffs.service.ts';
import { nonEmpty } from './common.ts';
import { delimiter, encoding, runFileImport } from './file-import.ts';

interface Options {
  encoding: Encoding | 'auto';
  delimiter: ';' | ',' | '\t' | 'auto';
  apply: boolean;
  report?: string;
  reason?: string;
  progress: boolean;
}

export function register(cli: Command): void {
  cli
    .command('import-tariffs')
    .summary('check (dry run) or apply a file of tariff prices')
    .description(
      'Read a tariff table (a header line, then plan code; zone; band; date it takes effect; price — text in ' +
        'UTF-8, Windows-1251 or KOI8-R with ; , or tab, or .xlsx), check every line as tariff-set does and ' +
        'print what would be added, changed or left as it is; with --apply, apply it all in one transaction ' +
        '(a file with any bad line is refused whole). Writes the line-numbered report next to the file ' +
        '(FILE.report.csv) or to --report. Exits 2 when the file is refused.',
    )
    .argument('<FILE>', 'the tariff file')
    .option('--encoding <ENC>', 'auto, utf-8, windows-1251, koi8-r', encoding, 'auto')
    .option('--delimiter <D>', "';', ',', tab, auto", delimiter, 'auto')
    .option('--apply', 'apply the prices (without it nothing is stored but the run)', false)
    .option('--report <PATH>', 'where to write the report of rejected lines (CSV)')
    .option('--reason <TEXT>', "why (the tariff body's decision), kept in the audit log", nonEmpty)
    .option('--no-progress', 'no progress bar')
    .action(run);
}

async function run(file: string, opts: Options): Promise<void> {
  const config = loadConfig();
  await runFileImport(config, file, opts, async (db) =>
    tariffFormat(
      await loadTariffReference(db.kysely),
      { by: os.userInfo().username, reason: opts.reason },
      systemClock,
    ),
  );
}
