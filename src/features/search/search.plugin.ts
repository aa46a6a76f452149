import type { FastifyPluginCallback } from 'fastify';
import type { AppContext } from '../../platform/http/context.ts';
import { registerSearchRoutes } from './search.routes.tsx';

export interface SearchPluginOptions {
  ctx: AppContext;
}

/** The back office's search of accounts (/office/search; operators and up, rights.ts). */
export const searchPlugin: FastifyPluginCallback<SearchPluginOptions> = (app, { ctx }, done) => {
  registerSearchRoutes(app, ctx);
  done();
};
