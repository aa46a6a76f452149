import { createHash } from 'node:crypto';
import type { Kysely } from 'kysely';
import type { Database } from '../../platform/db/schema.ts';
import * as repo from './idempotency.repository.ts';

/** How long a key is remembered (the IETF draft's examples and Stripe's: a day). */
export const KEY_TTL_MS = 24 * 60 * 60 * 1000;
/**
 * A key under way for longer than this belongs to a request whose process died (a write takes
 * milliseconds): a retry takes it over rather than waiting for a day.
 */
export const PENDING_STALE_MS = 60 * 1000;

/** What the request asked, as one hash: the same key with another request is refused. */
export function fingerprintOf(request: unknown): string {
  return createHash('sha256').update(stableJson(request)).digest('hex');
}

/** JSON with object keys sorted, so that `{a, b}` and `{b, a}` are the same request. */
function stableJson(v: unknown): string {
  if (Array.isArray(v)) {
    return `[${v.map(stableJson).join(',')}]`;
  }
  if (v !== null && typeof v === 'object') {
    const o = v as Record<string, unknown>;
    return `{${Object.keys(o)
      .sort()
      .filter((k) => o[k] !== undefined)
      .map((k) => `${JSON.stringify(k)}:${stableJson(o[k])}`)
      .join(',')}}`;
  }
  return JSON.stringify(v) ?? 'null';
}

export type KeyClaim =
  /** The key is this request's: run it, then `complete` (or `release` on a failure without an answer). */
  | { kind: 'new' }
  /** The key's first request was answered: send that answer again. */
  | { kind: 'replay'; status: number; body: string }
  /** The key was used for another request. */
  | { kind: 'mismatch' }
  /** The key's first request is still under way. */
  | { kind: 'in-progress' };

export interface KeyRef {
  tokenId: number;
  key: string;
}

/**
 * Claims `key` of the token for a request with this fingerprint. Two requests with one key at
 * once: one gets it, the other is told it is under way (its retry then gets the answer).
 */
export async function claimKey(
  db: Kysely<Database>,
  ref: KeyRef & { fingerprint: string },
  now: number,
): Promise<KeyClaim> {
  await repo.deleteExpiredKeys(db, ref.tokenId, now - KEY_TTL_MS);
  if (await repo.insertPendingKey(db, { ...ref, at: now })) {
    return { kind: 'new' };
  }
  const stored = await repo.findKey(db, ref.tokenId, ref.key);
  if (!stored) {
    // Expired and removed between the two statements by a concurrent request: claim it again.
    return (await repo.insertPendingKey(db, { ...ref, at: now })) ? { kind: 'new' } : { kind: 'in-progress' };
  }
  if (stored.fingerprint !== ref.fingerprint) {
    return { kind: 'mismatch' };
  }
  if (stored.answer) {
    return { kind: 'replay', ...stored.answer };
  }
  if (
    stored.createdAt < now - PENDING_STALE_MS &&
    (await repo.takeOverPendingKey(db, { ...ref, since: stored.createdAt, at: now }))
  ) {
    return { kind: 'new' };
  }
  return { kind: 'in-progress' };
}

/** Stores the answer of a claimed key, for its repeats. */
export async function completeKey(
  db: Kysely<Database>,
  ref: KeyRef,
  answer: { status: number; body: string },
): Promise<void> {
  await repo.completeKey(db, { ...ref, ...answer });
}

/** Gives a claimed key up after a failure without an answer, so that a retry runs the request. */
export async function releaseKey(db: Kysely<Database>, ref: KeyRef): Promise<void> {
  await repo.deletePendingKey(db, ref.tokenId, ref.key);
}
