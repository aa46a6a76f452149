import type { Command } from 'commander';
import { pino } from 'pino';
import { systemClock } from '../../platform/clock.ts';
import { loadConfig, type Config } from '../config.ts';
import type { Db } from '../../platform/db/connect.ts';
import { createPaymentsModule } from '../../features/payments/payments.module.ts';
import type { ReconcileSummary } from '../../features/payments/payments.settle.ts';
import { wholeNumber, withDb } from './common.ts';

export function register(cli: Command): void {
  cli
    .command('payments-reconcile')
    .summary(
      'ask the bank about card payment orders still waiting, credit the paid ones, expire abandoned ones',
    )
    .description(
      'Ask the bank about card payment orders still waiting: credit the paid ones (exactly once), expire ' +
        'abandoned ones; prints the summary as JSON. A listening server does this every PAYMENT_RECONCILE_SECONDS.',
    )
    .option('--limit <N>', 'at most this many orders, 1 to 100000', wholeNumber(1, 100_000), 500)
    .action(async (opts: { limit: number }) => {
      const config = loadConfig();
      const summary = await withDb(config, (db) => reconcileFromCli(config, db, opts.limit), {
        migrate: true,
      });
      console.log(JSON.stringify(summary));
    });
}

/**
 * One reconciliation run from the command line (cron, or by hand after an outage). With the
 * sandbox gateway the bank's orders are in the database (sandbox_orders, sandbox_sbp_qrs), so this
 * process asks them as a server instance would and settles them alike.
 */
async function reconcileFromCli(config: Config, db: Db, limit: number): Promise<ReconcileSummary> {
  const log = pino({ level: config.logLevel }, process.stderr);
  const payments = await createPaymentsModule(config, db, systemClock, config.supplierName, log);
  return payments.reconcile({ limit, trigger: 'cli' });
}
