import { hostname } from 'node:os';
import type { FastifyPluginCallback } from 'fastify';
import type { Job } from '../../platform/jobs.ts';
import type { Metrics } from '../../platform/metrics/metrics.ts';
import type { RequireCustomer } from '../account/session.hook.ts';
import { closingPeriods } from './billing.repository.ts';
import { registerBillRoutes, type BillingContext } from './billing.routes.tsx';
import { pdfRenderer } from './pdf/pdf-pool.ts';
import { registerOfficeBillRoute } from './office-bills.routes.tsx';
import { CLOSING_LEASE_MS, runClosingJobs } from './closing-job.ts';

export interface BillingPluginOptions {
  ctx: BillingContext;
  requireCustomer: RequireCustomer;
  metrics: Metrics;
  jobs: Job[];
}

/** How often a listening server looks for a closing requested from the back office. */
const CLOSING_POLL_MS = 3_000;

/**
 * Bills and the payment slip as the customer downloads them, and the runner of the month's
 * closings requested from the back office (closing-job.ts): every listening portal looks for one,
 * and the lease lets only one of them run it. The CLI's close-month and recalculate stay as
 * they were.
 */
export const billingPlugin: FastifyPluginCallback<BillingPluginOptions> = (
  app,
  { ctx, requireCustomer, metrics, jobs },
  done,
) => {
  jobs.push({
    name: 'month closing',
    run: (signal, log) =>
      runClosingJobs(
        {
          db: ctx.db,
          clock: ctx.clock,
          timeZone: ctx.config.timeZone,
          limits: ctx.config.billing,
          readingsLastDay: ctx.config.readingsLastDay,
        },
        {
          owner: `${hostname()}:${process.pid}`,
          leaseMs: CLOSING_LEASE_MS,
          pollMs: CLOSING_POLL_MS,
          signal,
          onError: (err) =>
            log.warn(
              { job: 'month closing', err: { message: err instanceof Error ? err.message : String(err) } },
              'closing runner: will try again',
            ),
        },
      ),
  });
  metrics.gauge({
    name: 'lk_billing_closing_periods',
    help: 'Months whose closing is under way or was interrupted (npm run cli -- close-month)',
    collect: async () => [{ value: (await closingPeriods(ctx.db.kysely)).count }],
  });
  metrics.gauge({
    name: 'lk_billing_closing_started_timestamp_seconds',
    help: 'When the oldest closing under way began (absent when none is)',
    collect: async () => {
      const oldest = (await closingPeriods(ctx.db.kysely)).oldestStartedAt;
      return oldest === null ? [] : [{ value: oldest / 1000 }];
    },
  });
  const pdf = pdfRenderer(ctx.config.billing.pdfThreads);
  registerBillRoutes(app, ctx, requireCustomer, pdf);
  registerOfficeBillRoute(app, ctx, pdf);
  app.addHook('onClose', () => pdf.close());
  done();
};
