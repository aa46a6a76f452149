import type { FastifyPluginCallback } from 'fastify';
import type { AppContext } from '../../platform/http/context.ts';
import type { RequireCustomer } from '../account/session.hook.ts';
import { registerTokenRoutes } from './api-tokens.routes.tsx';

export interface ApiTokensPluginOptions {
  ctx: AppContext;
  requireCustomer: RequireCustomer;
}

/** Personal access tokens: the profile's page that makes, lists and revokes them. */
export const apiTokensPlugin: FastifyPluginCallback<ApiTokensPluginOptions> = (
  app,
  { ctx, requireCustomer },
  done,
) => {
  registerTokenRoutes(app, ctx, requireCustomer);
  done();
};
