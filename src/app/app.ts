import { loggerOptions } from '../platform/http/log-serializers.ts';
import Fastify, { type FastifyInstance, type FastifyServerOptions } from 'fastify';
import cookie from '@fastify/cookie';
import formbody from '@fastify/formbody';
import { Type } from 'typebox';
import type { Config } from './config.ts';
import { runJobsWhileListening } from './jobs.ts';
import type { Db } from '../platform/db/connect.ts';
import { systemClock, type Clock } from '../platform/clock.ts';
import type { Job } from '../platform/jobs.ts';
import type { AppContext } from '../platform/http/context.ts';
import { registerSecurity, securityHeaders } from '../platform/http/security.ts';
import { frameworkErrorHandler, registerErrorHandling } from '../platform/http/errors.tsx';
import { registerAssets } from '../platform/http/assets.ts';
import { registerCompression } from '../platform/http/compression.ts';
import { registerInFlight } from '../platform/http/in-flight.ts';
import { registerClosingAnswer } from '../platform/http/closing.ts';
import { registerCanonicalHost } from '../platform/http/canonical-host.ts';
import { registerHealth } from '../platform/http/health.ts';
import { registerPressure } from '../platform/http/pressure.ts';
import { registerRequestId, RequestLog, requestIdGenerator } from '../platform/http/request-log.ts';
import { noMetrics, PortalMetrics, registerMetrics, type Metrics } from '../platform/metrics/metrics.ts';
import { AnonymousWrites } from '../platform/http/anonymous-writes.ts';
import { accountPlugin } from '../features/account/account.plugin.ts';
import { customerGuard } from '../features/account/session.hook.ts';
import { billingPlugin } from '../features/billing/billing.plugin.ts';
import { mailPlugin } from '../features/mail/mail.plugin.ts';
import { createMailTransport } from '../features/mail/transport.ts';
import { officesPlugin } from '../features/offices/offices.plugin.ts';
import { paymentsPlugin } from '../features/payments/payments.plugin.ts';
import { createPaymentsModule } from '../features/payments/payments.module.ts';
import { readingsPlugin } from '../features/readings/readings.plugin.ts';
import { mainPagePlugin } from '../pages/main/main.plugin.ts';
import { registerStaffGuard } from '../features/office/office.guard.tsx';
import { officePlugin } from '../features/office/office.plugin.ts';
import { officeStartPlugin } from '../pages/office/start.plugin.tsx';
import { officeSettingsPlugin } from '../pages/office/settings.plugin.tsx';
import { officeMailingPlugin } from '../pages/office/mailing.plugin.tsx';
import { officeClosingPlugin } from '../pages/office/closing.plugin.tsx';
import { officeRecalculatePlugin } from '../pages/office/recalculate.plugin.tsx';
import { officePaymentsPlugin } from '../pages/office/payments.plugin.tsx';
import { officeReviewPlugin } from '../pages/office/review.plugin.tsx';
import { officeAccountActionsPlugin } from '../pages/office/account-actions.plugin.tsx';
import { searchPlugin } from '../features/search/search.plugin.ts';
import { exportsPlugin } from '../features/exports/exports.plugin.ts';
import { importsPlugin } from '../features/imports/imports.plugin.ts';
import { accountCardPlugin } from '../pages/office/card.plugin.tsx';
import { profilePlugin } from '../features/profile/profile.plugin.ts';
import { apiTokensPlugin } from '../features/api-tokens/api-tokens.plugin.ts';
import { revokeTokensOfProfile } from '../features/api-tokens/api-tokens.repository.ts';
import { apiPlugin } from '../pages/api/api.plugin.ts';
import { sendMainPage } from '../pages/main/main.routes.tsx';
import { DEMO_ACCOUNT } from '../tools/demo/demo-account.ts';

export interface AppOptions {
  config: Config;
  db: Db;
  clock?: Clock;
  logger?: FastifyServerOptions['loggerInstance'];
  /** When no logger instance is given: pino options, or false for silence (tests). */
  logLevel?: string | false;
}

/** Builds the portal from the platform's plugins and each feature's, never listening (server.ts does that). */
export async function buildApp(opts: AppOptions): Promise<FastifyInstance> {
  const { config, db } = opts;
  const headers = securityHeaders(config, config.payments.formActionOrigins);
  // A hop count as proxy-addr's own function for it (Fastify's types name only the other forms).
  const trust = config.trustProxy;
  const trustProxy: FastifyServerOptions['trustProxy'] =
    typeof trust === 'number' ? (_address: string, hop: number) => hop < trust : trust;
  const app = Fastify({
    ...(opts.logger
      ? { loggerInstance: opts.logger }
      : {
          logger: opts.logLevel === false ? false : loggerOptions(opts.logLevel ?? config.logLevel),
        }),
    // One line per request, with its route, status and account.
    logController: new RequestLog((req) => req.customer?.accountId),
    genReqId: requestIdGenerator(config.trustProxy),
    trustProxy,
    bodyLimit: 64 * 1024,
    // Served instead, with Connection: close (registerClosingAnswer).
    return503OnClosing: false,
    routerOptions: { ignoreTrailingSlash: true },
    frameworkErrors: frameworkErrorHandler(config.supplierName, headers),
  });
  const ctx: AppContext<Config> = {
    config,
    db,
    clock: opts.clock ?? systemClock,
    supplierName: config.supplierName,
  };
  // Metrics cost a timer and a histogram per request: only when /metrics is served.
  const metrics = config.observability.metricsToken ? new PortalMetrics(db) : null;
  await registerPlatform(app, ctx, headers, metrics);
  await registerFeatures(app, ctx, metrics ?? noMetrics);
  return app;
}

/**
 * Request ids and logs, compression, cookies, forms, security headers and CSRF, the answers while
 * closing or overloaded, error pages, static files, health and the bench's baseline.
 */
async function registerPlatform(
  app: FastifyInstance,
  ctx: AppContext<Config>,
  headers: ReturnType<typeof securityHeaders>,
  metrics: PortalMetrics | null,
): Promise<void> {
  registerRequestId(app);
  registerInFlight(app);
  await registerCompression(app);
  app.decorateRequest('customer', null);
  await app.register(cookie);
  await app.register(formbody, { bodyLimit: 64 * 1024 });
  await registerSecurity(app, ctx.config, headers);
  const isClosing = registerClosingAnswer(app, ctx.supplierName);
  await registerPressure(app, ctx.supplierName, ctx.config.observability.pressure);
  registerCanonicalHost(app, ctx.config.publicUrl, ctx.config.hostRedirect);
  app.decorate('anonymousWrites', new AnonymousWrites(ctx.db.kysely, ctx.clock, ctx.config.anonymousWrites));
  registerErrorHandling(app, ctx.supplierName);
  await registerAssets(app);
  registerHealth(app, ctx.db, { isClosing, isOverloaded: () => app.isUnderPressure() });
  const token = ctx.config.observability.metricsToken;
  if (metrics && token) {
    registerMetrics(app, metrics, token);
  }
  // A route that does nothing: the benchmark's baseline for the framework's own cost.
  app.get('/ping', { schema: { response: { 200: Type.String() } } }, async (_req, reply) =>
    reply.type('text/plain; charset=utf-8').send('pong'),
  );
}

/**
 * Each feature's plugin with the few things it names: the context, the customer guard, the jobs
 * list; the main page's renderer for the features whose forms it holds. Jobs run while the
 * server listens (app/jobs.ts); its hook comes last, so the jobs stop before any feature closes
 * what they use.
 */
async function registerFeatures(
  app: FastifyInstance,
  ctx: AppContext<Config>,
  metrics: Metrics,
): Promise<void> {
  const jobs: Job[] = [];
  const loginPage = {
    demo: ctx.config.demoMode ? { account: DEMO_ACCOUNT.number, surname: DEMO_ACCOUNT.surname } : undefined,
  };
  const requireCustomer = customerGuard(ctx, loginPage);
  const payments = await createPaymentsModule(
    ctx.config,
    ctx.db,
    ctx.clock,
    ctx.supplierName,
    app.log.child({ feature: 'payments' }),
  );
  app.decorate('payments', payments);
  // Before any route: it checks each /office route against the rights matrix as it is added.
  registerStaffGuard(app, ctx);

  await app.register(accountPlugin, { ctx, loginPage, jobs });
  await app.register(mainPagePlugin, { ctx, requireCustomer });
  await app.register(readingsPlugin, {
    ctx,
    requireCustomer,
    showRefused: (req, reply, form) => sendMainPage(ctx, req, reply, { status: 400, ...form }),
  });
  const mailTransport = createMailTransport(ctx.config.mail);
  await app.register(mailPlugin, {
    ctx,
    jobs,
    metrics,
    transport: mailTransport,
    requireCustomer,
    showRefused: (req, reply, form) => sendMainPage(ctx, req, reply, { status: 400, ...form }),
  });
  await app.register(billingPlugin, { ctx, requireCustomer, metrics, jobs });
  await app.register(paymentsPlugin, { ctx, payments, requireCustomer, jobs, metrics });
  await app.register(officesPlugin, { ctx });
  await app.register(officePlugin, { ctx, jobs });
  await app.register(officeStartPlugin, { ctx });
  await app.register(officeSettingsPlugin, { ctx, settings: ctx.config.settings });
  await app.register(officeMailingPlugin, { ctx });
  await app.register(officeClosingPlugin, { ctx });
  await app.register(officeRecalculatePlugin, { ctx });
  await app.register(officePaymentsPlugin, { ctx });
  await app.register(importsPlugin, { ctx, config: ctx.config.imports, jobs });
  await app.register(officeReviewPlugin, { ctx });
  await app.register(officeAccountActionsPlugin, { ctx, mailTransport });
  await app.register(searchPlugin, { ctx });
  await app.register(accountCardPlugin, { ctx });
  await app.register(exportsPlugin, { ctx });
  await app.register(profilePlugin, {
    ctx,
    requireCustomer,
    jobs,
    transport: mailTransport,
    revokeTokens: revokeTokensOfProfile,
  });
  await app.register(apiTokensPlugin, { ctx, requireCustomer });
  await app.register(apiPlugin, { ctx });
  runJobsWhileListening(app, jobs);
}
