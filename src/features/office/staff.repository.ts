import type { Kysely, Selectable, Transaction } from 'kysely';
import type { Database, StaffUsersTable } from '../../platform/db/schema.ts';
import { parseRoles, type Role } from './rights.ts';

type Q = Kysely<Database> | Transaction<Database>;

/** A staff user as the office feature uses it (never the secrets, which stay in the repository's callers below). */
export interface StaffUser {
  id: number;
  login: string;
  fullName: string;
  roles: Role[];
  state: 'active' | 'disabled';
  /** Enrolled: a password and a confirmed second factor. */
  enrolled: boolean;
  enrollExpiresAt: number | null;
}

/** What logging in and enrolling read besides the user. */
export interface StaffSecrets {
  passwordHash: string | null;
  totpSecret: string | null;
  pendingTotpSecret: string | null;
  totpLastStep: number;
}

function toUser(r: Selectable<StaffUsersTable>): StaffUser {
  return {
    id: Number(r.id),
    login: r.login,
    fullName: r.full_name,
    roles: parseRoles(r.roles),
    state: r.state,
    enrolled: r.password_hash !== null && r.totp_secret !== null,
    enrollExpiresAt: r.enroll_expires_at === null ? null : Number(r.enroll_expires_at),
  };
}

function toSecrets(r: Selectable<StaffUsersTable>): StaffSecrets {
  return {
    passwordHash: r.password_hash,
    totpSecret: r.totp_secret,
    pendingTotpSecret: r.pending_totp_secret,
    totpLastStep: Number(r.totp_last_step),
  };
}

// ---- Users

export async function insertUser(
  db: Q,
  u: {
    login: string;
    fullName: string;
    roles: Role[];
    enrollTokenHash: string;
    enrollExpiresAt: number;
    at: number;
  },
): Promise<number> {
  const row = await db
    .insertInto('staff_users')
    .values({
      login: u.login,
      full_name: u.fullName,
      roles: u.roles.join(','),
      state: 'active',
      password_hash: null,
      totp_secret: null,
      pending_totp_secret: null,
      enroll_token_hash: u.enrollTokenHash,
      enroll_expires_at: u.enrollExpiresAt,
      created_at: u.at,
    })
    .returning('id')
    .executeTakeFirstOrThrow();
  return Number(row.id);
}

export async function loginTaken(db: Q, login: string): Promise<boolean> {
  const r = await db.selectFrom('staff_users').select('id').where('login', '=', login).executeTakeFirst();
  return r !== undefined;
}

export async function listUsers(db: Q): Promise<StaffUser[]> {
  const rows = await db.selectFrom('staff_users').selectAll().orderBy('login').execute();
  return rows.map(toUser);
}

export async function findUser(db: Q, id: number): Promise<StaffUser | undefined> {
  const r = await db.selectFrom('staff_users').selectAll().where('id', '=', id).executeTakeFirst();
  return r && toUser(r);
}

export async function findUserByLogin(
  db: Q,
  login: string,
): Promise<{ user: StaffUser; secrets: StaffSecrets } | undefined> {
  const r = await db.selectFrom('staff_users').selectAll().where('login', '=', login).executeTakeFirst();
  return r && { user: toUser(r), secrets: toSecrets(r) };
}

export async function findUserWithSecrets(
  db: Q,
  id: number,
): Promise<{ user: StaffUser; secrets: StaffSecrets } | undefined> {
  const r = await db.selectFrom('staff_users').selectAll().where('id', '=', id).executeTakeFirst();
  return r && { user: toUser(r), secrets: toSecrets(r) };
}

/** The user whose open enrollment link has this token hash, if it has not expired. */
export async function findByEnrollToken(
  db: Q,
  tokenHash: string,
  now: number,
): Promise<{ user: StaffUser; secrets: StaffSecrets } | undefined> {
  const r = await db
    .selectFrom('staff_users')
    .selectAll()
    .where('enroll_token_hash', '=', tokenHash)
    .where('enroll_expires_at', '>', now)
    .executeTakeFirst();
  return r && { user: toUser(r), secrets: toSecrets(r) };
}

export async function setState(db: Q, id: number, state: 'active' | 'disabled'): Promise<void> {
  await db.updateTable('staff_users').set({ state }).where('id', '=', id).execute();
}

/** Opens a (new) enrollment: the old password and second factor stop working at once. */
export async function openEnrollment(db: Q, id: number, tokenHash: string, expiresAt: number): Promise<void> {
  await db
    .updateTable('staff_users')
    .set({
      enroll_token_hash: tokenHash,
      enroll_expires_at: expiresAt,
      password_hash: null,
      totp_secret: null,
      pending_totp_secret: null,
    })
    .where('id', '=', id)
    .execute();
  await db.deleteFrom('staff_recovery_codes').where('staff_user_id', '=', id).execute();
}

export async function setPendingCredentials(
  db: Q,
  id: number,
  passwordHash: string,
  pendingTotpSecret: string,
): Promise<void> {
  await db
    .updateTable('staff_users')
    .set({ password_hash: passwordHash, pending_totp_secret: pendingTotpSecret })
    .where('id', '=', id)
    .execute();
}

/** Confirms the pending second factor and closes the enrollment link (single use). */
export async function completeEnrollment(db: Q, id: number, totpStep: number): Promise<void> {
  await db
    .updateTable('staff_users')
    .set((eb) => ({
      totp_secret: eb.ref('pending_totp_secret'),
      pending_totp_secret: null,
      totp_last_step: totpStep,
      enroll_token_hash: null,
      enroll_expires_at: null,
    }))
    .where('id', '=', id)
    .execute();
}

/**
 * Records the TOTP step just used, only if it is later than the last one; false when another
 * request already used this step (a replayed code).
 */
export async function advanceTotpStep(db: Q, id: number, step: number): Promise<boolean> {
  const res = await db
    .updateTable('staff_users')
    .set({ totp_last_step: step })
    .where('id', '=', id)
    .where('totp_last_step', '<', step)
    .executeTakeFirst();
  return Number(res.numUpdatedRows) === 1;
}

// ---- Recovery codes

export async function replaceRecoveryCodes(db: Q, id: number, hashes: string[]): Promise<void> {
  await db.deleteFrom('staff_recovery_codes').where('staff_user_id', '=', id).execute();
  await db
    .insertInto('staff_recovery_codes')
    .values(hashes.map((code_hash) => ({ staff_user_id: id, code_hash, used_at: null })))
    .execute();
}

/** Spends an unused recovery code of the user; false when there is none with this hash. */
export async function spendRecoveryCode(db: Q, id: number, hash: string, at: number): Promise<boolean> {
  const res = await db
    .updateTable('staff_recovery_codes')
    .set({ used_at: at })
    .where('staff_user_id', '=', id)
    .where('code_hash', '=', hash)
    .where('used_at', 'is', null)
    .executeTakeFirst();
  return Number(res.numUpdatedRows) === 1;
}

export async function unusedRecoveryCodes(db: Q, id: number): Promise<number> {
  const r = await db
    .selectFrom('staff_recovery_codes')
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .where('staff_user_id', '=', id)
    .where('used_at', 'is', null)
    .executeTakeFirstOrThrow();
  return Number(r.n);
}
