import type { Kysely, Transaction } from 'kysely';
import type { Database } from '../../platform/db/schema.ts';

type Q = Kysely<Database> | Transaction<Database>;

/** A session as the account feature uses it (mapped from the sessions row and its account). */
export interface StoredSession {
  id: number;
  accountId: number;
  accountNumber: string;
  createdAt: number;
  lastSeenAt: number;
  /** The profile of a profile login; null for the manual's login (account number and surname). */
  profileId: number | null;
  /**
   * Whether the session may show its account: always for the manual's login; for a profile's,
   * only while the account is attached to the profile (a detached account, or a profile its holder
   * removed, is reached no more, whatever the session says).
   */
  accountAttached: boolean;
}

export async function insertSession(
  db: Q,
  s: { tokenHash: string; accountId: number; at: number; ip: string | null; profileId?: number },
): Promise<void> {
  await db
    .insertInto('sessions')
    .values({
      token_hash: s.tokenHash,
      account_id: s.accountId,
      created_at: s.at,
      last_seen_at: s.at,
      ip: s.ip,
      profile_id: s.profileId ?? null,
    })
    .execute();
}

/** The session with this token hash, with its account's number (every logged-in request reads it). */
export async function findSessionByHash(db: Q, tokenHash: string): Promise<StoredSession | undefined> {
  const row = await db
    .selectFrom('sessions')
    .innerJoin('accounts', 'accounts.id', 'sessions.account_id')
    .leftJoin('profile_accounts', (j) =>
      j
        .onRef('profile_accounts.profile_id', '=', 'sessions.profile_id')
        .onRef('profile_accounts.account_id', '=', 'sessions.account_id'),
    )
    .select([
      'sessions.id',
      'sessions.account_id',
      'accounts.number',
      'sessions.created_at',
      'sessions.last_seen_at',
      'sessions.profile_id',
      'profile_accounts.attached_at',
    ])
    .where('sessions.token_hash', '=', tokenHash)
    .executeTakeFirst();
  return (
    row && {
      id: Number(row.id),
      accountId: Number(row.account_id),
      accountNumber: row.number,
      createdAt: Number(row.created_at),
      lastSeenAt: Number(row.last_seen_at),
      profileId: row.profile_id === null ? null : Number(row.profile_id),
      accountAttached: row.profile_id === null || row.attached_at !== null,
    }
  );
}

export async function touchSession(db: Q, id: number, at: number): Promise<void> {
  await db.updateTable('sessions').set({ last_seen_at: at }).where('id', '=', id).execute();
}

export async function deleteSession(db: Q, id: number): Promise<void> {
  await db.deleteFrom('sessions').where('id', '=', id).execute();
}

export async function deleteSessionByHash(db: Q, tokenHash: string): Promise<void> {
  await db.deleteFrom('sessions').where('token_hash', '=', tokenHash).execute();
}

/** Removes sessions idle since `idleBefore` or created before `createdBefore`. */
export async function deleteExpiredSessions(
  db: Q,
  idleBefore: number,
  createdBefore: number,
): Promise<number> {
  const res = await db
    .deleteFrom('sessions')
    .where((eb) => eb.or([eb('last_seen_at', '<', idleBefore), eb('created_at', '<', createdBefore)]))
    .executeTakeFirst();
  return Number(res.numDeletedRows);
}

export async function findSessionAccountNumber(db: Q, tokenHash: string): Promise<string | undefined> {
  const row = await db
    .selectFrom('sessions')
    .innerJoin('accounts', 'accounts.id', 'sessions.account_id')
    .select('accounts.number')
    .where('sessions.token_hash', '=', tokenHash)
    .executeTakeFirst();
  return row?.number;
}

/**
 * The account switcher (features/profile): a profile's session shows another of the profile's
 * accounts. Only a session of that profile, and only an account attached to it (checked in the
 * same statement, so a detach in between cannot slip through); false when nothing changed.
 */
export async function switchSessionAccount(
  db: Q,
  s: { sessionId: number; profileId: number; accountId: number },
): Promise<boolean> {
  const res = await db
    .updateTable('sessions')
    .set({ account_id: s.accountId })
    .where('id', '=', s.sessionId)
    .where('profile_id', '=', s.profileId)
    .where((eb) =>
      eb.exists(
        eb
          .selectFrom('profile_accounts')
          .select('profile_accounts.account_id')
          .where('profile_accounts.profile_id', '=', s.profileId)
          .where('profile_accounts.account_id', '=', s.accountId),
      ),
    )
    .executeTakeFirst();
  return Number(res.numUpdatedRows) === 1;
}

/**
 * The numbers of the accounts attached to a profile, in number order: the header's switcher of a
 * profile's session (read with the session by the customer guard; the profile feature reuses it).
 */
export async function profileAccountNumbers(db: Q, profileId: number): Promise<string[]> {
  const rows = await db
    .selectFrom('profile_accounts')
    .innerJoin('accounts', 'accounts.id', 'profile_accounts.account_id')
    .select('accounts.number')
    .where('profile_accounts.profile_id', '=', profileId)
    .orderBy('accounts.number')
    .execute();
  return rows.map((r) => r.number);
}
