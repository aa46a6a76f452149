import type { FastifyReply, FastifyRequest } from 'fastify';
import type { AppContext, Customer } from '../http/context.ts';
import { sessionCookieName } from '../http/security.ts';
import { resolveSession } from './auth.service.ts';
import { authDeps, sendCabinetLogin } from './auth.routes.tsx';

/** Finds the logged-in customer from the session cookie; null when absent or expired. */
export async function loadCustomer(ctx: AppContext, req: FastifyRequest): Promise<Customer | null> {
  const token = req.cookies[sessionCookieName(ctx.config)];
  if (!token || token.length > 100) return null;
  const s = await resolveSession(authDeps(ctx), token);
  return s && { sessionId: s.id, accountId: s.accountId, token };
}

/**
 * A preHandler for the customer's pages: without a valid session a GET gets the login page
 * (the "Личный кабинет" entry point) and anything else is sent there.
 */
export function requireCustomer(ctx: AppContext) {
  return async (req: FastifyRequest, reply: FastifyReply) => {
    req.customer = await loadCustomer(ctx, req);
    if (req.customer) {
      // Personal data: never kept by shared caches or the back button after logout.
      void reply.header('Cache-Control', 'no-store');
      return;
    }
    if (req.method === 'GET' && req.url === '/cabinet') return sendCabinetLogin(ctx, req, reply);
    return reply.code(303).header('Location', '/cabinet').send('');
  };
}
