import type { FastifyRequest } from 'fastify';
import { authenticateBearer, type ApiCaller, type ApiScope } from '../../features/api-tokens/bearer.ts';
import {
  attachedAccountByNumber,
  type AttachedAccount,
} from '../../features/profile/profile-accounts.repository.ts';
import type { AppContext } from '../../platform/http/context.ts';
import { ApiProblem, notFound } from './problems.ts';

declare module 'fastify' {
  interface FastifyRequest {
    /** The token of an /api/v1 request, set by the scope's onRequest hook. */
    apiCaller: ApiCaller | null;
  }
}

/**
 * The /api/v1 scope's onRequest hook: the request's Bearer token (never a cookie), before its
 * body is read, so that a caller without a token learns nothing about what it sent.
 */
export function authenticate(ctx: AppContext) {
  return async (req: FastifyRequest): Promise<void> => {
    const result = await authenticateBearer(ctx, req.headers.authorization, req.ip);
    if (result.ok) {
      req.apiCaller = result.caller;
      return;
    }
    if (result.status === 429) {
      throw new ApiProblem(
        429,
        'too-many-requests',
        result.detail,
        {},
        { 'Retry-After': String(Math.max(1, Math.ceil(result.retryAfterS ?? 60))) },
      );
    }
    throw new ApiProblem(
      401,
      'unauthorized',
      result.detail,
      {},
      { 'WWW-Authenticate': 'Bearer realm="api"' },
    );
  };
}

/** The caller of a request that passed `authenticate`. */
export function callerOf(req: FastifyRequest): ApiCaller {
  if (!req.apiCaller) {
    throw new Error(`${req.method} ${req.url} reads the API caller outside the /api/v1 scope`);
  }
  return req.apiCaller;
}

const SCOPE_WORDS: Record<ApiScope, string> = {
  read: 'чтение',
  'readings:write': 'передача показаний',
};

/** Refuses (403) a caller whose token lacks `scope`. */
export function requireScope(req: FastifyRequest, scope: ApiScope): ApiCaller {
  const caller = callerOf(req);
  if (!caller.scopes.has(scope)) {
    throw new ApiProblem(
      403,
      'forbidden',
      `У токена нет права «${SCOPE_WORDS[scope]}» (${scope}). Создайте в профиле токен с этим правом.`,
      {},
      { 'WWW-Authenticate': `Bearer error="insufficient_scope", scope="${scope}"` },
    );
  }
  return caller;
}

/**
 * The account `number` when the caller's profile sees it, with the scope checked first. Any
 * other number is 404, the same as a number that does not exist: a token learns nothing about
 * accounts outside its profile.
 */
export async function attachedAccount(
  ctx: AppContext,
  req: FastifyRequest,
  number: string,
  scope: ApiScope,
): Promise<AttachedAccount> {
  const caller = requireScope(req, scope);
  const account = await attachedAccountByNumber(ctx.db.kysely, caller.profileId, number);
  if (!account) {
    throw notFound();
  }
  return account;
}
