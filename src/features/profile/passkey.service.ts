import { randomBytes } from 'node:crypto';
import type { Kysely } from 'kysely';
import type * as WebAuthn from '@simplewebauthn/server';
import type {
  PublicKeyCredentialCreationOptionsJSON,
  RegistrationResponseJSON,
} from '@simplewebauthn/server';
import type * as WebAuthnHelpers from '@simplewebauthn/server/helpers';
import { lazyRequire } from '../../platform/lazy.ts';
import type { Clock } from '../../platform/clock.ts';
import type { CoreConfig } from '../../platform/config.ts';
import type { Database } from '../../platform/db/schema.ts';
import type { Dialect } from '../../platform/db/connect.ts';
import { recordAudit } from '../../platform/audit.repository.ts';
import * as repo from './passkey.repository.ts';

// Passkeys (WebAuthn, @simplewebauthn/server): a profile adds them on its page and logs in with
// them. The relying party is the portal's public address (config.publicUrl): its host is the RP
// ID and its origin the only one accepted, so an answer made for another site is refused.

export interface PasskeyDeps {
  db: Kysely<Database>;
  dialect: Dialect;
  clock: Clock;
  supplierName: string;
  config: Pick<CoreConfig, 'publicUrl' | 'loginLimits' | 'consentPolicyVersion'>;
}

/** A challenge is answered within five minutes, or not at all. */
export const CHALLENGE_TTL_MS = 5 * 60_000;
export const NAME_MAX = 60;
const DEFAULT_NAME = 'Ключ входа';

export function relyingParty(publicUrl: string): { rpID: string; origin: string } {
  const url = new URL(publicUrl);
  return { rpID: url.hostname, origin: url.origin };
}

/** A passkey's name as typed: trimmed, spaces squashed; a message when it will not do. */
export function passkeyName(
  typed: string | undefined,
): { ok: true; name: string } | { ok: false; message: string } {
  const name = (typed ?? '')
    // eslint-disable-next-line no-control-regex -- control characters are what is removed
    .replace(/[\u0000-\u001f\u007f]/g, ' ')
    .replace(/\s+/g, ' ')
    .trim();
  if (name.length > NAME_MAX) {
    return { ok: false, message: `Название слишком длинное: не больше ${NAME_MAX} символов.` };
  }
  return { ok: true, name: name === '' ? DEFAULT_NAME : name };
}

/**
 * @simplewebauthn/server, loaded at the first passkey request: with its ASN.1 and X.509 packages
 * it is about 200 modules, 0.3–0.6 s of every process's start (the CLI's and each test file's
 * included) that only passkey requests need.
 */
export const webauthn = lazyRequire<typeof WebAuthn>('@simplewebauthn/server');
const webauthnHelpers = lazyRequire<typeof WebAuthnHelpers>('@simplewebauthn/server/helpers');

/** The challenge an answer carries, or undefined when its client data cannot be read. */
export function challengeOf(clientDataJSON: string): string | undefined {
  try {
    const c = webauthnHelpers().decodeClientDataJSON(clientDataJSON).challenge;
    return typeof c === 'string' && c.length > 0 && c.length <= 200 ? c : undefined;
  } catch {
    return undefined;
  }
}

// ---- Registration (a profile's session)

export async function registrationOptions(
  deps: PasskeyDeps,
  profileId: number,
): Promise<PublicKeyCredentialCreationOptionsJSON | undefined> {
  const profile = await repo.profileForPasskeys(deps.db, profileId);
  if (!profile) {
    return undefined;
  }
  const { rpID } = relyingParty(deps.config.publicUrl);
  // One user handle per profile: an authenticator keeps one passkey per (site, user).
  const userHandle =
    (await repo.userHandleOfProfile(deps.db, profileId)) ?? randomBytes(16).toString('base64url');
  const options = await webauthn().generateRegistrationOptions({
    rpName: deps.supplierName,
    rpID,
    userName: profile.email,
    userDisplayName: profile.email,
    userID: Buffer.from(userHandle, 'base64url'),
    timeout: CHALLENGE_TTL_MS,
    attestationType: 'none',
    excludeCredentials: await repo.credentialIdsOfProfile(deps.db, profileId),
    // Discoverable, so that the login needs no e-mail typed first.
    authenticatorSelection: { residentKey: 'required', userVerification: 'required' },
  });
  const now = deps.clock.now().getTime();
  await repo.insertChallenge(deps.db, {
    challenge: options.challenge,
    purpose: 'register',
    profileId,
    userHandle,
    expiresAt: now + CHALLENGE_TTL_MS,
    now,
  });
  return options;
}

export type RegisterResult =
  { kind: 'added'; id: number } | { kind: 'refused'; field: 'name' | 'passkey'; message: string };

export const EXPIRED =
  'Время ожидания истекло или запрос уже использован. Нажмите кнопку ещё раз и подтвердите ключ.';

export async function registerPasskey(
  deps: PasskeyDeps,
  who: { profileId: number; ip: string },
  input: { name: string | undefined; response: RegistrationResponseJSON },
): Promise<RegisterResult> {
  const name = passkeyName(input.name);
  if (!name.ok) {
    return { kind: 'refused', field: 'name', message: name.message };
  }
  const refused = (message: string): RegisterResult => ({ kind: 'refused', field: 'passkey', message });
  const { db, clock } = deps;
  const now = clock.now();
  const challenge = challengeOf(input.response.response.clientDataJSON);
  const taken = challenge
    ? await repo.takeChallenge(db, {
        challenge,
        purpose: 'register',
        profileId: who.profileId,
        now: now.getTime(),
      })
    : undefined;
  const userHandle = taken?.userHandle;
  if (!challenge || !userHandle) {
    return refused(EXPIRED);
  }
  const { rpID, origin } = relyingParty(deps.config.publicUrl);
  let info;
  try {
    const v = await webauthn().verifyRegistrationResponse({
      response: input.response,
      expectedChallenge: challenge,
      expectedOrigin: origin,
      expectedRPID: rpID,
      requireUserVerification: true,
    });
    info = v.verified ? v.registrationInfo : undefined;
  } catch {
    info = undefined;
  }
  if (!info) {
    return refused('Ключ не прошёл проверку. Попробуйте ещё раз или используйте другой ключ.');
  }
  const { credential } = info;
  if (await repo.credentialExists(db, credential.id)) {
    return refused('Этот ключ входа уже добавлен.');
  }
  const id = await db.transaction().execute(async (tx) => {
    const passkeyId = await repo.insertPasskey(tx, {
      profileId: who.profileId,
      credentialId: credential.id,
      publicKey: Buffer.from(credential.publicKey).toString('base64url'),
      counter: credential.counter,
      transports: (credential.transports ?? []).filter((t) => /^[a-z-]{1,20}$/.test(t)).slice(0, 10),
      userHandle,
      name: name.name,
      at: now.getTime(),
    });
    if (passkeyId === undefined) {
      return undefined;
    }
    await recordAudit(tx, now, {
      event: 'passkey',
      outcome: 'added',
      ip: who.ip,
      details: { profileId: who.profileId, passkeyId },
    });
    return passkeyId;
  });
  if (id === undefined) {
    // The same answer sent twice at once: the other request stored it.
    return refused('Этот ключ входа уже добавлен.');
  }
  return { kind: 'added', id };
}

// ---- The profile's page

export const listPasskeys = (deps: PasskeyDeps, profileId: number) =>
  repo.passkeysOfProfile(deps.db, profileId);

export async function renamePasskey(
  deps: PasskeyDeps,
  profileId: number,
  id: number,
  typed: string | undefined,
): Promise<{ kind: 'renamed' | 'unknown' } | { kind: 'invalid'; message: string }> {
  const name = passkeyName(typed);
  if (!name.ok) {
    return { kind: 'invalid', message: name.message };
  }
  return { kind: (await repo.renamePasskey(deps.db, profileId, id, name.name)) ? 'renamed' : 'unknown' };
}

export async function removePasskey(
  deps: PasskeyDeps,
  who: { profileId: number; ip: string },
  id: number,
): Promise<'removed' | 'unknown' | 'last'> {
  const outcome = await repo.removePasskeyUnlessLast(deps.db, deps.dialect === 'postgres', who.profileId, id);
  if (outcome === 'removed') {
    await recordAudit(deps.db, deps.clock.now(), {
      event: 'passkey',
      outcome: 'removed',
      ip: who.ip,
      details: { profileId: who.profileId, passkeyId: id },
    });
  }
  return outcome;
}
