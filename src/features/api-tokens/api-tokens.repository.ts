import type { Kysely, Transaction } from 'kysely';
import type { Database } from '../../platform/db/schema.ts';

type Q = Kysely<Database> | Transaction<Database>;

/** A token as its profile's page lists it (never its hash). */
export interface StoredToken {
  id: number;
  name: string;
  /** As stored: comma-separated scopes. */
  scopes: string;
  createdAt: number;
  expiresAt: number;
  revokedAt: number | null;
  lastUsedAt: number | null;
  lastUsedIp: string | null;
}

/** A token found by its hash, with what authentication needs to know of its profile. */
export interface TokenForAuth {
  id: number;
  profileId: number;
  scopes: string;
  expiresAt: number;
  revokedAt: number | null;
  lastUsedAt: number | null;
  lastUsedIp: string | null;
  profileConfirmed: boolean;
}

export async function insertToken(
  db: Q,
  t: { profileId: number; name: string; tokenHash: string; scopes: string; at: number; expiresAt: number },
): Promise<number> {
  const row = await db
    .insertInto('api_tokens')
    .values({
      profile_id: t.profileId,
      name: t.name,
      token_hash: t.tokenHash,
      scopes: t.scopes,
      created_at: t.at,
      expires_at: t.expiresAt,
    })
    .returning('id')
    .executeTakeFirstOrThrow();
  return Number(row.id);
}

/** The profile's tokens, newest first. */
export async function tokensOfProfile(db: Q, profileId: number): Promise<StoredToken[]> {
  const rows = await db
    .selectFrom('api_tokens')
    .select([
      'id',
      'name',
      'scopes',
      'created_at',
      'expires_at',
      'revoked_at',
      'last_used_at',
      'last_used_ip',
    ])
    .where('profile_id', '=', profileId)
    .orderBy('created_at', 'desc')
    .orderBy('id', 'desc')
    .execute();
  return rows.map((r) => ({
    id: Number(r.id),
    name: r.name,
    scopes: r.scopes,
    createdAt: Number(r.created_at),
    expiresAt: Number(r.expires_at),
    revokedAt: r.revoked_at === null ? null : Number(r.revoked_at),
    lastUsedAt: r.last_used_at === null ? null : Number(r.last_used_at),
    lastUsedIp: r.last_used_ip,
  }));
}

/** How many of the profile's tokens are in force at `now` (neither revoked nor expired). */
export async function countActiveTokens(db: Q, profileId: number, now: number): Promise<number> {
  const r = await db
    .selectFrom('api_tokens')
    .select((eb) => eb.fn.countAll<number | string>().as('n'))
    .where('profile_id', '=', profileId)
    .where('revoked_at', 'is', null)
    .where('expires_at', '>', now)
    .executeTakeFirstOrThrow();
  return Number(r.n);
}

/**
 * Revokes the profile's token `id`, if it is the profile's and not revoked yet; false otherwise
 * (another profile's token is never touched: the profile is part of the condition).
 */
export async function revokeToken(db: Q, profileId: number, id: number, at: number): Promise<boolean> {
  const r = await db
    .updateTable('api_tokens')
    .set({ revoked_at: at })
    .where('id', '=', id)
    .where('profile_id', '=', profileId)
    .where('revoked_at', 'is', null)
    .executeTakeFirst();
  return Number(r.numUpdatedRows) === 1;
}

/** Revokes every token of the profile still in force (its password was reset); how many. */
export async function revokeTokensOfProfile(db: Q, profileId: number, at: number): Promise<number> {
  const r = await db
    .updateTable('api_tokens')
    .set({ revoked_at: at })
    .where('profile_id', '=', profileId)
    .where('revoked_at', 'is', null)
    .executeTakeFirst();
  return Number(r.numUpdatedRows);
}

/** The token with this hash, with whether its profile's e-mail is confirmed. */
export async function findTokenByHash(db: Q, tokenHash: string): Promise<TokenForAuth | undefined> {
  const r = await db
    .selectFrom('api_tokens as t')
    .innerJoin('profiles as p', 'p.id', 't.profile_id')
    .select([
      't.id',
      't.profile_id',
      't.scopes',
      't.expires_at',
      't.revoked_at',
      't.last_used_at',
      't.last_used_ip',
      'p.email_confirmed_at',
    ])
    .where('t.token_hash', '=', tokenHash)
    .executeTakeFirst();
  return (
    r && {
      id: Number(r.id),
      profileId: Number(r.profile_id),
      scopes: r.scopes,
      expiresAt: Number(r.expires_at),
      revokedAt: r.revoked_at === null ? null : Number(r.revoked_at),
      lastUsedAt: r.last_used_at === null ? null : Number(r.last_used_at),
      lastUsedIp: r.last_used_ip,
      profileConfirmed: r.email_confirmed_at !== null,
    }
  );
}

/** Whether the profile's e-mail is confirmed (false for a profile that does not exist). */
export async function profileConfirmed(db: Q, profileId: number): Promise<boolean> {
  const r = await db
    .selectFrom('profiles')
    .select('email_confirmed_at')
    .where('id', '=', profileId)
    .executeTakeFirst();
  return r !== undefined && r.email_confirmed_at !== null;
}

/**
 * Counts one request of the token in the window that starts at `windowStart`, in one statement
 * (an upsert, atomic on both dialects, so concurrent instances never lose a count): a new window
 * starts again at 1. A request over `limit` in the same window is not counted and nothing is
 * written (a flood of refused requests writes no row); the answer is then null. Otherwise it is
 * the requests counted in the window, this one included.
 */
export async function countRequest(
  db: Q,
  tokenId: number,
  windowStart: number,
  limit: number,
): Promise<number | null> {
  const r = await db
    .insertInto('api_token_windows')
    .values({ token_id: tokenId, window_start: windowStart, requests: 1 })
    .onConflict((oc) =>
      oc
        .column('token_id')
        .doUpdateSet((eb) => {
          // The stored window is current unless the request's is later (an instance whose clock
          // is a little behind counts into the current window, never back into an older one).
          const current = eb('api_token_windows.window_start', '>=', eb.ref('excluded.window_start'));
          return {
            window_start: eb
              .case()
              .when(current)
              .then(eb.ref('api_token_windows.window_start'))
              .else(eb.ref('excluded.window_start'))
              .end(),
            requests: eb
              .case()
              .when(current)
              .then(eb('api_token_windows.requests', '+', 1))
              .else(1)
              .end(),
          };
        })
        .where((eb) =>
          eb.or([
            eb('api_token_windows.window_start', '<', eb.ref('excluded.window_start')),
            eb('api_token_windows.requests', '<', limit),
          ]),
        ),
    )
    .returning('requests')
    .executeTakeFirst();
  return r === undefined ? null : Number(r.requests);
}

/** Records the token's last use: when and from which address. */
export async function touchToken(db: Q, id: number, at: number, ip: string): Promise<void> {
  await db
    .updateTable('api_tokens')
    .set({ last_used_at: at, last_used_ip: ip })
    .where('id', '=', id)
    .execute();
}
