import type { Kysely } from 'kysely';
import type { Database } from '../../platform/db/schema.ts';
import type { Clock } from '../../platform/clock.ts';
import { recordAudit } from '../../platform/audit.repository.ts';
import { hashToken } from '../account/account.service.ts';
import { newApiToken, parseScopes, type ApiScope } from './token.ts';
import * as repo from './api-tokens.repository.ts';

export const NAME_MAX = 100;
/** The expiries offered; a year at most. */
export const EXPIRY_DAYS = [30, 90, 180, 365] as const;
export const DEFAULT_EXPIRY_DAYS = 90;
/**
 * Tokens in force per profile. A household needs a few (Home Assistant, a budgeting app); the
 * bound keeps a script gone wrong from filling the table.
 */
export const MAX_ACTIVE_TOKENS = 20;
const DAY_MS = 86_400_000;

export interface TokenDeps {
  db: Kysely<Database>;
  clock: Clock;
}

export type TokenState = 'active' | 'expired' | 'revoked';

/** A token as the page lists it. */
export interface TokenView {
  id: number;
  name: string;
  scopes: ApiScope[];
  createdAt: number;
  expiresAt: number;
  lastUsedAt: number | null;
  lastUsedIp: string | null;
  state: TokenState;
}

export async function listTokens(deps: TokenDeps, profileId: number): Promise<TokenView[]> {
  const now = deps.clock.now().getTime();
  return (await repo.tokensOfProfile(deps.db, profileId)).map((t) => ({
    id: t.id,
    name: t.name,
    scopes: [...parseScopes(t.scopes)],
    createdAt: t.createdAt,
    expiresAt: t.expiresAt,
    lastUsedAt: t.lastUsedAt,
    lastUsedIp: t.lastUsedIp,
    state: t.revokedAt !== null ? 'revoked' : t.expiresAt <= now ? 'expired' : 'active',
  }));
}

/** The form as posted. */
export interface TokenForm {
  name: string;
  readingsWrite: boolean;
  /** As posted: one of EXPIRY_DAYS when valid. */
  days: string;
}

export interface TokenFormErrors {
  name?: string;
  days?: string;
  form?: string;
}

export type CreateResult =
  | { kind: 'created'; token: string; id: number; name: string; scopes: ApiScope[]; expiresAt: number }
  | { kind: 'invalid'; errors: TokenFormErrors };

// Control characters (a pasted line break, NUL) make no sense in a name and could confuse a log.
// eslint-disable-next-line no-control-regex
const CONTROL = /[\u0000-\u001f\u007f-\u009f]/;

export function validateTokenForm(form: TokenForm): { errors: TokenFormErrors; name: string; days: number } {
  const errors: TokenFormErrors = {};
  const name = form.name.trim();
  if (name === '') {
    errors.name = 'Укажите название токена, например «Home Assistant».';
  } else if ([...name].length > NAME_MAX) {
    errors.name = `Название не длиннее ${NAME_MAX} символов (сейчас ${[...name].length}).`;
  } else if (CONTROL.test(name)) {
    errors.name = 'Название не может содержать переводы строк и управляющие символы.';
  }
  const days = EXPIRY_DAYS.find((d) => String(d) === form.days.trim());
  if (days === undefined) {
    errors.days = 'Выберите срок действия: 30, 90, 180 или 365 дней. Больше года токен не действует.';
  }
  return { errors, name, days: days ?? 0 };
}

/**
 * Makes a token for the profile: `read` always, `readings:write` when asked, expiring in one of
 * EXPIRY_DAYS. Refused when the form is wrong, the profile's e-mail is not confirmed, or the
 * profile has MAX_ACTIVE_TOKENS in force. Audited without the token.
 */
export async function createToken(
  deps: TokenDeps,
  who: { profileId: number; accountNumber: string; ip: string },
  form: TokenForm,
): Promise<CreateResult> {
  const { errors, name, days } = validateTokenForm(form);
  if (errors.name !== undefined || errors.days !== undefined) {
    return { kind: 'invalid', errors };
  }
  const scopes: ApiScope[] = form.readingsWrite ? ['read', 'readings:write'] : ['read'];
  const token = newApiToken();
  const now = deps.clock.now();
  const at = now.getTime();
  const expiresAt = at + days * DAY_MS;
  return deps.db.transaction().execute(async (trx): Promise<CreateResult> => {
    if (!(await repo.profileConfirmed(trx, who.profileId))) {
      return {
        kind: 'invalid',
        errors: {
          form: 'Адрес электронной почты профиля не подтверждён: откройте ссылку из письма, затем создайте токен.',
        },
      };
    }
    if ((await repo.countActiveTokens(trx, who.profileId, at)) >= MAX_ACTIVE_TOKENS) {
      return {
        kind: 'invalid',
        errors: {
          form: `У профиля уже ${MAX_ACTIVE_TOKENS} действующих токенов — это наибольшее число. Отзовите ненужный токен, чтобы создать новый.`,
        },
      };
    }
    const id = await repo.insertToken(trx, {
      profileId: who.profileId,
      name,
      tokenHash: hashToken(token),
      scopes: scopes.join(','),
      at,
      expiresAt,
    });
    await recordAudit(trx, now, {
      event: 'api_token_create',
      outcome: 'success',
      accountNumber: who.accountNumber,
      ip: who.ip,
      details: { profileId: who.profileId, tokenId: id, name, scopes: scopes.join(','), expiresAt },
    });
    return { kind: 'created', token, id, name, scopes, expiresAt };
  });
}

/**
 * Revokes the profile's token `id`: false when the profile has no such token in force (another
 * profile's token, an unknown id, one revoked already); audited either way, never with a token.
 */
export async function revokeApiToken(
  deps: TokenDeps,
  who: { profileId: number; accountNumber: string; ip: string },
  id: number,
): Promise<boolean> {
  const now = deps.clock.now();
  return deps.db.transaction().execute(async (trx) => {
    const done = await repo.revokeToken(trx, who.profileId, id, now.getTime());
    await recordAudit(trx, now, {
      event: 'api_token_revoke',
      outcome: done ? 'success' : 'refused',
      accountNumber: who.accountNumber,
      ip: who.ip,
      details: { profileId: who.profileId, tokenId: id },
    });
    return done;
  });
}
