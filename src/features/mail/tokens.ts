import { createHash, createHmac, randomBytes } from 'node:crypto';

/**
 * The secrets in e-mail links. Confirmation links carry 256 random bits, stored only as SHA-256.
 * Unsubscribe links carry an HMAC of (account, address) under the database's key: a worker can
 * compute it for every message without storing it, it dies with a change of address, and only its
 * SHA-256 is stored (to find the subscription by it).
 */

/** Both kinds of token are 32 bytes in base64url. */
export const TOKEN_PATTERN = '^[A-Za-z0-9_-]{43}$';
const TOKEN_RE = new RegExp(TOKEN_PATTERN);

export function isToken(s: string): boolean {
  return TOKEN_RE.test(s);
}

export function newConfirmToken(): string {
  return randomBytes(32).toString('base64url');
}

export function sha256Hex(s: string): string {
  return createHash('sha256').update(s).digest('hex');
}

export function unsubscribeToken(key: string, accountId: number, email: string): string {
  return createHmac('sha256', key).update(`unsubscribe\n${accountId}\n${email}`).digest('base64url');
}

/** A keyed hash of an address: counts confirmation e-mails per address without keeping the address. */
export function emailHash(key: string, email: string): string {
  return createHmac('sha256', key).update(`address\n${email}`).digest('hex');
}
