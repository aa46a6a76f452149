import { recordAudit } from '../../platform/audit.repository.ts';
import { hashPassword, passwordProblem, PASSWORD_MAX } from '../../platform/passwords.ts';
import { maskEmail, needsSmtpUtf8, parseEmail } from '../mail/email-address.ts';
import { isToken, sha256Hex } from '../mail/tokens.ts';
import { sendProfileMail, type ProfileDeps, type SendOutcome } from './profile-mail.ts';
import { tellOtherProfiles } from './access-notice.ts';
import { accountsOfProfile } from './profile-accounts.repository.ts';
import {
  deleteStaleProfile,
  findLink,
  findProfile,
  findProfileByEmail,
  insertProfile,
  markEmailConfirmed,
  retireLinks,
  useLink,
  type MailKind,
  type StoredLink,
} from './profile.repository.ts';

/**
 * A profile made from a session of the manual's login: an e-mail (double opt-in) and a password,
 * with the session's account attached. An address that some profile already has gets the very
 * same answer as a new one, so that the form tells nobody whose address has a profile; its owner
 * gets a notice instead of a link.
 */

/** Profile passwords: at least this long (issue 22), and not common (passwords.ts). */
export const PROFILE_PASSWORD_MIN = 10;

export type PasswordFields = 'email' | 'password' | 'repeat' | 'current';
export type FieldErrors = Partial<Record<PasswordFields, string>>;

/** Who acts: the account of the session, and the address of the request. */
export interface AccountActor {
  accountId: number;
  accountNumber: string;
  ip: string;
}

const SMTPUTF8_REFUSED =
  'Наш почтовый сервер не может отправить письмо на адрес с нелатинскими (например, русскими) буквами до знака «@». Укажите адрес, в котором до «@» только латинские буквы, цифры и знаки . _ - +.';

/** The typed address checked as the bills' form checks it; refused if our SMTP server cannot take it. */
export async function checkEmail(
  deps: ProfileDeps,
  typed: string,
): Promise<{ ok: true; email: string } | { ok: false; message: string }> {
  const parsed = parseEmail(typed);
  if (parsed.ok && needsSmtpUtf8(parsed.email) && !(await deps.transport.utf8Mailboxes())) {
    return { ok: false, message: SMTPUTF8_REFUSED };
  }
  return parsed;
}

/** Why a new password (and its repetition) is refused, per field; `email` gives the login to avoid. */
export function newPasswordErrors(email: string, password: string, repeat: string): FieldErrors {
  const local = email.slice(0, Math.max(0, email.lastIndexOf('@')));
  const problem =
    password === ''
      ? 'Придумайте пароль.'
      : passwordProblem(password, { min: PROFILE_PASSWORD_MIN, login: local });
  if (problem) {
    return { password: problem };
  }
  if (repeat !== password) {
    return { repeat: 'Пароли не совпадают: введите тот же пароль ещё раз.' };
  }
  return {};
}

export type CreateResult = { kind: 'invalid'; errors: FieldErrors } | { kind: 'pending'; send: SendOutcome };

export async function createProfile(
  deps: ProfileDeps,
  who: AccountActor,
  input: { email: string; password: string; repeat: string },
): Promise<CreateResult> {
  const checked = await checkEmail(deps, input.email);
  const errors: FieldErrors = checked.ok
    ? newPasswordErrors(checked.email, input.password, input.repeat)
    : { email: checked.message, ...newPasswordErrors('', input.password, input.repeat) };
  if (!checked.ok || Object.keys(errors).length > 0) {
    return { kind: 'invalid', errors };
  }
  const email = checked.email;
  const now = deps.clock.now();
  // Hashed whether or not the address is taken: both answers take as long.
  const passwordHash = await hashPassword(input.password);
  await dropStaleProfile(deps, email, who);
  const created = await deps.db.transaction().execute(async (tx) => {
    const id = await insertProfile(tx, { email, passwordHash, accountId: who.accountId, at: now.getTime() });
    await recordAudit(tx, now, {
      event: 'profile_create',
      outcome: id === undefined ? 'taken' : 'created',
      accountNumber: who.accountNumber,
      ip: who.ip,
      details: { email: maskEmail(email), ...(id === undefined ? {} : { profile: id }) },
    });
    return id;
  });
  if (created !== undefined) {
    return { kind: 'pending', send: await sendProfileMail(deps, { id: created, email }, 'confirm', who.ip) };
  }
  const owner = await findProfileByEmail(deps.db, email);
  if (!owner) {
    return { kind: 'pending', send: { kind: 'failed' } };
  }
  // The notice to the address's owner shares that profile's mail limit, which «Забыли пароль?»
  // can use up: a refusal for the limit would tell the person typing that the address has a
  // profile. They are told what a new address gets; the owner gets no more notices for a while.
  const notice = await sendProfileMail(deps, owner, 'taken', who.ip);
  return { kind: 'pending', send: notice.kind === 'limited' ? { kind: 'sent' } : notice };
}

/**
 * An address typed by mistake must not stay taken for ever: a profile whose address was never
 * confirmed, made longer ago than its link lasts (24 h) and with no link sent again since that
 * still works, gives the address up to the next one who makes a profile with it. Nothing of the
 * old one is kept (its accounts were attached by whoever typed the address, which its owner never
 * confirmed). A profile that another table still refers to is kept: the address then stays
 * taken, as before.
 */
async function dropStaleProfile(deps: ProfileDeps, email: string, who: AccountActor): Promise<void> {
  const now = deps.clock.now();
  try {
    await deps.db.transaction().execute(async (tx) => {
      const id = await deleteStaleProfile(tx, email, now.getTime() - deps.mail.confirmTtlMs, now.getTime());
      if (id !== undefined) {
        await recordAudit(tx, now, {
          event: 'profile_create',
          outcome: 'expired_replaced',
          accountNumber: who.accountNumber,
          ip: who.ip,
          details: { email: maskEmail(email), profile: id },
        });
      }
    });
  } catch {
    // Referred to from elsewhere (a passkey, say): kept.
  }
}

/**
 * Sends the confirmation link again to a profile with this address that awaits it; nothing for
 * any other address. The caller answers the same either way (and need not wait for this).
 */
export async function resendConfirmation(deps: ProfileDeps, typed: string, ip: string): Promise<void> {
  const checked = parseEmail(typed);
  const profile = checked.ok ? await findProfileByEmail(deps.db, checked.email) : undefined;
  if (profile && profile.confirmedAt === null) {
    await sendProfileMail(deps, profile, 'confirm', ip);
  }
}

/** A link of `kind` that can still be used: known, unused, unexpired; undefined otherwise. */
export async function usableLink(
  deps: ProfileDeps,
  token: string,
  kind: MailKind,
): Promise<(StoredLink & { email: string }) | undefined> {
  if (!isToken(token)) {
    return undefined;
  }
  const link = await findLink(deps.db, sha256Hex(token));
  if (!link || link.kind !== kind || link.usedAt !== null || link.expiresAt <= deps.clock.now().getTime()) {
    return undefined;
  }
  const profile = await findProfile(deps.db, link.profileId);
  return profile && { ...link, email: profile.email };
}

/** Follows the confirmation link (POST): once, within 24 hours. */
export async function confirmProfile(
  deps: ProfileDeps,
  token: string,
  ip: string,
): Promise<{ ok: true; masked: string } | { ok: false }> {
  const link = await usableLink(deps, token, 'confirm');
  if (!link) {
    return { ok: false };
  }
  const now = deps.clock.now();
  const done = await deps.db.transaction().execute(async (tx) => {
    if (!(await useLink(tx, link.id, now.getTime()))) {
      return false;
    }
    await markEmailConfirmed(tx, link.profileId, now.getTime());
    await retireLinks(tx, link.profileId, 'confirm', now.getTime());
    await recordAudit(tx, now, {
      event: 'profile_confirm',
      outcome: 'confirmed',
      ip,
      details: { profile: link.profileId, email: maskEmail(link.email) },
    });
    return true;
  });
  if (!done) {
    return { ok: false };
  }
  // The account the profile was made with may be in other profiles already: they are told.
  for (const account of await accountsOfProfile(deps.db, link.profileId)) {
    await tellOtherProfiles(
      deps,
      { profileId: link.profileId, email: link.email },
      { accountId: account.accountId, accountNumber: account.number },
    );
  }
  return { ok: true, masked: maskEmail(link.email) };
}

/** A password field's value as the forms send it: beyond PASSWORD_MAX it is refused, not cut. */
export function passwordInput(value: string | undefined): string {
  return (value ?? '').slice(0, PASSWORD_MAX + 1);
}
