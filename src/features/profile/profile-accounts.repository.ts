import { sql, type Kysely, type Transaction } from 'kysely';
import type { Database } from '../../platform/db/schema.ts';

type Q = Kysely<Database> | Transaction<Database>;

/** An account a profile sees, as the switcher and the API list it. */
export interface AttachedAccount {
  accountId: number;
  number: string;
  attachedAt: number;
}

/** The accounts attached to a profile, by account number. */
export async function accountsOfProfile(db: Q, profileId: number): Promise<AttachedAccount[]> {
  const rows = await db
    .selectFrom('profile_accounts')
    .innerJoin('accounts', 'accounts.id', 'profile_accounts.account_id')
    .select(['accounts.id', 'accounts.number', 'profile_accounts.attached_at'])
    .where('profile_accounts.profile_id', '=', profileId)
    .orderBy('accounts.number')
    .execute();
  return rows.map((r) => ({ accountId: Number(r.id), number: r.number, attachedAt: Number(r.attached_at) }));
}

/** The account with this number when it is attached to the profile; undefined otherwise. */
export async function attachedAccountByNumber(
  db: Q,
  profileId: number,
  number: string,
): Promise<AttachedAccount | undefined> {
  const r = await db
    .selectFrom('profile_accounts')
    .innerJoin('accounts', 'accounts.id', 'profile_accounts.account_id')
    .select(['accounts.id', 'accounts.number', 'profile_accounts.attached_at'])
    .where('profile_accounts.profile_id', '=', profileId)
    .where('accounts.number', '=', number)
    .executeTakeFirst();
  return r && { accountId: Number(r.id), number: r.number, attachedAt: Number(r.attached_at) };
}

/** An attached account as the profile's accounts page lists it. */
export interface AttachedAccountCard extends AttachedAccount {
  address: string;
  /** The holder's surname, for the page to mask. */
  surname: string;
  attachedBy: 'login' | 'proof';
}

/** The profile's accounts with their addresses, by account number. */
export async function accountCardsOfProfile(db: Q, profileId: number): Promise<AttachedAccountCard[]> {
  const rows = await db
    .selectFrom('profile_accounts')
    .innerJoin('accounts', 'accounts.id', 'profile_accounts.account_id')
    .select([
      'accounts.id',
      'accounts.number',
      'accounts.object_address',
      'accounts.surname',
      'profile_accounts.attached_at',
      'profile_accounts.attached_by',
    ])
    .where('profile_accounts.profile_id', '=', profileId)
    .orderBy('accounts.number')
    .execute();
  return rows.map((r) => ({
    accountId: Number(r.id),
    number: r.number,
    attachedAt: Number(r.attached_at),
    address: r.object_address,
    surname: r.surname,
    attachedBy: r.attached_by,
  }));
}

/** What a proof is checked against: the account of this number, its holder's surname. */
export async function findAccountForProof(
  db: Q,
  number: string,
): Promise<{ accountId: number; number: string; surname: string } | undefined> {
  const r = await db
    .selectFrom('accounts')
    .select(['id', 'number', 'surname'])
    .where('number', '=', number)
    .executeTakeFirst();
  return r && { accountId: Number(r.id), number: r.number, surname: r.surname };
}

/**
 * The amounts only the holder has: the last bill's sum to pay (the last charge's end debt, as the
 * bill prints it: billing/bill-document.ts; null when the last bill asks for nothing) and the last
 * payment's amount (null without payments).
 */
export async function proofAmounts(
  db: Q,
  accountId: number,
): Promise<{ billKop: number | null; paymentKop: number | null }> {
  const [charge, payment] = await Promise.all([
    db
      .selectFrom('charges')
      .select('debt_kop')
      .where('account_id', '=', accountId)
      .orderBy('period', 'desc')
      .limit(1)
      .executeTakeFirst(),
    db
      .selectFrom('payments')
      .select('amount_kop')
      .where('account_id', '=', accountId)
      .orderBy('paid_on', 'desc')
      .orderBy('id', 'desc')
      .limit(1)
      .executeTakeFirst(),
  ]);
  const debt = charge ? Number(charge.debt_kop) : 0;
  return {
    billKop: debt > 0 ? debt : null,
    paymentKop: payment ? Number(payment.amount_kop) : null,
  };
}

/** Attaches the account to the profile; false when it already was. */
export async function attachAccount(
  db: Q,
  a: { profileId: number; accountId: number; at: number; by: 'login' | 'proof' },
): Promise<boolean> {
  const res = await db
    .insertInto('profile_accounts')
    .values({ profile_id: a.profileId, account_id: a.accountId, attached_at: a.at, attached_by: a.by })
    .onConflict((oc) => oc.columns(['profile_id', 'account_id']).doNothing())
    .executeTakeFirst();
  return Number(res.numInsertedOrUpdatedRows ?? 0) === 1;
}

/** Takes the account from the profile: its sessions on it end at their next request (account feature). */
export async function detachAccount(db: Q, profileId: number, accountId: number): Promise<boolean> {
  const res = await db
    .deleteFrom('profile_accounts')
    .where('profile_id', '=', profileId)
    .where('account_id', '=', accountId)
    .executeTakeFirst();
  return Number(res.numDeletedRows) === 1;
}

/** A profile that sees an account, as the account's access page lists it. */
export interface ProfileWithAccess {
  profileId: number;
  email: string;
  attachedAt: number;
  attachedBy: 'login' | 'proof';
}

/** The profiles the account is attached to, oldest attachment first. */
export async function profilesOfAccount(db: Q, accountId: number): Promise<ProfileWithAccess[]> {
  const rows = await db
    .selectFrom('profile_accounts')
    .innerJoin('profiles', 'profiles.id', 'profile_accounts.profile_id')
    .select(['profiles.id', 'profiles.email', 'profile_accounts.attached_at', 'profile_accounts.attached_by'])
    .where('profile_accounts.account_id', '=', accountId)
    .orderBy('profile_accounts.attached_at')
    .orderBy('profiles.id')
    .execute();
  return rows.map((r) => ({
    profileId: Number(r.id),
    email: r.email,
    attachedAt: Number(r.attached_at),
    attachedBy: r.attached_by,
  }));
}

/** The profile's e-mail address when it is confirmed (the only kind that is ever written to). */
export async function confirmedEmailOf(db: Q, profileId: number): Promise<string | undefined> {
  const r = await db
    .selectFrom('profiles')
    .select('email')
    .where('id', '=', profileId)
    .where('email_confirmed_at', 'is not', null)
    .executeTakeFirst();
  return r?.email;
}

/** The confirmed e-mail addresses of the profiles that see the account, but `exceptProfileId`'s. */
export async function otherConfirmedEmailsOfAccount(
  db: Q,
  accountId: number,
  exceptProfileId: number,
): Promise<string[]> {
  const rows = await db
    .selectFrom('profile_accounts')
    .innerJoin('profiles', 'profiles.id', 'profile_accounts.profile_id')
    .select('profiles.email')
    .where('profile_accounts.account_id', '=', accountId)
    .where('profile_accounts.profile_id', '<>', exceptProfileId)
    .where('profiles.email_confirmed_at', 'is not', null)
    .orderBy('profiles.id')
    .execute();
  return rows.map((r) => r.email);
}

// ---- failed proofs, limited per profile and per account number

/**
 * The times of the failures since `since`, newest first, of the profile and of the account number
 * (at most `limit` of each: the throttle needs no more).
 */
export async function recentAttachFailures(
  db: Q,
  k: { profileId: number; accountNumber: string; since: number; limit: number },
): Promise<{ byProfile: number[]; byAccount: number[] }> {
  const [byProfile, byAccount] = await Promise.all([
    db
      .selectFrom('profile_attach_failures')
      .select('at')
      .where('profile_id', '=', k.profileId)
      .where('at', '>', k.since)
      .orderBy('at', 'desc')
      .limit(k.limit)
      .execute(),
    db
      .selectFrom('profile_attach_failures')
      .select('at')
      .where('account_number', '=', k.accountNumber)
      .where('at', '>', k.since)
      .orderBy('at', 'desc')
      .limit(k.limit)
      .execute(),
  ]);
  return { byProfile: byProfile.map((r) => Number(r.at)), byAccount: byAccount.map((r) => Number(r.at)) };
}

export async function recordAttachFailure(
  db: Q,
  f: { profileId: number; accountNumber: string; at: number },
): Promise<void> {
  await db
    .insertInto('profile_attach_failures')
    .values({ profile_id: f.profileId, account_number: f.accountNumber, at: f.at })
    .execute();
}

/** Advisory-lock namespaces (first key of `pg_advisory_xact_lock(int, int)`) for attach attempts. */
const LOCK_ATTACH_PROFILE = 0x5041; // 'PA'
const LOCK_ATTACH_NUMBER = 0x504e; // 'PN'

/**
 * PostgreSQL only: holds, until the transaction ends, the lock on the profile's accounts (the one
 * lockAttachAttempts takes first), so that two detaches at once cannot each leave the other's
 * account as the profile's last and take both (SQLite's single writer does that by itself).
 */
export async function lockProfileAccounts(tx: Transaction<Database>, profileId: number): Promise<void> {
  await sql`select pg_advisory_xact_lock(${LOCK_ATTACH_PROFILE}, hashtext(${String(profileId)}))`.execute(tx);
}

/**
 * PostgreSQL only: holds, until the transaction ends, a lock on the profile's attempts and one on
 * the account number's, always in that order, so that parallel attempts are counted one after
 * another by every app instance (SQLite's single writer does that by itself).
 */
export async function lockAttachAttempts(
  tx: Transaction<Database>,
  profileId: number,
  accountNumber: string,
): Promise<void> {
  await lockProfileAccounts(tx, profileId);
  await sql`select pg_advisory_xact_lock(${LOCK_ATTACH_NUMBER}, hashtext(${accountNumber}))`.execute(tx);
}
