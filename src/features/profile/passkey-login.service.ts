import type {
  AuthenticationResponseJSON,
  PublicKeyCredentialRequestOptionsJSON,
} from '@simplewebauthn/server';
import { recordAudit } from '../../platform/audit.repository.ts';
import { newSessionToken } from '../account/account.service.ts';
import { recentFailedAccountsFromIp, recordAttempt } from '../account/account.repository.ts';
import { accountsOfProfile } from './profile-accounts.repository.ts';
import * as repo from './passkey.repository.ts';
import {
  CHALLENGE_TTL_MS,
  challengeOf,
  EXPIRED,
  relyingParty,
  webauthn,
  type PasskeyDeps,
} from './passkey.service.ts';
import { CONSENT_REQUIRED, writeProfileSession } from './profile-session.ts';

// The passkey login (no session yet): options for a discoverable credential, and the assertion
// checked by @simplewebauthn/server, throttled per address and audited; a good one starts a
// profile session on the profile's first attached account and records the personal data consent
// (writeProfileSession, as the password login), which the request must have given.

/** login_attempts' "account number" of passkey logins: never a real one (those are 10 digits). */
export const PASSKEY_ATTEMPTS = 'passkey';

export type Throttle = { kind: 'throttled'; retryAt: Date } | undefined;

/**
 * Failed passkey logins from one address count as failed logins do (login-throttle's limits): as
 * many as one address may fail on one account, then a wait of the window. They are also one more
 * "account" of the address's spraying count (login_attempts), and an address refused for spraying
 * account logins is refused here too. (Unlike the account login's, these checks are not serialised
 * per address: a guess at a passkey is a guess at a signature, so a few extra attempts sent at once
 * change nothing but the count.)
 */
async function throttle(deps: PasskeyDeps, ip: string): Promise<Throttle> {
  const limits = deps.config.loginLimits;
  const now = deps.clock.now().getTime();
  const failures = await repo.passkeyFailuresFromIp(deps.db, PASSKEY_ATTEMPTS, ip, now - limits.windowMs);
  if (failures >= limits.addressMaxFailures) {
    return { kind: 'throttled', retryAt: new Date(now + limits.windowMs) };
  }
  const sprayed = await recentFailedAccountsFromIp(
    deps.db,
    ip,
    now - limits.ipWindowMs,
    limits.ipMaxAccounts,
  );
  if (sprayed.length >= limits.ipMaxAccounts) {
    return { kind: 'throttled', retryAt: new Date(sprayed[limits.ipMaxAccounts - 1]! + limits.ipWindowMs) };
  }
  return undefined;
}

export async function loginOptions(
  deps: PasskeyDeps,
  ip: string,
): Promise<{ kind: 'ok'; options: PublicKeyCredentialRequestOptionsJSON } | NonNullable<Throttle>> {
  const limited = await throttle(deps, ip);
  if (limited) {
    return limited;
  }
  const options = await webauthn().generateAuthenticationOptions({
    rpID: relyingParty(deps.config.publicUrl).rpID,
    userVerification: 'required',
    timeout: CHALLENGE_TTL_MS,
  });
  const now = deps.clock.now().getTime();
  await repo.insertChallenge(deps.db, {
    challenge: options.challenge,
    purpose: 'login',
    profileId: null,
    userHandle: null,
    expiresAt: now + CHALLENGE_TTL_MS,
    now,
  });
  return { kind: 'ok', options };
}

export type PasskeyLoginResult =
  | { kind: 'ok'; token: string; accountNumber: string }
  | { kind: 'failed'; message: string }
  /** The consent box was not ticked: nothing was checked, counted or written. */
  | { kind: 'no_consent'; message: string }
  | NonNullable<Throttle>;

const LOGIN_FAILED = 'Войти с этим ключом не удалось. Попробуйте ещё раз или войдите другим способом.';

export async function passkeyLogin(
  deps: PasskeyDeps,
  input: {
    response: AuthenticationResponseJSON;
    ip: string;
    /** The consent box was ticked (the privacy policy asks for it at every login). */
    consent: boolean;
    /** The session cookie that came with the request: that session ends. */
    previous: string | undefined;
  },
): Promise<PasskeyLoginResult> {
  const { db, clock } = deps;
  const { ip, response } = input;
  if (!input.consent) {
    return { kind: 'no_consent', message: CONSENT_REQUIRED };
  }
  const now = clock.now();
  const at = now.getTime();
  const limited = await throttle(deps, ip);
  if (limited) {
    await recordAudit(db, now, {
      event: 'profile_login',
      outcome: 'locked',
      ip,
      details: { method: 'passkey' },
    });
    return limited;
  }
  const fail = async (reason: string, message = LOGIN_FAILED): Promise<PasskeyLoginResult> => {
    await db.transaction().execute(async (tx) => {
      await recordAttempt(tx, {
        accountNumber: PASSKEY_ATTEMPTS,
        ip,
        client: `ip:${ip}`,
        at,
        success: false,
      });
      await recordAudit(tx, now, {
        event: 'profile_login',
        outcome: 'failure',
        ip,
        details: { method: 'passkey', reason },
      });
    });
    return { kind: 'failed', message };
  };

  const checked = await checkAssertion(deps, response, at);
  if (checked.kind === 'refused') {
    return fail(checked.reason, checked.reason === 'challenge' ? EXPIRED : LOGIN_FAILED);
  }
  const { passkey, newCounter } = checked;
  const profile = await repo.profileForPasskeys(db, passkey.profileId);
  const account = (await accountsOfProfile(db, passkey.profileId))[0];
  if (!profile?.confirmed || !account) {
    return fail(
      'no_account',
      'К этому профилю не привязан ни один лицевой счёт. Войдите по номеру лицевого счёта и фамилии.',
    );
  }
  const token = newSessionToken();
  await db.transaction().execute(async (tx) => {
    await repo.markPasskeyUsed(tx, passkey.id, newCounter, at);
    await recordAttempt(tx, { accountNumber: PASSKEY_ATTEMPTS, ip, client: `ip:${ip}`, at, success: true });
    await writeProfileSession(tx, {
      token,
      previous: input.previous,
      account,
      profileId: passkey.profileId,
      policyVersion: deps.config.consentPolicyVersion,
      at,
      ip,
    });
    await recordAudit(tx, now, {
      event: 'profile_login',
      outcome: 'success',
      accountNumber: account.number,
      ip,
      details: { method: 'passkey', profileId: passkey.profileId, passkeyId: passkey.id },
    });
  });
  return { kind: 'ok', token, accountNumber: account.number };
}

/**
 * Checks an assertion: its challenge (used up here), its credential, the user it names, the
 * signature, origin, RP ID and counter (@simplewebauthn/server); the passkey and its new counter.
 */
async function checkAssertion(
  deps: PasskeyDeps,
  response: AuthenticationResponseJSON,
  at: number,
): Promise<
  { kind: 'ok'; passkey: repo.StoredPasskey; newCounter: number } | { kind: 'refused'; reason: string }
> {
  const { db } = deps;
  const challenge = challengeOf(response.response.clientDataJSON);
  const taken =
    challenge && (await repo.takeChallenge(db, { challenge, purpose: 'login', profileId: null, now: at }));
  if (!challenge || !taken) {
    return { kind: 'refused', reason: 'challenge' };
  }
  const passkey = await repo.findPasskeyByCredentialId(db, response.id);
  if (!passkey) {
    return { kind: 'refused', reason: 'unknown_credential' };
  }
  // A discoverable credential names its user: it must be the profile the passkey belongs to.
  if (response.response.userHandle !== undefined && response.response.userHandle !== passkey.userHandle) {
    return { kind: 'refused', reason: 'user_handle' };
  }
  const { rpID, origin } = relyingParty(deps.config.publicUrl);
  try {
    const v = await webauthn().verifyAuthenticationResponse({
      response,
      expectedChallenge: challenge,
      expectedOrigin: origin,
      expectedRPID: rpID,
      credential: {
        id: passkey.credentialId,
        publicKey: Buffer.from(passkey.publicKey, 'base64url'),
        counter: passkey.counter,
        transports: passkey.transports,
      },
      requireUserVerification: true,
    });
    if (v.verified) {
      return { kind: 'ok', passkey, newCounter: v.authenticationInfo.newCounter };
    }
  } catch {
    // A wrong origin, RP ID, signature or a counter that went back: refused below.
  }
  return { kind: 'refused', reason: 'assertion' };
}
