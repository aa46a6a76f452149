import type { Kysely } from 'kysely';
import type { Clock } from '../../platform/clock.ts';
import type { Database } from '../../platform/db/schema.ts';
import * as users from './staff.repository.ts';
import * as sessions from './staff-session.repository.ts';
import type { StaffUser } from './staff.repository.ts';
import { hashRecoveryCode, newToken, normalizeRecoveryCode, sha256, totpStep } from './credentials.ts';
import { burnPasswordCheck, passwordMatches } from '../../platform/passwords.ts';

export interface StaffDeps {
  db: Kysely<Database>;
  clock: Clock;
}

const MINUTE = 60_000;
/** A staff session ends after 15 minutes without a request, and 10 hours after the login whatever. */
export const STAFF_IDLE_MS = 15 * MINUTE;
export const STAFF_ABSOLUTE_MS = 10 * 60 * MINUTE;
/** Between the password and the code. */
export const SECOND_FACTOR_MS = 5 * MINUTE;
/**
 * 5 failures (password or code) within 15 minutes of each other, with no successful login
 * between them, lock the login for 15 minutes from the last of them. Attempts made while locked
 * are refused before they are checked and are not counted, so once a lock ends the next failure
 * starts a new count unless four others are still within its 15 minutes.
 */
export const LOCK_FAILURES = 5;
export const LOCK_MS = 15 * MINUTE;
/** How many of a login's newest attempts the lock reads; more than a lock window can record. */
const LOCK_READ_LIMIT = 50;
/** One address failing this often within LOCK_MS is refused on every login (spraying). */
export const IP_MAX_FAILURES = 20;
/** Sessions write `last_seen_at` at most this often. */
const TOUCH_MS = 5_000;

export type Throttle = { kind: 'throttled'; retryAt: Date };

/** When the login or the address may try again, or undefined when neither is locked. */
async function throttleOf(
  deps: StaffDeps,
  login: string,
  ip: string,
  now: number,
): Promise<Throttle | undefined> {
  const since = now - LOCK_MS;
  // A lock ending after now comes from a failure after now - LOCK_MS, whose four predecessors
  // are at most LOCK_MS older still.
  const attempts = await sessions.recentAttemptsOnLogin(deps.db, login, now - 2 * LOCK_MS, LOCK_READ_LIMIT);
  let retryAt = loginLockedUntil(attempts);
  if (retryAt <= now) {
    retryAt = 0;
  }
  const fromIp = await sessions.recentFailuresFromIp(deps.db, ip, since, IP_MAX_FAILURES);
  if (fromIp.length >= IP_MAX_FAILURES) {
    retryAt = Math.max(retryAt, fromIp[IP_MAX_FAILURES - 1]! + LOCK_MS);
  }
  return retryAt > 0 ? { kind: 'throttled', retryAt: new Date(retryAt) } : undefined;
}

/**
 * The end of the newest lock among `attempts` (newest first), or 0: the lock of the newest run of
 * LOCK_FAILURES consecutive failures spanning at most LOCK_MS, from the last failure of that run.
 */
export function loginLockedUntil(attempts: readonly { at: number; success: boolean }[]): number {
  const failures: number[] = [];
  for (const a of attempts) {
    if (a.success) {
      break;
    }
    failures.push(a.at);
  }
  for (let i = 0; i + LOCK_FAILURES - 1 < failures.length; i++) {
    if (failures[i]! - failures[i + LOCK_FAILURES - 1]! <= LOCK_MS) {
      return failures[i]! + LOCK_MS;
    }
  }
  return 0;
}

async function fail(
  deps: StaffDeps,
  a: { login: string; ip: string; at: number; userId: number | null; why: string },
) {
  await deps.db.transaction().execute(async (tx) => {
    await sessions.recordAttempt(tx, { login: a.login, ip: a.ip, at: a.at, success: false });
    await sessions.recordStaffAudit(tx, a.at, {
      staffUserId: a.userId,
      event: 'staff.login',
      outcome: 'failure',
      ip: a.ip,
      details: { target: a.login, reason: a.why },
    });
  });
}

export type PasswordResult =
  | { kind: 'invalid'; errors: { login?: string; password?: string } }
  | Throttle
  | { kind: 'failed' }
  | { kind: 'disabled' }
  /** The password was right: the token of a session that awaits the second factor. */
  | { kind: 'ok'; pendingToken: string };

/** The first step: login and password. Unknown logins fail like wrong passwords, and take as long. */
export async function checkPassword(
  deps: StaffDeps,
  input: { login: string; password: string; ip: string },
): Promise<PasswordResult> {
  const login = input.login.trim().toLowerCase();
  const errors: { login?: string; password?: string } = {};
  if (login === '') {
    errors.login = 'Введите логин.';
  }
  if (input.password === '') {
    errors.password = 'Введите пароль.';
  }
  if (errors.login || errors.password) {
    return { kind: 'invalid', errors };
  }
  const now = deps.clock.now().getTime();
  const throttle = await throttleOf(deps, login, input.ip, now);
  if (throttle) {
    return throttle;
  }
  const found = await users.findUserByLogin(deps.db, login);
  const hash = found?.user.enrolled ? found.secrets.passwordHash : null;
  const ok = hash
    ? await passwordMatches(hash, input.password)
    : (await burnPasswordCheck(input.password), false);
  if (!found || !ok) {
    await fail(deps, { login, ip: input.ip, at: now, userId: found?.user.id ?? null, why: 'password' });
    return { kind: 'failed' };
  }
  if (found.user.state !== 'active') {
    return { kind: 'disabled' };
  }
  const pendingToken = newToken();
  await sessions.insertSession(deps.db, {
    tokenHash: sha256(pendingToken),
    staffUserId: found.user.id,
    verified: false,
    at: now,
    ip: input.ip,
  });
  return { kind: 'ok', pendingToken };
}

export type CodeResult =
  /** No pending login (expired, or never started): back to the password. */
  | { kind: 'expired' }
  | { kind: 'invalid'; error: string }
  | Throttle
  | { kind: 'failed' }
  /** Logged in: the session's token (a new one), and how many recovery codes are left if one was spent. */
  | { kind: 'ok'; token: string; recoveryLeft?: number };

/**
 * The second step: a TOTP code, or a recovery code (then spent). On success the pending session
 * is replaced by a new one with a new token.
 */
export async function checkSecondFactor(
  deps: StaffDeps,
  input: { pendingToken: string; code: string; ip: string },
): Promise<CodeResult> {
  const now = deps.clock.now();
  const at = now.getTime();
  const pending = await sessions.findSession(deps.db, sha256(input.pendingToken));
  if (!pending || pending.verified || at - pending.createdAt > SECOND_FACTOR_MS) {
    return { kind: 'expired' };
  }
  const found = await users.findUserWithSecrets(deps.db, pending.staffUserId);
  if (!found || found.user.state !== 'active' || !found.secrets.totpSecret) {
    await sessions.deleteSession(deps.db, pending.id);
    return { kind: 'expired' };
  }
  const { user, secrets } = found;
  const typed = input.code.trim();
  if (typed === '') {
    return { kind: 'invalid', error: 'Введите код из приложения-аутентификатора или резервный код.' };
  }
  const throttle = await throttleOf(deps, user.login, input.ip, at);
  if (throttle) {
    await sessions.deleteSession(deps.db, pending.id);
    return throttle;
  }
  const compact = typed.replace(/\s/g, '');
  const recoveryUsed = !/^\d{6}$/.test(compact);
  const ok = recoveryUsed
    ? await spendRecovery(deps, user.id, compact, at)
    : await spendTotp(deps, user.id, secrets.totpSecret!, compact, now, secrets.totpLastStep);
  if (!ok) {
    await fail(deps, { login: user.login, ip: input.ip, at, userId: user.id, why: 'second factor' });
    return { kind: 'failed' };
  }
  const token = newToken();
  await deps.db.transaction().execute(async (tx) => {
    await sessions.deleteSession(tx, pending.id);
    await sessions.insertSession(tx, {
      tokenHash: sha256(token),
      staffUserId: user.id,
      verified: true,
      at,
      ip: input.ip,
    });
    await sessions.recordAttempt(tx, { login: user.login, ip: input.ip, at, success: true });
    await sessions.recordStaffAudit(tx, at, {
      staffUserId: user.id,
      event: 'staff.login',
      outcome: 'success',
      ip: input.ip,
      details: { target: user.login, reason: recoveryUsed ? 'recovery code' : 'totp' },
    });
  });
  if (recoveryUsed) {
    return { kind: 'ok', token, recoveryLeft: await users.unusedRecoveryCodes(deps.db, user.id) };
  }
  return { kind: 'ok', token };
}

/** A TOTP code, valid now and later than the last one used (which it then becomes). */
async function spendTotp(
  deps: StaffDeps,
  userId: number,
  secret: string,
  code: string,
  now: Date,
  lastStep: number,
): Promise<boolean> {
  const step = await totpStep(secret, code, now, lastStep);
  return step !== undefined && (await users.advanceTotpStep(deps.db, userId, step));
}

async function spendRecovery(deps: StaffDeps, userId: number, typed: string, at: number): Promise<boolean> {
  const code = normalizeRecoveryCode(typed);
  return code !== undefined && (await users.spendRecoveryCode(deps.db, userId, hashRecoveryCode(code), at));
}

/** Whether a token is a pending login still awaiting its code (the code page shows its form then). */
export async function isPendingLogin(deps: StaffDeps, token: string): Promise<boolean> {
  const s = await sessions.findSession(deps.db, sha256(token));
  return s !== undefined && !s.verified && deps.clock.now().getTime() - s.createdAt <= SECOND_FACTOR_MS;
}

export interface StaffSession {
  sessionId: number;
  user: StaffUser;
}

/**
 * The logged-in staff user of a token: a session past both factors, within its idle and absolute
 * limits, of an active user. Expired sessions are deleted.
 */
export async function resolveStaffSession(deps: StaffDeps, token: string): Promise<StaffSession | null> {
  const s = await sessions.findSession(deps.db, sha256(token));
  if (!s || !s.verified) {
    return null;
  }
  const now = deps.clock.now().getTime();
  if (now - s.lastSeenAt > STAFF_IDLE_MS || now - s.createdAt > STAFF_ABSOLUTE_MS) {
    await sessions.deleteSession(deps.db, s.id);
    return null;
  }
  const user = await users.findUser(deps.db, s.staffUserId);
  if (!user || user.state !== 'active' || !user.enrolled) {
    await sessions.deleteSession(deps.db, s.id);
    return null;
  }
  if (now - s.lastSeenAt >= TOUCH_MS) {
    await sessions.touchSession(deps.db, s.id, now);
  }
  return { sessionId: s.id, user };
}

export async function logoutStaff(deps: StaffDeps, token: string, ip: string): Promise<void> {
  const s = await sessions.findSession(deps.db, sha256(token));
  if (!s) {
    return;
  }
  const at = deps.clock.now().getTime();
  await deps.db.transaction().execute(async (tx) => {
    await sessions.deleteSession(tx, s.id);
    if (s.verified) {
      await sessions.recordStaffAudit(tx, at, {
        staffUserId: s.staffUserId,
        event: 'staff.logout',
        outcome: 'success',
        ip,
      });
    }
  });
}

/** Removes expired staff sessions and attempts older than any throttle reads. */
export async function pruneStaffState(deps: StaffDeps): Promise<void> {
  const now = deps.clock.now().getTime();
  await sessions.deleteExpiredSessions(deps.db, now - STAFF_IDLE_MS, now - STAFF_ABSOLUTE_MS);
  await sessions.pruneAttempts(deps.db, now - 4 * LOCK_MS);
}
