import { recordAudit } from '../../platform/audit.repository.ts';
import { hashPassword, passwordMatches } from '../../platform/passwords.ts';
import { maskEmail, parseEmail } from '../mail/email-address.ts';
import { assessLogin } from '../account/login-throttle.ts';
import { linkKeyOf } from '../mail/mail.service.ts';
import { emailHash } from '../mail/tokens.ts';
import { sendProfileMail, type ProfileDeps } from './profile-mail.ts';
import { recentProfileAttempts, recordProfileAttempt } from './profile-login.repository.ts';
import { oneAttemptAtATime } from './profile-login.service.ts';
import { deletePasskeysOfProfile } from './passkey.repository.ts';
import { newPasswordErrors, usableLink, type FieldErrors } from './profile.service.ts';
import {
  deleteProfileSessions,
  findProfile,
  findProfileByEmail,
  retireLinks,
  setPasswordHash,
  useLink,
} from './profile.repository.ts';

// A profile's password: changed in the cabinet (the current one asked), or reset by a link sent
// to the profile's confirmed address (single use, 30 minutes). Either way the profile's other
// sessions end, and the audit log records it, never with a password.

export type ChangeResult = { kind: 'invalid'; errors: FieldErrors } | { kind: 'changed'; ended: number };

export async function changePassword(
  deps: ProfileDeps,
  who: { profileId: number; sessionId: number; ip: string },
  input: { current: string; password: string; repeat: string },
): Promise<ChangeResult> {
  const profile = await findProfile(deps.db, who.profileId);
  if (!profile) {
    return { kind: 'invalid', errors: { current: 'Профиль не найден.' } };
  }
  const now = deps.clock.now();
  const audit = (outcome: string, details: Record<string, unknown> = {}) =>
    recordAudit(deps.db, now, {
      event: 'profile_password',
      outcome,
      ip: who.ip,
      details: { profile: profile.id, email: maskEmail(profile.email), ...details },
    });
  // A profile of passkeys only has no current password to ask for.
  if (profile.passwordHash !== null) {
    const wrong = await checkCurrent(
      deps,
      { ...who, email: profile.email, hash: profile.passwordHash },
      input.current,
    );
    if (wrong) {
      await audit(wrong.locked ? 'locked' : 'wrong_current');
      return { kind: 'invalid', errors: { current: wrong.message } };
    }
  }
  const errors = newPasswordErrors(profile.email, input.password, input.repeat);
  if (Object.keys(errors).length > 0) {
    return { kind: 'invalid', errors };
  }
  const hash = await hashPassword(input.password);
  const ended = await deps.db.transaction().execute(async (tx) => {
    await setPasswordHash(tx, profile.id, hash);
    const n = await deleteProfileSessions(tx, profile.id, who.sessionId);
    await recordAudit(tx, now, {
      event: 'profile_password',
      outcome: 'changed',
      ip: who.ip,
      details: { profile: profile.id, email: maskEmail(profile.email), sessionsEnded: n },
    });
    return n;
  });
  return { kind: 'changed', ended };
}

/**
 * The current password, asked before a change: a session left open must not let anyone guess it.
 * Wrong ones count as failed logins on the address (profile-login.service.ts's throttles, from
 * the session as its client), and a locked address refuses the change too.
 */
async function checkCurrent(
  deps: ProfileDeps,
  who: { sessionId: number; ip: string; email: string; hash: string },
  current: string,
): Promise<{ message: string; locked: boolean } | undefined> {
  if (current === '') {
    return { message: 'Введите текущий пароль.', locked: false };
  }
  const emailKey = emailHash(await linkKeyOf(deps.db), who.email);
  // Guesses sent at once are checked one after another, each seeing the ones before it.
  return oneAttemptAtATime(deps, { emailKey, ip: who.ip }, async (q) => {
    const at = deps.clock.now().getTime();
    const client = `s:${who.sessionId}`;
    const limits = deps.loginLimits;
    const attempts = await recentProfileAttempts(q, emailKey, at - limits.windowMs, 500);
    const verdict = assessLogin(attempts, { client, ip: who.ip }, limits, at);
    if (verdict.lockedBy.length > 0) {
      const minutes = Math.max(1, Math.ceil((verdict.retryAt - at) / 60_000));
      return {
        message: `Слишком много неверных паролей. Повторите попытку через ${minutes} мин.`,
        locked: true,
      };
    }
    if (await passwordMatches(who.hash, current)) {
      return undefined;
    }
    await recordProfileAttempt(q, { emailKey, ip: who.ip, client, at, success: false });
    return { message: 'Текущий пароль введён неверно.', locked: false };
  });
}

/**
 * «Забыли пароль?»: a reset link to a confirmed profile with this address; nothing for any other
 * address. The caller answers the same either way (and need not wait for this).
 */
export async function requestReset(deps: ProfileDeps, typed: string, ip: string): Promise<void> {
  const parsed = parseEmail(typed);
  const profile = parsed.ok ? await findProfileByEmail(deps.db, parsed.email) : undefined;
  if (profile && profile.confirmedAt !== null) {
    await sendProfileMail(deps, profile, 'reset', ip);
  } else {
    await recordAudit(deps.db, deps.clock.now(), {
      event: 'profile_reset',
      outcome: profile ? 'unconfirmed' : 'unknown',
      ip,
      ...(parsed.ok ? { details: { email: maskEmail(parsed.email) } } : {}),
    });
  }
}

/** Whether a reset link can be used: for its page (GET). */
export async function resetLinkUsable(deps: ProfileDeps, token: string): Promise<boolean> {
  return (await usableLink(deps, token, 'reset')) !== undefined;
}

export type ResetResult = { kind: 'gone' } | { kind: 'invalid'; errors: FieldErrors } | { kind: 'reset' };

/** Sets the new password by the link (POST): once, within 30 minutes; every session of the profile ends. */
export async function resetPassword(
  deps: ProfileDeps,
  token: string,
  input: { password: string; repeat: string },
  ip: string,
): Promise<ResetResult> {
  const link = await usableLink(deps, token, 'reset');
  if (!link) {
    return { kind: 'gone' };
  }
  const errors = newPasswordErrors(link.email, input.password, input.repeat);
  if (Object.keys(errors).length > 0) {
    return { kind: 'invalid', errors };
  }
  const hash = await hashPassword(input.password);
  const now = deps.clock.now();
  const done = await deps.db.transaction().execute(async (tx) => {
    if (!(await useLink(tx, link.id, now.getTime()))) {
      return false;
    }
    await setPasswordHash(tx, link.profileId, hash);
    await retireLinks(tx, link.profileId, 'reset', now.getTime());
    // A reset is the way back for an owner who lost control of the profile: whatever signs in
    // without the new password goes, so that nobody who had the old one keeps a way in (a
    // passkey added from a stolen session, a token).
    const n = await deleteProfileSessions(tx, link.profileId, null);
    const passkeys = await deletePasskeysOfProfile(tx, link.profileId);
    const tokens = await deps.revokeTokens(tx, link.profileId, now.getTime());
    await recordAudit(tx, now, {
      event: 'profile_password',
      outcome: 'reset',
      ip,
      details: {
        profile: link.profileId,
        email: maskEmail(link.email),
        sessionsEnded: n,
        passkeysRemoved: passkeys,
        tokensRevoked: tokens,
      },
    });
    return true;
  });
  return done ? { kind: 'reset' } : { kind: 'gone' };
}
