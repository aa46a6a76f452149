import type { Kysely, Transaction } from 'kysely';
import type { Database } from '../../platform/db/schema.ts';

type Q = Kysely<Database> | Transaction<Database>;

/** A passkey as the profile's page lists it. */
export interface PasskeyListed {
  id: number;
  name: string;
  createdAt: number;
  lastUsedAt: number | null;
}

/** A passkey as a login checks it. */
export interface StoredPasskey {
  id: number;
  profileId: number;
  credentialId: string;
  publicKey: string;
  counter: number;
  transports: string[];
  userHandle: string;
}

export type ChallengePurpose = 'register' | 'login';

/** Stores a challenge just given out; expired ones are removed on the way (index on expires_at). */
export async function insertChallenge(
  db: Q,
  c: {
    challenge: string;
    purpose: ChallengePurpose;
    profileId: number | null;
    userHandle: string | null;
    expiresAt: number;
    now: number;
  },
): Promise<void> {
  await db.deleteFrom('webauthn_challenges').where('expires_at', '<=', c.now).execute();
  await db
    .insertInto('webauthn_challenges')
    .values({
      challenge: c.challenge,
      purpose: c.purpose,
      profile_id: c.profileId,
      user_handle: c.userHandle,
      expires_at: c.expiresAt,
    })
    .execute();
}

/**
 * Uses up a challenge given for this purpose (and, for a registration, this profile) that has not
 * expired: its user handle (null for a login), or undefined when there is no such challenge. Only
 * one delete gets the row, so no answer is checked against it twice, even by two instances at once.
 */
export async function takeChallenge(
  db: Q,
  c: { challenge: string; purpose: ChallengePurpose; profileId: number | null; now: number },
): Promise<{ userHandle: string | null } | undefined> {
  let q = db
    .deleteFrom('webauthn_challenges')
    .where('challenge', '=', c.challenge)
    .where('purpose', '=', c.purpose)
    .where('expires_at', '>', c.now);
  q = c.profileId === null ? q.where('profile_id', 'is', null) : q.where('profile_id', '=', c.profileId);
  const row = await q.returning('user_handle').executeTakeFirst();
  return row && { userHandle: row.user_handle };
}

export async function passkeysOfProfile(db: Q, profileId: number): Promise<PasskeyListed[]> {
  const rows = await db
    .selectFrom('passkeys')
    .select(['id', 'name', 'created_at', 'last_used_at'])
    .where('profile_id', '=', profileId)
    .orderBy('created_at')
    .orderBy('id')
    .execute();
  return rows.map((r) => ({
    id: Number(r.id),
    name: r.name,
    createdAt: Number(r.created_at),
    lastUsedAt: r.last_used_at === null ? null : Number(r.last_used_at),
  }));
}

/** The credential ids of the profile's passkeys (the authenticator is told not to make a second one). */
export async function credentialIdsOfProfile(
  db: Q,
  profileId: number,
): Promise<Array<{ id: string; transports: string[] }>> {
  const rows = await db
    .selectFrom('passkeys')
    .select(['credential_id', 'transports'])
    .where('profile_id', '=', profileId)
    .execute();
  return rows.map((r) => ({ id: r.credential_id, transports: splitTransports(r.transports) }));
}

/** The profile's WebAuthn user handle, if it has a passkey already. */
export async function userHandleOfProfile(db: Q, profileId: number): Promise<string | undefined> {
  const r = await db
    .selectFrom('passkeys')
    .select('user_handle')
    .where('profile_id', '=', profileId)
    .orderBy('id')
    .executeTakeFirst();
  return r?.user_handle;
}

export async function findPasskeyByCredentialId(
  db: Q,
  credentialId: string,
): Promise<StoredPasskey | undefined> {
  const r = await db
    .selectFrom('passkeys')
    .select(['id', 'profile_id', 'credential_id', 'public_key', 'counter', 'transports', 'user_handle'])
    .where('credential_id', '=', credentialId)
    .executeTakeFirst();
  return (
    r && {
      id: Number(r.id),
      profileId: Number(r.profile_id),
      credentialId: r.credential_id,
      publicKey: r.public_key,
      counter: Number(r.counter),
      transports: splitTransports(r.transports),
      userHandle: r.user_handle,
    }
  );
}

/** Whether any profile has this credential (a second registration of it is refused). */
export async function credentialExists(db: Q, credentialId: string): Promise<boolean> {
  const r = await db
    .selectFrom('passkeys')
    .select('id')
    .where('credential_id', '=', credentialId)
    .executeTakeFirst();
  return r !== undefined;
}

/** Stores a new passkey; undefined when its credential is stored already (sent twice at once). */
export async function insertPasskey(
  db: Q,
  p: {
    profileId: number;
    credentialId: string;
    publicKey: string;
    counter: number;
    transports: string[];
    userHandle: string;
    name: string;
    at: number;
  },
): Promise<number | undefined> {
  const r = await db
    .insertInto('passkeys')
    .values({
      profile_id: p.profileId,
      credential_id: p.credentialId,
      public_key: p.publicKey,
      counter: p.counter,
      transports: p.transports.length > 0 ? p.transports.join(',') : null,
      user_handle: p.userHandle,
      name: p.name,
      created_at: p.at,
      last_used_at: null,
    })
    .onConflict((oc) => oc.column('credential_id').doNothing())
    .returning('id')
    .executeTakeFirst();
  return r === undefined ? undefined : Number(r.id);
}

/** Deletes every passkey of the profile (a password reset); how many there were. */
export async function deletePasskeysOfProfile(db: Q, profileId: number): Promise<number> {
  const r = await db.deleteFrom('passkeys').where('profile_id', '=', profileId).executeTakeFirst();
  return Number(r.numDeletedRows);
}

/** After a good assertion: the new counter and the time of use. */
export async function markPasskeyUsed(db: Q, id: number, counter: number, at: number): Promise<void> {
  await db.updateTable('passkeys').set({ counter, last_used_at: at }).where('id', '=', id).execute();
}

/** Renames the profile's passkey; false when the profile has no passkey with this id. */
export async function renamePasskey(db: Q, profileId: number, id: number, name: string): Promise<boolean> {
  const res = await db
    .updateTable('passkeys')
    .set({ name })
    .where('id', '=', id)
    .where('profile_id', '=', profileId)
    .executeTakeFirst();
  return Number(res.numUpdatedRows) === 1;
}

export async function deletePasskey(db: Q, profileId: number, id: number): Promise<boolean> {
  const res = await db
    .deleteFrom('passkeys')
    .where('id', '=', id)
    .where('profile_id', '=', profileId)
    .executeTakeFirst();
  return Number(res.numDeletedRows) === 1;
}

export async function countPasskeys(db: Q, profileId: number): Promise<number> {
  const r = await db
    .selectFrom('passkeys')
    .select((eb) => eb.fn.countAll().as('n'))
    .where('profile_id', '=', profileId)
    .executeTakeFirstOrThrow();
  return Number(r.n);
}

/** What passkeys need of a profile: its e-mail (the user name), whether it may log in, has a password. */
export async function profileForPasskeys(
  db: Q,
  profileId: number,
): Promise<{ email: string; confirmed: boolean; hasPassword: boolean } | undefined> {
  const r = await db
    .selectFrom('profiles')
    .select(['email', 'email_confirmed_at', 'password_hash'])
    .where('id', '=', profileId)
    .executeTakeFirst();
  return (
    r && { email: r.email, confirmed: r.email_confirmed_at !== null, hasPassword: r.password_hash !== null }
  );
}

/**
 * Removes the profile's passkey unless it is the profile's last way to sign in (no password and
 * no other passkey). On PostgreSQL the profile's row is locked first, so that two removals at once
 * cannot each see the other passkey and leave none.
 */
export async function removePasskeyUnlessLast(
  db: Kysely<Database>,
  lockRows: boolean,
  profileId: number,
  id: number,
): Promise<'removed' | 'unknown' | 'last'> {
  return db.transaction().execute(async (tx) => {
    let q = tx.selectFrom('profiles').select('password_hash').where('id', '=', profileId);
    if (lockRows) {
      q = q.forUpdate();
    }
    const profile = await q.executeTakeFirst();
    const mine = await tx
      .selectFrom('passkeys')
      .select('id')
      .where('id', '=', id)
      .where('profile_id', '=', profileId)
      .executeTakeFirst();
    if (!profile || !mine) {
      return 'unknown';
    }
    if (profile.password_hash === null && (await countPasskeys(tx, profileId)) <= 1) {
      return 'last';
    }
    await deletePasskey(tx, profileId, id);
    return 'removed';
  });
}

/** Failed passkey logins from an address since `since`, after its latest successful one. */
export async function passkeyFailuresFromIp(
  db: Q,
  marker: string,
  ip: string,
  since: number,
): Promise<number> {
  const last = await db
    .selectFrom('login_attempts')
    .select((eb) => eb.fn.max('at').as('at'))
    .where('account_number', '=', marker)
    .where('ip', '=', ip)
    .where('success', '=', 1)
    .where('at', '>', since)
    .executeTakeFirst();
  const from = last?.at == null ? since : Math.max(since, Number(last.at));
  const r = await db
    .selectFrom('login_attempts')
    .select((eb) => eb.fn.countAll().as('n'))
    .where('account_number', '=', marker)
    .where('ip', '=', ip)
    .where('success', '=', 0)
    .where('at', '>', from)
    .executeTakeFirstOrThrow();
  return Number(r.n);
}

function splitTransports(s: string | null): string[] {
  return s ? s.split(',') : [];
}
