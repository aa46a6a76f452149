import { randomBytes } from 'node:crypto';

/** What a token may do: read everything its profile sees, and submit readings. */
export type ApiScope = 'read' | 'readings:write';

/** Every token starts with this, so that a leaked one is easy to recognise (secret scanners). */
export const TOKEN_PREFIX = 'lk_';
/** `lk_` and 32 random bytes in base64url (43 characters): 256 bits. */
export const TOKEN_PATTERN = /^lk_[A-Za-z0-9_-]{43}$/;

/** A new token: shown once to its maker; only its SHA-256 is stored. */
export function newApiToken(): string {
  return TOKEN_PREFIX + randomBytes(32).toString('base64url');
}

/** Scopes as stored (comma-separated) → the set; unknown words are dropped. */
export function parseScopes(stored: string): Set<ApiScope> {
  const out = new Set<ApiScope>();
  for (const s of stored.split(',')) {
    if (s === 'read' || s === 'readings:write') {
      out.add(s);
    }
  }
  return out;
}
