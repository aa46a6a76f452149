import { pino } from 'pino';
import { systemClock } from '../../platform/clock.ts';
import type { Config } from '../config.ts';
import type { Db } from '../../platform/db/connect.ts';
import { createPaymentsModule } from '../../features/payments/payments.module.ts';
import type { ReconcileSummary } from '../../features/payments/payments.settle.ts';

/**
 * `npm run cli -- payments-reconcile`: one reconciliation run from the command line (cron, or by
 * hand after an outage). With the sandbox gateway the bank lives inside the server process, so a
 * separate process knows none of its orders: it only expires those long past their 20 minutes.
 */
export async function reconcileFromCli(config: Config, db: Db, limit: number): Promise<ReconcileSummary> {
  const log = pino({ level: config.logLevel }, process.stderr);
  const payments = createPaymentsModule(config, db, systemClock, config.supplierName, log);
  if (payments.sandbox) {
    log.warn(
      'PAYMENT_GATEWAY=sandbox: the sandbox bank is in the server process; orders it holds are settled there',
    );
  }
  return payments.reconcile({ limit });
}
