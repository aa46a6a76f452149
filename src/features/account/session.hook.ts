import type { FastifyReply, FastifyRequest } from 'fastify';
import type { AppContext } from '../../platform/http/context.ts';
import { sessionCookieName } from '../../platform/http/security.ts';
import type { SwitcherProps } from '../../platform/views/layout.tsx';
import { resolveSession } from './account.service.ts';
import { profileAccountNumbers } from './session.repository.ts';
import { authDeps, sendCabinetLogin, type LoginPageOptions } from './account.routes.tsx';
import { loginAddressFor, safeReturnPath } from './return-path.ts';

/** The logged-in customer of a request: set by `requireCustomer`, read with `customerOf`. */
export interface Customer {
  accountId: number;
  /** The account's 10-digit number, read with the session. */
  accountNumber: string;
  sessionId: number;
  /** The profile of a profile login, whose attached accounts the switcher offers; null otherwise. */
  profileId: number | null;
  /**
   * The numbers of the profile's attached accounts (the header's switcher), read with the session
   * for a profile's session only; null for the manual's login, which costs no extra query.
   */
  profileAccounts: readonly string[] | null;
}

declare module 'fastify' {
  interface FastifyRequest {
    customer: Customer | null;
  }
}

/** Finds the logged-in customer from the session cookie; null when absent or expired. */
export async function loadCustomer(ctx: AppContext, req: FastifyRequest): Promise<Customer | null> {
  const token = req.cookies[sessionCookieName(ctx.config)];
  if (!token || token.length > 100) {
    return null;
  }
  const s = await resolveSession(authDeps(ctx), token);
  if (!s) {
    return null;
  }
  const profileAccounts =
    s.profileId === null ? null : await profileAccountNumbers(ctx.db.kysely, s.profileId);
  return {
    accountId: s.accountId,
    accountNumber: s.accountNumber,
    sessionId: s.id,
    profileId: s.profileId,
    profileAccounts,
  };
}

/**
 * The header's account switcher of a logged-in customer's page (Layout's `switcher`): for a
 * profile's session, the shown account and the profile's attached ones, as the guard read them;
 * undefined for the manual's login. Every cabinet page's view takes it from here.
 */
export function switcherFor(customer: Customer): SwitcherProps | undefined {
  return customer.profileAccounts === null
    ? undefined
    : { current: customer.accountNumber, accounts: [...customer.profileAccounts] };
}

/** The customer of a route guarded by `requireCustomer`. */
export function customerOf(req: FastifyRequest): Customer {
  if (!req.customer) {
    // A route that reads the customer without the guard: a bug, not a visitor's doing.
    throw new Error(
      `${req.method} ${req.routeOptions.url ?? req.url} reads the customer without requireCustomer`,
    );
  }
  return req.customer;
}

/** What the login page says when a form arrives after its session has ended. */
export const SESSION_ENDED_NOTICE =
  'Сеанс завершён (истекло время сеанса или выполнен выход). Данные формы не отправлены. Войдите снова и повторите действие.';

/** Makes the preHandler of a customer's route; `lostForm` says what a form sent without a session held. */
export type RequireCustomer = (
  lostForm?: (body: unknown) => string | undefined,
) => (req: FastifyRequest, reply: FastifyReply) => Promise<unknown>;

/**
 * The guard of the customer's pages, made once by the app and handed to each feature. Without a
 * valid session, GET /cabinet shows the login page (the "Личный кабинет" entry point) and other
 * GETs are redirected to it with their address, to which the login then leads (return-path.ts).
 * A form sent after its session ended (idle or absolute timeout, logout in another tab) gets the
 * login page at once with a notice that it was not sent, and `lostForm` may add what was typed,
 * so that nothing entered is lost without a word.
 */
export function customerGuard(ctx: AppContext, login: LoginPageOptions): RequireCustomer {
  return (lostForm) => async (req, reply) => {
    req.customer = await loadCustomer(ctx, req);
    if (req.customer) {
      // Personal data: never kept by shared caches or the back button after logout.
      void reply.header('Cache-Control', 'no-store');
      return;
    }
    if (req.method === 'GET' && req.routeOptions.url === '/cabinet') {
      // The login page; `next` is where the customer was going when the login was asked for.
      const next = (req.query as { next?: string } | undefined)?.next;
      return sendCabinetLogin(ctx, login, reply, undefined, safeReturnPath(next));
    }
    // A form of ours (the CSRF and origin checks have passed) sent without a session: it timed out,
    // or the customer logged out in another tab (which removed the cookie).
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      const typed = lostForm?.(req.body);
      return sendCabinetLogin(
        ctx,
        login,
        reply.code(401),
        typed ? `${SESSION_ENDED_NOTICE} ${typed}` : SESSION_ENDED_NOTICE,
      );
    }
    // Another page of the cabinet (a bill link from an e-mail, say): the login, then that page.
    return reply.code(303).header('Location', loginAddressFor(req.url)).send('');
  };
}
