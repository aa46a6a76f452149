import type { AppContext } from '../../platform/http/context.ts';

/** What a token may do: read everything its profile sees, and submit readings. */
export type ApiScope = 'read' | 'readings:write';

/** The caller of an API request: a valid, unrevoked, unexpired token of a profile. */
export interface ApiCaller {
  tokenId: number;
  profileId: number;
  scopes: ReadonlySet<ApiScope>;
}

export type BearerResult =
  | { ok: true; caller: ApiCaller }
  /** 401: no token, not a Bearer one, unknown, revoked or expired; 429: over the token's rate. */
  | { ok: false; status: 401 | 429; detail: string; retryAfterS?: number };

/**
 * Authenticates an API request by its `Authorization: Bearer …` header (never by cookies),
 * applies the token's rate limit and records its last use (time and address).
 */
export function authenticateBearer(
  _ctx: AppContext,
  _authorization: string | undefined,
  _ip: string,
): Promise<BearerResult> {
  return Promise.resolve({ ok: false, status: 401, detail: 'Нужен токен доступа.' });
}
