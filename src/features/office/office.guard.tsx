import type { FastifyInstance, FastifyReply, FastifyRequest, RouteOptions } from 'fastify';
import type { AppContext } from '../../platform/http/context.ts';
import type { CoreConfig } from '../../platform/config.ts';
import { renderPage } from '../../platform/views/render.ts';
import { accessFor, allows, isOfficeUrl, PUBLIC, rightsKey } from './rights.ts';
import { resolveStaffSession, type StaffSession } from './staff-login.service.ts';
import { ForbiddenPage } from './office.view.tsx';

declare module 'fastify' {
  interface FastifyRequest {
    /** The logged-in staff member on /office routes (set by the guard), else null. */
    staff: StaffSession | null;
  }
}

/**
 * The staff session cookie. Over HTTPS it is `__Host-office`, which browsers accept only with
 * Path=/ (and Secure, without Domain): it is pinned to this host, and no sibling subdomain can
 * plant one. Over plain HTTP (development) it is `office` with Path=/office. Either way it is
 * separate from the customer's `sid`, which the back office never reads.
 */
export function staffCookie(config: Pick<CoreConfig, 'https'>) {
  return config.https
    ? {
        name: '__Host-office',
        options: { path: '/', httpOnly: true, sameSite: 'strict' as const, secure: true },
      }
    : {
        name: 'office',
        options: { path: '/office', httpOnly: true, sameSite: 'strict' as const, secure: false },
      };
}

/** The routes under /office as Fastify registered them: method and pattern (for the rights test). */
const officeRoutes = new WeakMap<FastifyInstance, Array<{ method: string; url: string }>>();

export function officeRoutesOf(app: FastifyInstance): ReadonlyArray<{ method: string; url: string }> {
  return officeRoutes.get(app) ?? [];
}

/**
 * Guards every route under /office, wherever it is registered (the office feature, the pages that
 * compose it): called on the root instance before any of them. A route without an entry in the
 * rights matrix (rights.ts) stops the app from starting; at request time, a route that is not
 * public needs a staff session past both factors whose roles the matrix admits: without one,
 * the login page (GET) or a redirect to it; with the wrong roles, 403.
 */
export function registerStaffGuard(app: FastifyInstance, ctx: AppContext): void {
  const routes: Array<{ method: string; url: string }> = [];
  officeRoutes.set(app, routes);
  app.decorateRequest('staff', null);
  app.addHook('onRoute', (route: RouteOptions) => {
    if (!isOfficeUrl(route.url)) {
      return;
    }
    for (const method of [route.method].flat()) {
      if (accessFor(method, route.url) === undefined) {
        throw new Error(
          `${rightsKey(method, route.url)} has no entry in the office rights matrix (rights.ts)`,
        );
      }
      routes.push({ method, url: route.url });
    }
  });
  const deps = { db: ctx.db.kysely, clock: ctx.clock };
  const cookie = staffCookie(ctx.config);
  app.addHook('onRequest', async (req: FastifyRequest, reply: FastifyReply) => {
    const url = req.routeOptions.url;
    if (url === undefined || !isOfficeUrl(url)) {
      return;
    }
    // Staff pages hold personal data: never kept by shared caches or the back button after logout.
    void reply.header('Cache-Control', 'no-store');
    const access = accessFor(req.method, url);
    if (access === PUBLIC) {
      return;
    }
    const token = req.cookies[cookie.name];
    req.staff = token && token.length <= 100 ? await resolveStaffSession(deps, token) : null;
    if (!req.staff) {
      return reply.code(303).header('Location', '/office/login').send('');
    }
    if (access === undefined || !allows(access, req.staff.user.roles)) {
      const page = (
        <ForbiddenPage
          supplierName={ctx.supplierName}
          csrfToken={reply.generateCsrf()}
          user={req.staff.user}
        />
      );
      return reply.code(403).type('text/html; charset=utf-8').send(renderPage(page));
    }
  });
}

/** The staff member of a guarded route. */
export function staffOf(req: FastifyRequest): StaffSession {
  if (!req.staff) {
    throw new Error(
      `${req.method} ${req.routeOptions.url ?? req.url} reads the staff member without the guard`,
    );
  }
  return req.staff;
}
