import { isIP } from 'node:net';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import helmet from 'helmet';
import csrf from '@fastify/csrf-protection';
import type { CoreConfig } from '../config.ts';

export const CSRF_FIELD = '_csrf';

export function sessionCookieName(config: Pick<CoreConfig, 'https'>): string {
  // The __Host- prefix pins the cookie to this host and path "/", and requires Secure.
  return config.https ? '__Host-sid' : 'sid';
}

/** The cookie that holds the CSRF secret (@fastify/csrf-protection). */
export function csrfCookieName(config: Pick<CoreConfig, 'https'>): string {
  return config.https ? '__Host-csrf' : 'csrf';
}

/**
 * Drops the CSRF secret at login and logout, so that no form token from before works after: the
 * next page makes a new secret. (A secret that outlives a login lets whoever saw a form of the
 * shared computer's previous visitor post as the one who logs in next.)
 */
export function rotateCsrfSecret(reply: FastifyReply, config: Pick<CoreConfig, 'https'>): void {
  void reply.clearCookie(csrfCookieName(config), { ...cookieOptions(config), sameSite: 'strict' });
}

export function cookieOptions(config: Pick<CoreConfig, 'https'>) {
  return { path: '/', httpOnly: true, sameSite: 'lax' as const, secure: config.https };
}

/** Writes the security headers onto a response (helmet's middleware). */
export type SecurityHeaders = (
  req: IncomingMessage,
  res: ServerResponse,
  next: (err?: unknown) => void,
) => void;

/**
 * The headers every response carries, errors included. Helmet's middleware is built once:
 * @fastify/helmet built it again on every request (it parsed the whole policy each time).
 */
export function securityHeaders(
  config: Pick<CoreConfig, 'https'>,
  /** Where the portal's forms may lead besides itself: the bank's payment page. */
  formActionOrigins: readonly string[],
): SecurityHeaders {
  return helmet({
    contentSecurityPolicy: {
      useDefaults: false,
      directives: {
        defaultSrc: ["'self'"],
        scriptSrc: ["'self'"],
        styleSrc: ["'self'"],
        // Map tiles for the offices page come from OpenStreetMap when the browser is online.
        imgSrc: ["'self'", 'data:', 'https://tile.openstreetmap.org'],
        connectSrc: ["'self'"],
        fontSrc: ["'self'"],
        objectSrc: ["'none'"],
        baseUri: ["'self'"],
        // The order form answers with a redirect to the bank's payment page: the bank's origin too.
        formAction: ["'self'", ...formActionOrigins],
        frameAncestors: ["'none'"],
        ...(config.https ? { upgradeInsecureRequests: [] } : {}),
      },
    },
    strictTransportSecurity: config.https ? { maxAge: 31_536_000, includeSubDomains: true } : false,
    referrerPolicy: { policy: 'same-origin' },
    crossOriginEmbedderPolicy: false,
    frameguard: { action: 'deny' },
  });
}

/** Security headers, CSRF protection and the same-origin rule for every state-changing request. */
export async function registerSecurity(
  app: FastifyInstance,
  config: CoreConfig,
  headers: SecurityHeaders,
): Promise<void> {
  app.addHook('onRequest', (req: FastifyRequest, reply: FastifyReply, done: (err?: Error) => void) => {
    headers(req.raw, reply.raw, (err) => {
      if (err instanceof Error) {
        return done(err);
      }
      // The address the throttles count and the audit log keeps must be one (trust-proxy.ts).
      if (isIP(req.ip) === 0) {
        void reply.code(400).type('text/plain; charset=utf-8').send('Неверный адрес клиента.');
        return;
      }
      done();
    });
  });

  await app.register(csrf, {
    sessionPlugin: '@fastify/cookie',
    cookieKey: csrfCookieName(config),
    cookieOpts: { ...cookieOptions(config), sameSite: 'strict' },
    getToken: (req) => {
      const body = req.body as Record<string, unknown> | undefined;
      const fromBody = body?.[CSRF_FIELD];
      if (typeof fromBody === 'string') {
        return fromBody;
      }
      const header = req.headers['x-csrf-token'];
      return typeof header === 'string' ? header : undefined;
    },
  });

  const publicOrigin = new URL(config.publicUrl).origin;
  app.addHook('preHandler', (req: FastifyRequest, reply: FastifyReply, done: (err?: Error) => void) => {
    if (req.method === 'GET' || req.method === 'HEAD' || req.method === 'OPTIONS') {
      return done();
    }
    // The open API authenticates by a Bearer token only, never by a cookie a browser would add to
    // a forged request: it has nothing for CSRF to protect (src/pages/api). Decided by the route
    // that matched, not by the address as sent; an address no route matched is only a 404.
    if ((req.routeOptions.url ?? req.url).startsWith('/api/')) {
      return done();
    }
    if (isCrossSite(req, publicOrigin)) {
      void reply.code(403).type('text/plain; charset=utf-8').send('Запрос с другого сайта отклонён.');
      return;
    }
    // A multipart form's body is a stream that only its handler reads: the handler checks the
    // token, from the form's first field, before it reads the file (csrfTokenValid).
    if (req.routeOptions.config.csrfInHandler === true) {
      return done();
    }
    app.csrfProtection(req, reply, done);
  });
}

declare module 'fastify' {
  interface FastifyContextConfig {
    /** The route checks the CSRF token itself (a multipart upload): see csrfTokenValid. */
    csrfInHandler?: boolean;
  }
}

/**
 * Checks a CSRF token read by a handler (a multipart form's hidden field) as every other form's
 * is checked. When it is wrong the reply is already sent (403), and the handler returns it.
 */
export function csrfTokenValid(
  app: FastifyInstance,
  req: FastifyRequest,
  reply: FastifyReply,
  token: string | undefined,
): boolean {
  (req as { body: unknown }).body = { [CSRF_FIELD]: token ?? '' };
  let valid = false;
  app.csrfProtection(req, reply, () => {
    valid = true;
  });
  return valid;
}

function isCrossSite(req: FastifyRequest, publicOrigin: string): boolean {
  const site = req.headers['sec-fetch-site'];
  if (site === 'cross-site') {
    return true;
  }
  const origin = req.headers.origin;
  if (typeof origin === 'string' && origin !== 'null') {
    const host = req.headers.host;
    const sameHost = host !== undefined && (origin === `http://${host}` || origin === `https://${host}`);
    if (origin !== publicOrigin && !sameHost) {
      return true;
    }
  }
  if (origin === 'null') {
    return true;
  }
  return false;
}
