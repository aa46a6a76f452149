import type { FastifyReply } from 'fastify';
import type { AppContext } from '../../platform/http/context.ts';
import { cookieOptions, rotateCsrfSecret, sessionCookieName } from '../../platform/http/security.ts';
import { hashToken, newSessionToken } from '../account/account.service.ts';
import { deleteSessionByHash, insertSession } from '../account/session.repository.ts';
import { recordConsent } from '../account/account.repository.ts';
import { firstAccountOf } from './profile.repository.ts';

/**
 * Starts a session of a profile whose credentials were just checked (a password here; a passkey
 * in passkey.*), exactly as the manual's login does: a new random token (256 bits) of which only
 * the hash is stored, the same session cookie, the session cookie that came with the request
 * ended, the CSRF secret rotated, and the personal data consent recorded for the session's
 * account (policy version, time, address). The caller's form must therefore have had the consent
 * box ticked: the privacy policy asks for it at every login. The session shows the profile's
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
  const cookieName = sessionCookieName(ctx.config);
  const previous = reply.request.cookies[cookieName];
  const token = newSessionToken();
  await db.transaction().execute(async (tx) => {
    if (previous) {
      await deleteSessionByHash(tx, hashToken(previous));
    }
    const at = ctx.clock.now().getTime();
    await insertSession(tx, { tokenHash: hashToken(token), accountId: account.accountId, at, ip, profileId });
    await recordConsent(tx, {
      accountId: account.accountId,
      accountNumber: account.number,
      policyVersion: ctx.config.consentPolicyVersion,
      at,
      ip,
    });
  });
  void reply.setCookie(cookieName, token, cookieOptions(ctx.config));
  rotateCsrfSecret(reply, ctx.config);
  return { kind: 'ok', accountNumber: account.number };
}
