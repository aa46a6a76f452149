import { randomBytes } from 'node:crypto';
import type { Kysely, Transaction } from 'kysely';
import type { Clock } from '../../platform/clock.ts';
import type { CoreConfig } from '../../platform/config.ts';
import type { Database } from '../../platform/db/schema.ts';
import type { Dialect } from '../../platform/db/connect.ts';
import { recordAudit } from '../../platform/audit.repository.ts';
import type { MailConfig } from '../mail/mail.config.ts';
import { maskEmail } from '../mail/email-address.ts';
import { newConfirmToken, sha256Hex } from '../mail/tokens.ts';
import type { MailTransport } from '../mail/transport.ts';
import { profileConfirmMessage, profileResetMessage, profileTakenMessage } from './profile-mail.messages.tsx';
import { insertMail, pruneMails, recentMails, type MailKind } from './profile.repository.ts';

/** What the profile's services use: the database, the clock, the mail settings and transport. */
export interface ProfileDeps {
  db: Kysely<Database>;
  dialect: Dialect;
  clock: Clock;
  mail: Pick<MailConfig, 'confirmLimit' | 'confirmWindowMs' | 'confirmTtlMs' | 'senderName' | 'fromDomain'>;
  publicUrl: string;
  supplierName: string;
  transport: MailTransport;
  loginLimits: CoreConfig['loginLimits'];
  /**
   * Revokes the profile's API tokens in the reset's transaction (given by app.ts, which composes
   * the tokens feature with this one); returns how many were in force.
   */
  revokeTokens: (tx: Transaction<Database>, profileId: number, at: number) => Promise<number>;
}

/** A password reset link works this long (issue 22). */
export const RESET_TTL_MS = 30 * 60_000;

export type SendOutcome = { kind: 'sent' } | { kind: 'limited'; retryAt: Date } | { kind: 'failed' };

const TTL: Record<MailKind, (deps: ProfileDeps) => number | null> = {
  confirm: (deps) => deps.mail.confirmTtlMs,
  reset: () => RESET_TTL_MS,
  taken: () => null,
};

/**
 * Sends one e-mail to a profile's address: a single-use link (confirm, reset) or the notice that
 * the address was typed again (taken). All kinds together count against the bills' "send again"
 * limit (MAIL_CONFIRM_LIMIT per MAIL_CONFIRM_WINDOW_MINUTES) per profile, so that nobody can
 * flood an address through these forms. Sent at once, not through the outbox: only the link's
 * hash is ever stored. `ip` goes to the audit log, the address masked.
 */
export async function sendProfileMail(
  deps: ProfileDeps,
  profile: { id: number; email: string },
  kind: MailKind,
  ip: string,
): Promise<SendOutcome> {
  const { db, mail } = deps;
  const now = deps.clock.now();
  const t = now.getTime();
  const recent = await recentMails(db, profile.id, t - mail.confirmWindowMs);
  const audit = (outcome: string) =>
    recordAudit(db, now, {
      event: 'profile_mail',
      outcome,
      ip,
      details: { profile: profile.id, kind, email: maskEmail(profile.email) },
    });
  if (recent.length >= mail.confirmLimit) {
    await audit('limited');
    return {
      kind: 'limited',
      retryAt: new Date(recent[recent.length - mail.confirmLimit]! + mail.confirmWindowMs),
    };
  }
  const token = kind === 'taken' ? null : newConfirmToken();
  const ttl = TTL[kind](deps);
  await insertMail(db, {
    profileId: profile.id,
    kind,
    tokenHash: token && sha256Hex(token),
    at: t,
    expiresAt: ttl === null ? null : t + ttl,
  });
  // Rows older than a week are of no use, neither as links nor to the limit.
  await pruneMails(db, t - 7 * 86_400_000);
  const common = {
    to: profile.email,
    supplierName: mail.senderName,
    messageId: `<profile-${kind}-${t}-${randomBytes(6).toString('hex')}@${mail.fromDomain}>`,
  };
  const message =
    kind === 'confirm'
      ? profileConfirmMessage({ ...common, url: `${deps.publicUrl}/profile/confirm/${token}` })
      : kind === 'reset'
        ? profileResetMessage({ ...common, url: `${deps.publicUrl}/profile/reset/${token}` })
        : profileTakenMessage({
            ...common,
            loginUrl: `${deps.publicUrl}/profile/login`,
            forgotUrl: `${deps.publicUrl}/profile/forgot`,
          });
  try {
    await deps.transport.send(message);
  } catch {
    // The row stays: it counts against the limit, so a failing relay is not hammered.
    await audit('failed');
    return { kind: 'failed' };
  }
  await audit('sent');
  return { kind: 'sent' };
}
