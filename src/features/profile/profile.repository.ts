import type { Kysely, Transaction } from 'kysely';
import type { Database } from '../../platform/db/schema.ts';

type Q = Kysely<Database> | Transaction<Database>;

// The SQL of a profile itself: its row, the account it was made with, its e-mails (links and
// notices) and the sessions a password change or reset ends.

export interface Profile {
  id: number;
  email: string;
  confirmedAt: number | null;
  /** Argon2id (PHC string); null for a profile with passkeys only. */
  passwordHash: string | null;
  createdAt: number;
}

function toProfile(r: {
  id: number;
  email: string;
  email_confirmed_at: number | null;
  password_hash: string | null;
  created_at: number;
}): Profile {
  return {
    id: Number(r.id),
    email: r.email,
    confirmedAt: r.email_confirmed_at === null ? null : Number(r.email_confirmed_at),
    passwordHash: r.password_hash,
    createdAt: Number(r.created_at),
  };
}

const PROFILE_COLUMNS = ['id', 'email', 'email_confirmed_at', 'password_hash', 'created_at'] as const;

export async function findProfileByEmail(db: Q, email: string): Promise<Profile | undefined> {
  const r = await db
    .selectFrom('profiles')
    .select(PROFILE_COLUMNS)
    .where('email', '=', email)
    .executeTakeFirst();
  return r && toProfile(r);
}

export async function findProfile(db: Q, id: number): Promise<Profile | undefined> {
  const r = await db.selectFrom('profiles').select(PROFILE_COLUMNS).where('id', '=', id).executeTakeFirst();
  return r && toProfile(r);
}

/**
 * A new unconfirmed profile with the account it was made in attached ('login'); undefined when the
 * address is taken (by another request a moment earlier too: the unique index decides).
 */
export async function insertProfile(
  tx: Transaction<Database>,
  p: { email: string; passwordHash: string; accountId: number; at: number },
): Promise<number | undefined> {
  const row = await tx
    .insertInto('profiles')
    .values({ email: p.email, email_confirmed_at: null, password_hash: p.passwordHash, created_at: p.at })
    .onConflict((oc) => oc.column('email').doNothing())
    .returning('id')
    .executeTakeFirst();
  if (!row) {
    return undefined;
  }
  const id = Number(row.id);
  await tx
    .insertInto('profile_accounts')
    .values({ profile_id: id, account_id: p.accountId, attached_at: p.at, attached_by: 'login' })
    .execute();
  return id;
}

/**
 * Deletes the profile with this address if it was never confirmed, was made before `before` and
 * has no confirmation link still usable at `now` (a link sent again later keeps it): whoever
 * typed the address was not its owner, or gave up. Throws when another table still refers to the
 * profile (the caller then keeps it).
 */
export async function deleteStaleProfile(
  tx: Transaction<Database>,
  email: string,
  before: number,
  now: number,
): Promise<number | undefined> {
  const stale = await tx
    .selectFrom('profiles')
    .select('id')
    .where('email', '=', email)
    .where('email_confirmed_at', 'is', null)
    .where('created_at', '<', before)
    .where((eb) =>
      eb.not(
        eb.exists(
          eb
            .selectFrom('profile_mails')
            .select('profile_mails.id')
            .whereRef('profile_mails.profile_id', '=', 'profiles.id')
            .where('profile_mails.kind', '=', 'confirm')
            .where('profile_mails.used_at', 'is', null)
            .where('profile_mails.expires_at', '>', now),
        ),
      ),
    )
    .executeTakeFirst();
  if (!stale) {
    return undefined;
  }
  const id = Number(stale.id);
  await tx.deleteFrom('profile_mails').where('profile_id', '=', id).execute();
  await tx.deleteFrom('profile_accounts').where('profile_id', '=', id).execute();
  await tx.deleteFrom('profiles').where('id', '=', id).execute();
  return id;
}

export async function markEmailConfirmed(db: Q, profileId: number, at: number): Promise<boolean> {
  const r = await db
    .updateTable('profiles')
    .set({ email_confirmed_at: at })
    .where('id', '=', profileId)
    .where('email_confirmed_at', 'is', null)
    .executeTakeFirst();
  return Number(r.numUpdatedRows) === 1;
}

export async function setPasswordHash(db: Q, profileId: number, hash: string): Promise<void> {
  await db.updateTable('profiles').set({ password_hash: hash }).where('id', '=', profileId).execute();
}

/**
 * The account a new session of the profile shows first: the one attached first (the account the
 * profile was made with, unless it was detached), the number breaking ties; undefined with none.
 */
export async function firstAccountOf(
  db: Q,
  profileId: number,
): Promise<{ accountId: number; number: string } | undefined> {
  const r = await db
    .selectFrom('profile_accounts')
    .innerJoin('accounts', 'accounts.id', 'profile_accounts.account_id')
    .select(['accounts.id', 'accounts.number'])
    .where('profile_accounts.profile_id', '=', profileId)
    .orderBy('profile_accounts.attached_at')
    .orderBy('accounts.number')
    .limit(1)
    .executeTakeFirst();
  return r && { accountId: Number(r.id), number: r.number };
}

/** Ends the profile's sessions but `keep` (the one that changed the password); how many ended. */
export async function deleteProfileSessions(db: Q, profileId: number, keep: number | null): Promise<number> {
  let q = db.deleteFrom('sessions').where('profile_id', '=', profileId);
  if (keep !== null) {
    q = q.where('id', '!=', keep);
  }
  const r = await q.executeTakeFirst();
  return Number(r.numDeletedRows);
}

// ---- e-mails

export type MailKind = 'confirm' | 'reset' | 'taken';

/** When the e-mails to the profile since `since` were sent, oldest first (the "send again" limit). */
export async function recentMails(db: Q, profileId: number, since: number): Promise<number[]> {
  const rows = await db
    .selectFrom('profile_mails')
    .select('created_at')
    .where('profile_id', '=', profileId)
    .where('created_at', '>', since)
    .orderBy('created_at')
    .execute();
  return rows.map((r) => Number(r.created_at));
}

export async function insertMail(
  db: Q,
  m: { profileId: number; kind: MailKind; tokenHash: string | null; at: number; expiresAt: number | null },
): Promise<void> {
  await db
    .insertInto('profile_mails')
    .values({
      profile_id: m.profileId,
      kind: m.kind,
      token_hash: m.tokenHash,
      created_at: m.at,
      expires_at: m.expiresAt,
      used_at: null,
    })
    .execute();
}

export interface StoredLink {
  id: number;
  profileId: number;
  kind: MailKind;
  expiresAt: number;
  usedAt: number | null;
  createdAt: number;
}

export async function findLink(db: Q, tokenHash: string): Promise<StoredLink | undefined> {
  const r = await db
    .selectFrom('profile_mails')
    .select(['id', 'profile_id', 'kind', 'expires_at', 'used_at', 'created_at'])
    .where('token_hash', '=', tokenHash)
    .executeTakeFirst();
  return (
    r && {
      id: Number(r.id),
      profileId: Number(r.profile_id),
      kind: r.kind,
      expiresAt: Number(r.expires_at ?? 0),
      usedAt: r.used_at === null ? null : Number(r.used_at),
      createdAt: Number(r.created_at),
    }
  );
}

/** Uses a link once: false when it was used already (by a request a moment earlier too). */
export async function useLink(db: Q, id: number, at: number): Promise<boolean> {
  const r = await db
    .updateTable('profile_mails')
    .set({ used_at: at })
    .where('id', '=', id)
    .where('used_at', 'is', null)
    .executeTakeFirst();
  return Number(r.numUpdatedRows) === 1;
}

/** Retires the profile's unused links of a kind (a used one makes its siblings void). */
export async function retireLinks(db: Q, profileId: number, kind: MailKind, at: number): Promise<void> {
  await db
    .updateTable('profile_mails')
    .set({ used_at: at })
    .where('profile_id', '=', profileId)
    .where('kind', '=', kind)
    .where('used_at', 'is', null)
    .execute();
}

/** E-mail rows older than `before`: of no use to links (30 min, 24 h) nor to the limit. */
export async function pruneMails(db: Q, before: number): Promise<void> {
  await db.deleteFrom('profile_mails').where('created_at', '<', before).execute();
}
