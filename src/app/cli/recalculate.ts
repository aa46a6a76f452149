import type { Command } from 'commander';
import { loadConfig } from '../config.ts';
import { recalculate } from '../../features/billing/recalculate.ts';
import { nonEmpty, period, withDb } from './common.ts';

interface Options {
  account: string;
  period: string;
  reason: string;
}

export function register(cli: Command): void {
  cli
    .command('recalculate')
    .summary("recalculate a closed month's charge; the difference goes on the next bill")
    .description(
      "Recompute a closed month's charge with today's data; the difference is recorded and charged " +
        '(and shown) on the next bill.',
    )
    .requiredOption('--account <N>', 'the account number', nonEmpty)
    .requiredOption('--period <YYYY-MM>', 'the closed period to recalculate', period)
    .requiredOption('--reason <TEXT>', 'why, for the audit', nonEmpty)
    .action(async (opts: Options) => {
      const config = loadConfig();
      const res = await withDb(config, (db) =>
        recalculate(
          db.kysely,
          { account: opts.account, period: opts.period, reason: opts.reason },
          { limits: config.billing, readingsLastDay: config.readingsLastDay, now: () => new Date() },
        ),
      );
      console.log(
        res.status === 'no_change'
          ? 'the charge is unchanged: nothing recorded'
          : `recorded: ${(res.amountKop / 100).toFixed(2)} ₽, ${res.kwh} kWh (${res.method}); it goes on the next bill`,
      );
    });
}
