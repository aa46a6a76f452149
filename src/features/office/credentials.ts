import { createHash, randomBytes, randomInt } from 'node:crypto';
import { passwordProblem as commonPasswordProblem } from '../../platform/passwords.ts';
import { generateSecret, generateURI, verify as totpVerify } from 'otplib';

// The staff's secrets: passwords (Argon2id, platform/passwords.ts), TOTP codes (RFC 6238, otplib), recovery codes and
// the one-time tokens of enrollment links and sessions.

/** Staff passwords are longer than customers' profile passwords (platform/passwords.ts). */
export const PASSWORD_MIN = 12;

/** Why a new staff password is refused (a message for the field), or undefined when it will do. */
export function passwordProblem(password: string, login: string): string | undefined {
  return commonPasswordProblem(password, { min: PASSWORD_MIN, login });
}

// ---- TOTP

export const TOTP_PERIOD_S = 30;

export function newTotpSecret(): string {
  return generateSecret();
}

/** The otpauth:// address the authenticator app reads from the QR code. */
export function totpUri(issuer: string, login: string, secret: string): string {
  return generateURI({ issuer, label: login, secret });
}

/**
 * The time step of a code valid at `now` (one step either side, for clocks a little off), if it
 * is later than `afterStep` (a code is accepted once); undefined when it is not valid.
 */
export async function totpStep(
  secret: string,
  code: string,
  now: Date,
  afterStep: number,
): Promise<number | undefined> {
  if (!/^\d{6}$/.test(code)) {
    return undefined;
  }
  const epoch = Math.floor(now.getTime() / 1000);
  const r = await totpVerify({
    secret,
    token: code,
    epoch,
    epochTolerance: TOTP_PERIOD_S,
    afterTimeStep: afterStep,
  });
  return r.valid ? Math.floor(epoch / TOTP_PERIOD_S) + r.delta : undefined;
}

// ---- Tokens and recovery codes

export function sha256(s: string): string {
  return createHash('sha256').update(s).digest('hex');
}

/** 256 random bits, URL-safe (session tokens and enrollment links). */
export function newToken(): string {
  return randomBytes(32).toString('base64url');
}

const RECOVERY_ALPHABET = 'abcdefghjkmnpqrstuvwxyz23456789'; // no 0/o, 1/l/i
export const RECOVERY_CODES = 10;

/** A recovery code like `k7m2p-x9qrt`: 10 characters of 31, about 50 bits. */
export function newRecoveryCode(): string {
  let s = '';
  for (let i = 0; i < 10; i++) {
    s += RECOVERY_ALPHABET[randomInt(RECOVERY_ALPHABET.length)];
  }
  return `${s.slice(0, 5)}-${s.slice(5)}`;
}

/** The code as typed, without spaces and dashes, lower-cased; undefined when it cannot be one. */
export function normalizeRecoveryCode(input: string): string | undefined {
  const s = input.replace(/[\s-]/g, '').toLowerCase();
  return /^[a-z0-9]{10}$/.test(s) ? s : undefined;
}

export function hashRecoveryCode(code: string): string {
  return sha256(code.replace(/-/g, ''));
}
