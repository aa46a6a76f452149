import type { AppContext } from '../../platform/http/context.ts';
import { hashToken } from '../account/account.service.ts';
import { apiTokensConfigOf } from './api-tokens.config.ts';
import { countRequest, findTokenByHash, touchToken } from './api-tokens.repository.ts';
import { parseScopes, TOKEN_PATTERN, type ApiScope } from './token.ts';

export type { ApiScope } from './token.ts';

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
 * The last use is written at most this often per token (and whenever the address changes), as
 * sessions are touched: the page shows it to the minute, and a busy token writes no more.
 */
export const LAST_USE_INTERVAL_MS = 60_000;

/** RFC 6750 §2.1: `Bearer` (any case), one or more spaces, the token (b64token). */
const BEARER = /^bearer +([A-Za-z0-9\-._~+/]+=*) *$/i;

const WHERE_TO_MAKE = 'Создайте новый токен в профиле Личного кабинета (раздел «Токены доступа»).';

function refused(detail: string): BearerResult {
  return { ok: false, status: 401, detail };
}

/**
 * Authenticates an API request by its `Authorization: Bearer …` header (never by cookies),
 * applies the token's rate limit and records its last use (time and address).
 */
export async function authenticateBearer(
  ctx: AppContext,
  authorization: string | undefined,
  ip: string,
): Promise<BearerResult> {
  if (authorization === undefined || authorization.trim() === '') {
    return refused('Нужен токен доступа: передайте его в заголовке «Authorization: Bearer <токен>».');
  }
  const m = BEARER.exec(authorization);
  if (!m) {
    return refused(
      'Заголовок Authorization должен иметь вид «Bearer <токен>»: другие способы входа API не принимает.',
    );
  }
  const token = m[1]!;
  // A string of another shape was never issued: no need to ask the database.
  const found = TOKEN_PATTERN.test(token)
    ? await findTokenByHash(ctx.db.kysely, hashToken(token))
    : undefined;
  if (!found) {
    return refused(`Токен доступа недействителен: проверьте, что он скопирован целиком. ${WHERE_TO_MAKE}`);
  }
  const now = ctx.clock.now().getTime();
  if (found.revokedAt !== null) {
    return refused(`Токен доступа отозван. ${WHERE_TO_MAKE}`);
  }
  if (found.expiresAt <= now) {
    return refused(`Срок действия токена доступа истёк. ${WHERE_TO_MAKE}`);
  }
  if (!found.profileConfirmed) {
    return refused(
      'Адрес электронной почты профиля не подтверждён: токены профиля действуют только после подтверждения.',
    );
  }
  const { ratePerWindow, windowMs } = apiTokensConfigOf(ctx);
  const windowStart = Math.floor(now / windowMs) * windowMs;
  if ((await countRequest(ctx.db.kysely, found.id, windowStart, ratePerWindow)) === null) {
    const retryAfterS = Math.max(1, Math.ceil((windowStart + windowMs - now) / 1000));
    return {
      ok: false,
      status: 429,
      detail: `Слишком много запросов с этим токеном: не больше ${ratePerWindow} в минуту. Повторите через ${retryAfterS} с.`,
      retryAfterS,
    };
  }
  if (
    found.lastUsedAt === null ||
    now - found.lastUsedAt >= LAST_USE_INTERVAL_MS ||
    found.lastUsedIp !== ip
  ) {
    await touchToken(ctx.db.kysely, found.id, now, ip);
  }
  return {
    ok: true,
    caller: { tokenId: found.id, profileId: found.profileId, scopes: parseScopes(found.scopes) },
  };
}
