// A software WebAuthn authenticator for the passkey tests: real ES256 keys (node:crypto), real
// CBOR (the library's own encoder), "none" attestation, so that the server checks true signatures
// and every refusal is the library's verdict on a real answer, not on a stub. Also: a confirmed
// profile with an attached account, made directly in the database, and a session of it.
import { createHash, generateKeyPairSync, randomBytes, sign, type KeyObject } from 'node:crypto';
import { isoCBOR } from '@simplewebauthn/server/helpers';
import type {
  AuthenticationResponseJSON,
  PublicKeyCredentialCreationOptionsJSON,
  PublicKeyCredentialRequestOptionsJSON,
  RegistrationResponseJSON,
} from '@simplewebauthn/server';
import type { Db } from '../src/platform/db/connect.ts';
import { cookieHeader, type Agent } from './helpers.ts';
import { insertProfile, insertProfileSession } from './profile-support.ts';

const b64 = (b: Uint8Array | string) => Buffer.from(b).toString('base64url');
const sha256 = (b: Uint8Array | string) => createHash('sha256').update(b).digest();

/** Authenticator data flags: user present, user verified, attested credential data included. */
const UP = 0x01;
const UV = 0x04;
const AT = 0x40;

export class SoftAuthenticator {
  readonly credentialId = randomBytes(16);
  private readonly privateKey: KeyObject;
  private readonly publicKey: KeyObject;
  /** The user handle given at registration (a discoverable credential returns it at login). */
  userHandle: string | undefined;
  counter = 0;

  constructor() {
    const pair = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    this.privateKey = pair.privateKey;
    this.publicKey = pair.publicKey;
  }

  get id(): string {
    return b64(this.credentialId);
  }

  private coseKey(): Uint8Array {
    const jwk = this.publicKey.export({ format: 'jwk' });
    return isoCBOR.encode(
      new Map<number, number | Uint8Array>([
        [1, 2], // kty: EC2
        [3, -7], // alg: ES256
        [-1, 1], // crv: P-256
        [-2, Buffer.from(jwk.x!, 'base64url')],
        [-3, Buffer.from(jwk.y!, 'base64url')],
      ]),
    );
  }

  private authData(rpId: string, flags: number, attested: boolean): Buffer {
    const count = Buffer.alloc(4);
    count.writeUInt32BE(this.counter);
    const parts = [sha256(rpId), Buffer.from([flags | (attested ? AT : 0)]), count];
    if (attested) {
      const len = Buffer.alloc(2);
      len.writeUInt16BE(this.credentialId.length);
      parts.push(Buffer.alloc(16), len, this.credentialId, Buffer.from(this.coseKey()));
    }
    return Buffer.concat(parts);
  }

  /**
   * navigator.credentials.create() answered for `options`, as if on the page at `origin`;
   * `verified: false` is a key that checked presence only (a touch, no PIN or fingerprint).
   */
  register(
    options: PublicKeyCredentialCreationOptionsJSON,
    origin: string,
    { rpId = options.rp.id ?? 'localhost', verified = true }: { rpId?: string; verified?: boolean } = {},
  ): RegistrationResponseJSON {
    this.userHandle = options.user.id;
    const clientDataJSON = JSON.stringify({ type: 'webauthn.create', challenge: options.challenge, origin });
    const attestationObject = isoCBOR.encode(
      new Map<string, unknown>([
        ['fmt', 'none'],
        ['attStmt', new Map()],
        ['authData', this.authData(rpId, verified ? UP | UV : UP, true)],
      ]) as never,
    );
    return {
      id: this.id,
      rawId: this.id,
      type: 'public-key',
      response: {
        clientDataJSON: b64(clientDataJSON),
        attestationObject: b64(attestationObject),
        transports: ['internal'],
      },
      clientExtensionResults: {},
    };
  }

  /** navigator.credentials.get() answered for `options`; the counter goes up by one first. */
  assert(
    options: PublicKeyCredentialRequestOptionsJSON,
    origin: string,
    {
      rpId = options.rpId ?? 'localhost',
      userHandle = this.userHandle,
      verified = true,
    }: { rpId?: string; userHandle?: string; verified?: boolean } = {},
  ): AuthenticationResponseJSON {
    this.counter += 1;
    const clientDataJSON = Buffer.from(
      JSON.stringify({ type: 'webauthn.get', challenge: options.challenge, origin }),
    );
    const authenticatorData = this.authData(rpId, verified ? UP | UV : UP, false);
    const signature = sign(
      'sha256',
      Buffer.concat([authenticatorData, sha256(clientDataJSON)]),
      this.privateKey,
    );
    return {
      id: this.id,
      rawId: this.id,
      type: 'public-key',
      response: {
        clientDataJSON: b64(clientDataJSON),
        authenticatorData: b64(authenticatorData),
        signature: b64(signature),
        ...(userHandle ? { userHandle } : {}),
      },
      clientExtensionResults: {},
    };
  }
}

/** A confirmed profile (a password hash only when `passwordHash` is given) with accounts attached. */
export async function makeProfile(
  db: Db,
  p: { email: string; accountIds: number[]; passwordHash?: string; at?: number },
): Promise<number> {
  return insertProfile(db, { ...p, at: p.at ?? Date.now(), attachedBy: 'login' });
}

/** A session of the profile on one of its accounts: the token for the session cookie. */
export async function profileSession(
  db: Db,
  p: { profileId: number; accountId: number; at: number },
): Promise<string> {
  return insertProfileSession(db, p);
}

/** A JSON POST as the passkey script sends it: the CSRF token in its header, the session cookie. */
export async function postJson(
  agent: Agent,
  url: string,
  body: unknown,
  headers: Record<string, string> = {},
) {
  const res = await agent.app.inject({
    method: 'POST',
    url,
    payload: typeof body === 'string' ? body : JSON.stringify(body),
    headers: {
      'content-type': 'application/json',
      accept: 'application/json',
      'x-csrf-token': agent.csrf,
      cookie: cookieHeader(agent.jar),
      ...headers,
    },
    remoteAddress: agent.ip,
  });
  for (const c of res.cookies as Array<{ name: string; value: string }>) {
    if (c.value === '') {
      delete agent.jar[c.name];
    } else {
      agent.jar[c.name] = c.value;
    }
  }
  return res;
}
