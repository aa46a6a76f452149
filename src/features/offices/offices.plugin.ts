import type { FastifyPluginCallback } from 'fastify';
import type { AppContext } from '../../platform/http/context.ts';
import { registerOfficeRoutes } from './offices.routes.tsx';

/** The supplier's offices: the list, and a map where the browser can load it. */
export const officesPlugin: FastifyPluginCallback<{ ctx: AppContext }> = (app, { ctx }, done) => {
  registerOfficeRoutes(app, ctx);
  done();
};
