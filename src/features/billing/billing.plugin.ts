import type { FastifyPluginCallback } from 'fastify';
import type { Metrics } from '../../platform/metrics/metrics.ts';
import type { RequireCustomer } from '../account/session.hook.ts';
import { closingPeriods } from './billing.repository.ts';
import { registerBillRoutes, type BillingContext } from './billing.routes.tsx';
import { pdfRenderer } from './pdf/pdf-pool.ts';
import { registerOfficeBillRoute } from './office-bills.routes.tsx';

export interface BillingPluginOptions {
  ctx: BillingContext;
  requireCustomer: RequireCustomer;
  metrics: Metrics;
}

/**
 * Bills and the payment slip as the customer downloads them. The month's closing and
 * recalculation run from the command line (app/cli), not from a listening server.
 */
export const billingPlugin: FastifyPluginCallback<BillingPluginOptions> = (
  app,
  { ctx, requireCustomer, metrics },
  done,
) => {
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
