import path from 'node:path';
import type { Command } from 'commander';
import { loadConfig } from '../config.ts';
import { systemClock } from '../../platform/clock.ts';
import { parseInn, parsePeriod, parseSettlementAccount } from '../../features/exports/exports.input.ts';
import { debtsRegistryExport } from '../../features/exports/exports.service.ts';
import { checked, runExport } from './export-options.ts';

interface Options {
  period: string;
  branch?: string;
  inn?: string;
  account?: string;
  dir: string;
}

export function register(cli: Command): void {
  cli
    .command('export-debts-registry')
    .summary('the debts registry for the bank (INN_ACCOUNT_NNN_MMYY.txt)')
    .description(
      'Write the debts registry that the supplier sends to its bank, so that tellers show the amount due (README, Exports): ' +
        'INN_ACCOUNT_NNN_MMYY.txt, NNN the number of the file for that INN, account and month (001 first), ' +
        'Windows-1251, `;`, no header: account, full name, address, period (MMYY), amount due. INN and settlement ' +
        "account are the branch's unless given. Refused (exit 2, no file) for a period not closed.",
    )
    .requiredOption('--period <YYYY-MM>', 'the closed period', checked(parsePeriod))
    .option('--branch <CODE>', 'the branch whose accounts it lists (may be left out when there is one)')
    .option('--inn <INN>', "the supplier's INN instead of the branch's", checked(parseInn))
    .option(
      '--account <ACCOUNT>',
      "the settlement account instead of the branch's",
      checked(parseSettlementAccount),
    )
    .option('--dir <DIR>', 'the folder to write it to', '.')
    .action(run);
}

async function run(opts: Options): Promise<void> {
  await runExport(
    loadConfig(),
    (db) =>
      debtsRegistryExport(db.kysely, {
        period: opts.period,
        branch: opts.branch,
        inn: opts.inn,
        account: opts.account,
        staffUserId: null,
        at: systemClock.now(),
      }),
    (file) => path.join(opts.dir, file.fileName),
  );
}
