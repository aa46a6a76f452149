import type { FastifyPluginCallback } from 'fastify';
import type { RequireCustomer } from '../../features/account/session.hook.ts';
import { registerMainPageRoutes, type MainPageContext } from './main.routes.tsx';

export interface MainPagePluginOptions {
  ctx: MainPageContext;
  requireCustomer: RequireCustomer;
}

/**
 * The customer's main page, GET /cabinet: the account, balance, histories and chart, with the
 * readings and e-mail forms. The features whose forms it holds show it again, refused, through
 * `sendMainPage`, which the app hands them.
 */
export const mainPagePlugin: FastifyPluginCallback<MainPagePluginOptions> = (
  app,
  { ctx, requireCustomer },
  done,
) => {
  registerMainPageRoutes(app, ctx, requireCustomer);
  done();
};
