import type { FastifyPluginCallback } from 'fastify';
import type { RequireCustomer } from '../account/session.hook.ts';
import { registerBillRoutes, type BillingContext } from './billing.routes.tsx';
import { pdfRenderer } from './pdf/pdf-pool.ts';

export interface BillingPluginOptions {
  ctx: BillingContext;
  requireCustomer: RequireCustomer;
}

/**
 * Bills and the payment slip as the customer downloads them. The month's closing and
 * recalculation run from the command line (app/cli), not from a listening server.
 */
export const billingPlugin: FastifyPluginCallback<BillingPluginOptions> = (
  app,
  { ctx, requireCustomer },
  done,
) => {
  const pdf = pdfRenderer(ctx.config.billing.pdfThreads);
  registerBillRoutes(app, ctx, requireCustomer, pdf);
  app.addHook('onClose', () => pdf.close());
  done();
};
