import type { Kysely, Transaction } from 'kysely';
import type { Database } from '../../platform/db/schema.ts';
import { recordAudit } from '../../platform/audit.repository.ts';
import { burnPasswordCheck, passwordMatches, PASSWORD_MAX } from '../../platform/passwords.ts';
import { assessLogin, clientKey } from '../account/login-throttle.ts';
import { hashToken } from '../account/account.service.ts';
import { KeyedMutex } from '../account/keyed-mutex.ts';
import { maskEmail, parseEmail } from '../mail/email-address.ts';
import { linkKeyOf } from '../mail/mail.service.ts';
import { emailHash } from '../mail/tokens.ts';
import type { ProfileDeps } from './profile-mail.ts';
import { findProfileByEmail, firstAccountOf } from './profile.repository.ts';
import {
  lockProfileAttempts,
  recentFailedEmailsFromIp,
  recentProfileAttempts,
  recordProfileAttempt,
} from './profile-login.repository.ts';
import { CONSENT_REQUIRED } from './profile-session.ts';

/**
 * The profile's password login, throttled as the manual's login is (login-throttle.ts, with the
 * same LOGIN_* limits): failures on one address count per browser, per client address and for
 * everyone, and one client address failing on IP_MAX_FAILED_ACCOUNTS addresses is refused on all.
 * An unknown address is checked against a decoy hash (as long as a real check), counted the same
 * way, and answered the same way: nothing tells whether an address has a profile. Only the right
 * password learns that the address is not confirmed yet, or that no account is attached.
 */

export type LoginFields = 'email' | 'password' | 'consent';

export type ProfileLoginResult =
  | { kind: 'invalid'; errors: Partial<Record<LoginFields, string>> }
  | { kind: 'throttled'; retryAt: Date }
  /** `left`: failures still allowed before a throttle refuses; at 0, `retryAt` says when it allows again. */
  | { kind: 'failed'; left: number; retryAt: Date | null }
  | { kind: 'unconfirmed' }
  | { kind: 'no_account' }
  | { kind: 'ok'; profileId: number };

type Q = Kysely<Database> | Transaction<Database>;

/** The newest attempts on an address the throttles read (as the account login's ATTEMPTS_READ). */
const ATTEMPTS_READ = 500;

const queue = new KeyedMutex();

export interface LoginInput {
  email: string;
  password: string;
  /** The personal data consent box was ticked (as at the manual's login, at every login). */
  consent: boolean;
  ip: string;
  /** The browser's own cookie (browser-id.ts), when it sent one. */
  browser?: string | undefined;
}

export async function loginProfile(deps: ProfileDeps, input: LoginInput): Promise<ProfileLoginResult> {
  const parsed = parseEmail(input.email);
  const errors: Partial<Record<LoginFields, string>> = {};
  if (!parsed.ok) {
    errors.email = parsed.message;
  }
  if (input.password === '') {
    errors.password = 'Введите пароль.';
  } else if (input.password.length > PASSWORD_MAX) {
    errors.password = `Пароль слишком длинный: не больше ${PASSWORD_MAX} символов.`;
  }
  if (!input.consent) {
    errors.consent = CONSENT_REQUIRED;
  }
  if (!parsed.ok || Object.keys(errors).length > 0) {
    return { kind: 'invalid', errors };
  }
  const email = parsed.email;
  const emailKey = emailHash(await linkKeyOf(deps.db), email);
  const client = clientKey(input.browser && hashToken(input.browser).slice(0, 32), input.ip);
  const attempt = { email, emailKey, client, ip: input.ip, password: input.password };
  return oneAttemptAtATime(deps, { emailKey, ip: input.ip }, (q) => decide(deps, q, attempt));
}

/**
 * Runs `check` with the password attempts on one address, and from one client address, one after
 * another. The password's check (Argon2, off the event loop) lies between reading the attempts
 * and counting this one, so without this, parallel attempts would all be checked before any was
 * counted: on SQLite too, although one process holds it. In this process by a keyed queue; on
 * PostgreSQL also across instances, by the transaction's advisory locks.
 */
export function oneAttemptAtATime<T>(
  deps: Pick<ProfileDeps, 'db' | 'dialect'>,
  keys: { emailKey: string; ip: string },
  check: (q: Q) => Promise<T>,
): Promise<T> {
  return queue.run([`email:${keys.emailKey}`, `ip:${keys.ip}`], () =>
    deps.dialect === 'postgres'
      ? deps.db.transaction().execute(async (tx) => {
          await lockProfileAttempts(tx, keys.emailKey, keys.ip);
          return check(tx);
        })
      : check(deps.db),
  );
}

async function decide(
  deps: ProfileDeps,
  q: Q,
  a: { email: string; emailKey: string; client: string; ip: string; password: string },
): Promise<ProfileLoginResult> {
  const now = deps.clock.now();
  const at = now.getTime();
  const limits = deps.loginLimits;
  const audit = (outcome: string, details: Record<string, unknown> = {}) =>
    recordAudit(q, now, {
      event: 'profile_login',
      outcome,
      ip: a.ip,
      details: { email: maskEmail(a.email), ...details },
    });
  const attempts = await recentProfileAttempts(q, a.emailKey, at - limits.windowMs, ATTEMPTS_READ);
  const verdict = assessLogin(attempts, { client: a.client, ip: a.ip }, limits, at);
  const ipFailures = await recentFailedEmailsFromIp(q, a.ip, at - limits.ipWindowMs, limits.ipMaxAccounts);
  const ipLocked = ipFailures.length >= limits.ipMaxAccounts;
  if (verdict.lockedBy.length > 0 || ipLocked) {
    const retry = Math.max(
      verdict.retryAt,
      ipLocked ? ipFailures[limits.ipMaxAccounts - 1]! + limits.ipWindowMs : 0,
    );
    await audit('locked', { reason: [...verdict.lockedBy, ...(ipLocked ? ['ip'] : [])].join(',') });
    return { kind: 'throttled', retryAt: new Date(retry) };
  }

  const profile = await findProfileByEmail(q, a.email);
  let matches = false;
  if (profile?.passwordHash) {
    matches = await passwordMatches(profile.passwordHash, a.password);
  } else {
    await burnPasswordCheck(a.password);
  }
  if (!profile || !matches) {
    await recordProfileAttempt(q, { emailKey: a.emailKey, ip: a.ip, client: a.client, at, success: false });
    await audit('failure');
    const after = assessLogin(
      [{ at, success: false, client: a.client, ip: a.ip }, ...attempts],
      { client: a.client, ip: a.ip },
      limits,
      at,
    );
    return { kind: 'failed', left: after.left, retryAt: after.left === 0 ? new Date(after.retryAt) : null };
  }
  if (profile.confirmedAt === null) {
    await audit('unconfirmed', { profile: profile.id });
    return { kind: 'unconfirmed' };
  }
  if (!(await firstAccountOf(q, profile.id))) {
    await audit('no_account', { profile: profile.id });
    return { kind: 'no_account' };
  }
  await recordProfileAttempt(q, { emailKey: a.emailKey, ip: a.ip, client: a.client, at, success: true });
  await audit('success', { profile: profile.id });
  return { kind: 'ok', profileId: profile.id };
}
