import type { FastifyPluginCallback } from 'fastify';
import type { RequireCustomer } from '../account/session.hook.ts';
import { registerBillRoutes, type BillingContext } from './billing.routes.tsx';

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
  registerBillRoutes(app, ctx, requireCustomer);
  done();
};
