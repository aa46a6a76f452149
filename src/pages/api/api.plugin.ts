import type { FastifyError, FastifyInstance, FastifyPluginAsync } from 'fastify';
import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import { TypeBoxValidatorCompiler } from '@fastify/type-provider-typebox';
import { pdfRenderer } from '../../features/billing/pdf/pdf-pool.ts';
import { authenticate } from './api.auth.ts';
import { registerAccountRoutes, type ApiContext } from './api.routes.ts';
import { registerBillRoute } from './bills.routes.ts';
import {
  ApiProblem,
  PROBLEM_TYPE,
  problemDocument,
  problemOfError,
  sendProblem,
  unavailable,
} from './problems.ts';
import { registerReadingRoutes } from './readings.routes.ts';

export interface ApiPluginOptions {
  ctx: ApiContext;
}

/** The API's description: the document at /api/docs/json is made from it and the routes' schemas. */
const OPENAPI = {
  openapi: '3.1.0',
  info: {
    title: 'Личный кабинет: open API',
    version: '1',
    description:
      'Balance, charges, bills, payments and meter readings of the accounts a profile sees, for ' +
      'programs (Home Assistant, budgeting apps). Make a personal access token on the profile page ' +
      '(/cabinet/profile/tokens) and send it as `Authorization: Bearer lk_…`. Money is in kopecks. ' +
      'Errors are RFC 9457 problem documents (application/problem+json) whose `detail` says in ' +
      'Russian what to do; `type` names the problem (`/api/docs#problem-not-found` …).',
  },
  servers: [{ url: '/' }],
  components: {
    securitySchemes: { bearer: { type: 'http' as const, scheme: 'bearer', description: 'lk_… token' } },
  },
  security: [{ bearer: [] }],
};

/**
 * The open API, /api/v1: JSON over the features a token's profile sees (accounts, balance,
 * charges, bills, payments, readings, the meter), described by OpenAPI at /api/docs.
 *
 * Registered in this plugin's own scope, @fastify/swagger sees only these routes (its route hook
 * is encapsulated), never the HTML pages. The scope has its own error and not-found handlers, so
 * that every /api error is a problem document, and its own validator, TypeBox's: a body is
 * checked as sent (Fastify's default Ajv turns "5" into 5, a lone value into an array, and drops
 * unknown fields, which an API should refuse); path, query and headers are converted as usual.
 */
export const apiPlugin: FastifyPluginAsync<ApiPluginOptions> = async (app, { ctx }) => {
  await app.register(swagger, { openapi: OPENAPI });
  await registerDocs(app);
  await app.register(
    async (api) => {
      // JSON only: the site's form and text parsers would hand a route a body it was never
      // described with (a 400 about its shape); any other type is a 415 problem instead.
      api.removeAllContentTypeParsers();
      api.addContentTypeParser(
        'application/json',
        { parseAs: 'string' },
        api.getDefaultJsonParser('error', 'error'),
      );
      api.setErrorHandler((err: FastifyError, req, reply) => {
        const problem = problemOfError(err);
        if (problem.status >= 500) {
          req.log.error({ err }, 'API request failed');
        }
        return sendProblem(req, reply, problem);
      });
      // The platform answers 503 itself, before any route, while the process drains or is
      // overloaded (platform/http/closing.ts, pressure.ts): as a problem document here too.
      api.addHook('onSend', async (req, reply, payload) => {
        if (
          reply.statusCode !== 503 ||
          !String(reply.getHeader('content-type')).startsWith('application/json')
        ) {
          return payload;
        }
        void reply.type(PROBLEM_TYPE);
        return JSON.stringify(problemDocument(req, unavailable()));
      });
      // The same answer for every unknown address: nothing to learn by probing.
      api.setNotFoundHandler((req, reply) =>
        sendProblem(req, reply, new ApiProblem(404, 'not-found', 'Такого адреса в API нет.')),
      );
      await api.register(
        (v1, _opts, done) => {
          v1.decorateRequest('apiCaller', null);
          v1.setValidatorCompiler(TypeBoxValidatorCompiler);
          v1.addHook('onRequest', authenticate(ctx));
          const pdf = pdfRenderer(ctx.config.billing.pdfThreads);
          v1.addHook('onClose', () => pdf.close());
          registerAccountRoutes(v1, ctx);
          registerReadingRoutes(v1, ctx);
          registerBillRoute(v1, ctx, pdf);
          done();
        },
        { prefix: '/v1' },
      );
    },
    { prefix: '/api' },
  );
};

/**
 * The one inline style Swagger UI's bundle adds (a <style> element of fixed text, made by
 * swagger-ui-bundle.js 5.x as it starts), by its hash. test/browser/api-docs.test.ts fails with
 * the hash Chromium expects when a new version of the bundle changes it.
 */
const SWAGGER_UI_STYLE = "'sha256-RL3ie0nH+Lzz2YNqQN83mnU0J1ot4QL7b99vMdIX99w='";

/**
 * Swagger UI at /api/docs, its files served from node_modules (@fastify/swagger-ui ships them).
 * Its page loads scripts and stylesheets from its own files only, no inline script, so the site's
 * strict CSP (platform/http/security.ts) serves it with one change on these routes only: the
 * bundle's single inline style, allowed by its hash (not 'unsafe-inline'). The validator badge,
 * an image from validator.swagger.io, is off.
 */
async function registerDocs(api: FastifyInstance): Promise<void> {
  await api.register(swaggerUi, {
    routePrefix: '/api/docs',
    uiConfig: { deepLinking: true, validatorUrl: null },
    theme: { title: 'Личный кабинет: API' },
    transformStaticCSP: (header: string) =>
      header.replace("style-src 'self'", `style-src 'self' ${SWAGGER_UI_STYLE}`),
  });
}
