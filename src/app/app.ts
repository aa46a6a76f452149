import path from 'node:path';
import { fileURLToPath } from 'node:url';
import Fastify, { type FastifyInstance, type FastifyServerOptions } from 'fastify';
import cookie from '@fastify/cookie';
import formbody from '@fastify/formbody';
import fastifyStatic from '@fastify/static';
import { Type } from 'typebox';
import type { Config } from '../platform/config.ts';
import type { Db } from '../platform/db/connect.ts';
import { systemClock, type Clock } from '../platform/clock.ts';
import type { AppContext } from '../platform/http/context.ts';
import { registerSecurity, securityHeaders } from '../platform/http/security.ts';
import { frameworkErrorHandler, registerErrorHandling } from '../platform/http/errors.tsx';
import { registerAuthRoutes } from '../features/account/account.routes.tsx';
import { registerCabinetRoutes } from '../pages/main/main.routes.tsx';
import { registerOfficeRoutes } from '../features/offices/offices.routes.tsx';
import { registerReadingRoutes } from '../features/readings/readings.routes.tsx';
import { registerPaymentRoutes } from '../features/payments/payments.routes.tsx';
import { registerMailRoutes } from '../features/mail/mail.routes.tsx';
import { registerAssets } from '../platform/http/assets.ts';
import { registerInFlight } from '../platform/http/in-flight.ts';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');

export interface AppOptions {
  config: Config;
  db: Db;
  clock?: Clock;
  logger?: FastifyServerOptions['loggerInstance'];
  /** When no logger instance is given: pino options, or false for silence (tests). */
  logLevel?: string | false;
}

export const SUPPLIER_NAME = 'ОАО «Хакасэнергосбыт»';

/** Builds the portal: plugins and routes, never listening (server.ts does that). */
export async function buildApp(opts: AppOptions): Promise<FastifyInstance> {
  const { config, db } = opts;
  const headers = securityHeaders(config);
  const app = Fastify({
    ...(opts.logger
      ? { loggerInstance: opts.logger }
      : { logger: opts.logLevel === false ? false : { level: opts.logLevel ?? config.logLevel } }),
    trustProxy: config.trustProxy,
    bodyLimit: 64 * 1024,
    return503OnClosing: true,
    routerOptions: { ignoreTrailingSlash: true },
    frameworkErrors: frameworkErrorHandler(SUPPLIER_NAME, headers),
  });

  const ctx: AppContext = {
    config,
    db,
    clock: opts.clock ?? systemClock,
    supplierName: SUPPLIER_NAME,
  };

  registerInFlight(app);
  app.decorateRequest('customer', null);
  await app.register(cookie);
  await app.register(formbody, { bodyLimit: 64 * 1024 });
  await registerSecurity(app, config, headers);
  registerErrorHandling(app, ctx.supplierName);

  await app.register(fastifyStatic, {
    root: path.join(ROOT, 'public'),
    prefix: '/static/',
    maxAge: '1h',
    index: false,
  });
  await app.register(fastifyStatic, {
    root: path.join(ROOT, 'node_modules', 'leaflet', 'dist'),
    prefix: '/static/vendor/leaflet/',
    decorateReply: false,
    maxAge: '1d',
    index: false,
  });

  app.get(
    '/healthz',
    { schema: { response: { 200: Type.Object({ status: Type.Literal('ok'), database: Type.String() }) } } },
    async () => {
      await db.ping();
      return { status: 'ok' as const, database: db.dialect };
    },
  );
  // A route that does nothing: the benchmark's baseline for the framework's own cost.
  app.get('/ping', { schema: { response: { 200: Type.String() } } }, async (_req, reply) =>
    reply.type('text/plain; charset=utf-8').send('pong'),
  );

  registerAuthRoutes(app, ctx);
  registerCabinetRoutes(app, ctx);
  registerOfficeRoutes(app, ctx);
  registerReadingRoutes(app, ctx);
  registerPaymentRoutes(app, ctx);
  registerMailRoutes(app, ctx);
  registerAssets(app);
  return app;
}
