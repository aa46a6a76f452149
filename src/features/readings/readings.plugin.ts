import type { FastifyPluginCallback } from 'fastify';
import type { AppContext } from '../../platform/http/context.ts';
import { registerReadingRoutes, type ReadingRoutesOptions } from './readings.routes.tsx';

export interface ReadingsPluginOptions extends ReadingRoutesOptions {
  ctx: AppContext;
}

/** Meter readings sent from the main page's form, with the seed's confirmation step. */
export const readingsPlugin: FastifyPluginCallback<ReadingsPluginOptions> = (
  app,
  { ctx, ...routes },
  done,
) => {
  registerReadingRoutes(app, ctx, routes);
  done();
};
