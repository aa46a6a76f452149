import type { FastifyPluginCallback } from 'fastify';
import { periodicJob, type Job } from '../../platform/jobs.ts';
import type { Metrics } from '../../platform/metrics/metrics.ts';
import type { RequireCustomer } from '../account/session.hook.ts';
import type { PaymentsContext, PaymentsModule } from './payments.module.ts';
import { countOrdersByStatus } from './payments.repository.ts';
import { registerPaymentRoutes } from './payments.routes.tsx';
import { registerSandboxBankRoutes } from './sandbox/sandbox.routes.tsx';

export interface PaymentsPluginOptions {
  ctx: PaymentsContext;
  /** Made by the app, which also decorates itself with it (`app.payments`, for tests and the CLI). */
  payments: PaymentsModule;
  requireCustomer: RequireCustomer;
  jobs: Job[];
  metrics: Metrics;
}

/**
 * Card and СБП payments: the order form, the bank's pages' return and notifications, the QR page,
 * the result page and its check; the sandbox bank's pages (its card page and its SBP "bank app")
 * when it is the gateway; and a job that settles orders
 * whose notifications were lost (security.md row 17), every PAYMENT_RECONCILE_SECONDS.
 */
export const paymentsPlugin: FastifyPluginCallback<PaymentsPluginOptions> = (
  app,
  { ctx, payments, requireCustomer, jobs, metrics },
  done,
) => {
  metrics.gauge({
    name: 'lk_payment_orders',
    help: 'Card and SBP payment orders, by method and status',
    labelNames: ['method', 'status'],
    collect: async () =>
      (await countOrdersByStatus(ctx.db.kysely)).map((o) => ({
        labels: { method: o.method, status: o.status },
        value: o.count,
      })),
  });
  const bank = payments.sandbox;
  if (bank) {
    // The sandbox bank notifies this very portal: through the app itself, so no port or proxy is involved.
    bank.deliver = async (url, params) => {
      const res = await app.inject({
        method: 'GET',
        url: `${new URL(url).pathname}?${new URLSearchParams(params).toString()}`,
        remoteAddress: '127.0.0.1',
      });
      return res.statusCode === 200;
    };
    registerSandboxBankRoutes(
      app,
      bank,
      payments.sandboxSbp,
      ctx.clock,
      new URL(ctx.config.publicUrl).origin,
    );
    app.addHook('onClose', (_app, done) => {
      bank.close();
      done();
    });
  }
  registerPaymentRoutes(app, ctx, payments, requireCustomer);
  const seconds = ctx.config.payments.reconcileSeconds;
  if (seconds > 0) {
    jobs.push(
      periodicJob('payments reconciliation', seconds * 1000, async (log) => {
        const s = await payments.reconcile();
        if (s.checked || s.failedRegistrations || s.readings) {
          log.info({ reconcile: s }, 'payments reconciled');
        }
      }),
    );
  }
  done();
};
