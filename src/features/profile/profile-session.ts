import type { FastifyReply } from 'fastify';
import type { Kysely, Transaction } from 'kysely';
import type { AppContext } from '../../platform/http/context.ts';
import type { Database } from '../../platform/db/schema.ts';
import { cookieOptions, rotateCsrfSecret, sessionCookieName } from '../../platform/http/security.ts';
import { hashToken, newSessionToken } from '../account/account.service.ts';
import { deleteSessionByHash, insertSession } from '../account/session.repository.ts';
import { recordConsent } from '../account/account.repository.ts';
import { firstAccountOf } from './profile.repository.ts';

/** Every profile login (password or passkey) refuses to start without the consent box ticked. */
export const CONSENT_REQUIRED = 'Чтобы войти, подтвердите согласие на обработку персональных данных.';

/**
 * The transactional part of a profile login, for the caller's transaction (the passkey login
 * writes its counter, attempt and audit in the same one): the session that came with the request
 * ended, the new session's hash stored, and the personal data consent recorded for the session's
 * account (policy version, time, address). The caller's form must have had the consent box
 * ticked: the privacy policy asks for it at every login. The token is the caller's, from
 * newSessionToken; it is set as the cookie by sendSessionCookie once the transaction committed.
 */
export async function writeProfileSession(
  tx: Kysely<Database> | Transaction<Database>,
  s: {
    token: string;
    /** The session cookie that came with the request, if any. */
    previous: string | undefined;
    account: { accountId: number; number: string };
    profileId: number;
    policyVersion: string;
    at: number;
    ip: string;
  },
): Promise<void> {
  if (s.previous) {
    await deleteSessionByHash(tx, hashToken(s.previous));
  }
  const { accountId, number } = s.account;
  await insertSession(tx, {
    tokenHash: hashToken(s.token),
    accountId,
    at: s.at,
    ip: s.ip,
    profileId: s.profileId,
  });
  await recordConsent(tx, {
    accountId,
    accountNumber: number,
    policyVersion: s.policyVersion,
    at: s.at,
    ip: s.ip,
  });
}

/** The cookie part of a profile login, as the manual's login: the session cookie, the CSRF secret rotated. */
export function sendSessionCookie(ctx: AppContext, reply: FastifyReply, token: string): void {
  void reply.setCookie(sessionCookieName(ctx.config), token, cookieOptions(ctx.config));
  rotateCsrfSecret(reply, ctx.config);
}

/**
 * Starts a session of a profile whose password was just checked, exactly as the manual's login
 * does: a new random token (256 bits) of which only the hash is stored, the same session cookie,
 * the session cookie that came with the request ended, the CSRF secret rotated, and the consent
 * recorded (writeProfileSession; the passkey login shares it). The session shows the profile's
 * first attached account (the one it was made with, unless detached); the switcher changes that.
 *
 * Returns 'no_account' (and starts nothing) when the profile has no attached account: the caller
 * shows a message instead. It audits nothing: the caller records the login with its own outcome.
 * The caller then answers with a redirect (303) to /cabinet, or where the customer was going.
 */
export async function startProfileSession(
  ctx: AppContext,
  reply: FastifyReply,
  profileId: number,
  ip: string,
): Promise<{ kind: 'ok'; accountNumber: string } | { kind: 'no_account' }> {
  const db = ctx.db.kysely;
  const account = await firstAccountOf(db, profileId);
  if (!account) {
    return { kind: 'no_account' };
  }
  const token = newSessionToken();
  const previous = reply.request.cookies[sessionCookieName(ctx.config)];
  await db.transaction().execute((tx) =>
    writeProfileSession(tx, {
      token,
      previous,
      account,
      profileId,
      policyVersion: ctx.config.consentPolicyVersion,
      at: ctx.clock.now().getTime(),
      ip,
    }),
  );
  sendSessionCookie(ctx, reply, token);
  return { kind: 'ok', accountNumber: account.number };
}
