import { randomBytes } from 'node:crypto';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { CoreConfig } from '../../platform/config.ts';
import { cookieOptions } from '../../platform/http/security.ts';

/**
 * A browser's own random id, kept in a cookie for a year, so that the login throttles can count
 * a stranger's failures against the stranger's browser (login-throttle.ts). It grants nothing:
 * a forged or dropped id only makes the request count as another browser of the same address.
 */
const BROWSER_ID = /^[A-Za-z0-9_-]{22}$/;
const YEAR_S = 365 * 24 * 3600;

export function browserCookieName(config: Pick<CoreConfig, 'https'>): string {
  return config.https ? '__Host-browser' : 'browser';
}

/** The browser id the request carries, if well-formed. */
export function browserIdOf(req: FastifyRequest, config: Pick<CoreConfig, 'https'>): string | undefined {
  const v = req.cookies[browserCookieName(config)];
  return v !== undefined && BROWSER_ID.test(v) ? v : undefined;
}

/** Gives a browser that has none its id, on a response that shows a login form. */
export function ensureBrowserId(
  req: FastifyRequest,
  reply: FastifyReply,
  config: Pick<CoreConfig, 'https'>,
): void {
  if (browserIdOf(req, config) === undefined) {
    void reply.setCookie(browserCookieName(config), randomBytes(16).toString('base64url'), {
      ...cookieOptions(config),
      maxAge: YEAR_S,
    });
  }
}
