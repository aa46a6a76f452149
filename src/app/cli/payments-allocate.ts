import os from 'node:os';
import type { Command } from 'commander';
import { loadConfig } from '../config.ts';
import { systemClock } from '../../platform/clock.ts';
import { formatRubles } from '../../domain/format.ts';
import {
  allocatePayment,
  AllocationRefused,
  listUnallocated,
} from '../../features/imports/registry.allocate.ts';
import { loadProfiles } from '../../features/imports/registry.profiles.ts';
import { nonEmpty, wholeNumber, withDb } from './common.ts';

interface Options {
  list: boolean;
  id?: number;
  account?: string;
  reason?: string;
  profiles?: string;
}

export function register(cli: Command): void {
  cli
    .command('payments-allocate')
    .summary('list unallocated registry payments, or credit one to an account')
    .description(
      'Without options, list the registry payments waiting for an account (id, source, operation, date, amount, ' +
        'account as given, payer, why). With --id, --account and --reason, credit that payment to the account ' +
        '(once; audited with the operator and the reason).',
    )
    .option('--list', 'list the unallocated payments (the default)', false)
    .option('--id <ID>', 'the unallocated payment to credit', wholeNumber(1, Number.MAX_SAFE_INTEGER))
    .option('--account <NUMBER>', 'the account to credit it to')
    .option('--reason <TEXT>', 'why it belongs to that account (kept in the audit log)', nonEmpty)
    .option('--profiles <FILE>', 'the profiles file the registries were imported with')
    .action(run);
}

async function run(opts: Options, command: Command): Promise<void> {
  const config = loadConfig();
  if (opts.id === undefined) {
    if (opts.account || opts.reason) {
      command.error('--account and --reason need --id');
    }
    const rows = await withDb(config, (db) => listUnallocated(db.kysely), { migrate: true });
    console.log(['id', 'source', 'operation', 'date', 'amount', 'account', 'payer', 'reason'].join('\t'));
    for (const r of rows) {
      console.log(
        [
          r.id,
          r.source,
          r.operationId,
          r.paidOn,
          formatRubles(r.amountKop),
          r.accountNumber,
          r.payerName,
          r.reason ?? '',
        ]
          .map((v) => String(v).replace(/[\t\r\n]/g, ' '))
          .join('\t'),
      );
    }
    console.error(`${rows.length} unallocated payment(s)`);
    return;
  }
  if (!opts.account || !opts.reason) {
    command.error('--id needs --account and --reason');
  }
  const profiles = loadProfiles(opts.profiles);
  try {
    const r = await withDb(config, (db) =>
      allocatePayment(
        db.kysely,
        { clock: systemClock, timeZone: config.timeZone, readingsLastDay: config.readingsLastDay },
        profiles,
        { id: opts.id!, accountNumber: opts.account!, by: os.userInfo().username, reason: opts.reason! },
      ),
    );
    console.log(
      `payment ${r.payment.id} (${r.payment.source} ${r.payment.operationId}, ${formatRubles(r.payment.amountKop)}) credited to ${opts.account}` +
        (r.reading ? `; ${r.reading}` : ''),
    );
  } catch (err) {
    if (err instanceof AllocationRefused) {
      console.error(err.message);
      process.exitCode = 2;
      return;
    }
    throw err;
  }
}
