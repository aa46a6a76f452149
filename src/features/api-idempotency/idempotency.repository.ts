import type { Kysely, Transaction } from 'kysely';
import type { Database } from '../../platform/db/schema.ts';

type Q = Kysely<Database> | Transaction<Database>;

// The open API's idempotency keys. Every query names the token: one token never sees, replays or
// blocks another token's keys.

/** A key as stored: what the request was, and its first answer once there is one. */
export interface StoredKey {
  fingerprint: string;
  /** null while the first request is under way. */
  answer: { status: number; body: string } | null;
  createdAt: number;
}

/** Drops the token's keys made before `before` (they have expired). */
export async function deleteExpiredKeys(db: Q, tokenId: number, before: number): Promise<void> {
  await db
    .deleteFrom('api_idempotency_keys')
    .where('token_id', '=', tokenId)
    .where('created_at', '<', before)
    .execute();
}

/** Records the key as under way; false when the token already has it (nothing changed then). */
export async function insertPendingKey(
  db: Q,
  k: { tokenId: number; key: string; fingerprint: string; at: number },
): Promise<boolean> {
  const row = await db
    .insertInto('api_idempotency_keys')
    .values({
      token_id: k.tokenId,
      key: k.key,
      fingerprint: k.fingerprint,
      status_code: null,
      response: null,
      created_at: k.at,
    })
    .onConflict((oc) => oc.columns(['token_id', 'key']).doNothing())
    .returning('token_id')
    .executeTakeFirst();
  return row !== undefined;
}

export async function findKey(db: Q, tokenId: number, key: string): Promise<StoredKey | undefined> {
  const r = await db
    .selectFrom('api_idempotency_keys')
    .select(['fingerprint', 'status_code', 'response', 'created_at'])
    .where('token_id', '=', tokenId)
    .where('key', '=', key)
    .executeTakeFirst();
  return (
    r && {
      fingerprint: r.fingerprint,
      answer:
        r.status_code === null || r.response === null
          ? null
          : { status: Number(r.status_code), body: r.response },
      createdAt: Number(r.created_at),
    }
  );
}

/**
 * Takes over a key whose request was under way since `since` (its process died): true when this
 * caller got it, false when another did or it has an answer by now.
 */
export async function takeOverPendingKey(
  db: Q,
  k: { tokenId: number; key: string; since: number; at: number },
): Promise<boolean> {
  const r = await db
    .updateTable('api_idempotency_keys')
    .set({ created_at: k.at })
    .where('token_id', '=', k.tokenId)
    .where('key', '=', k.key)
    .where('status_code', 'is', null)
    .where('created_at', '=', k.since)
    .executeTakeFirst();
  return Number(r.numUpdatedRows) === 1;
}

/** Stores the first answer of a key. */
export async function completeKey(
  db: Q,
  k: { tokenId: number; key: string; status: number; body: string },
): Promise<void> {
  await db
    .updateTable('api_idempotency_keys')
    .set({ status_code: k.status, response: k.body })
    .where('token_id', '=', k.tokenId)
    .where('key', '=', k.key)
    .execute();
}

/** Forgets a key whose request failed without an answer (a database error): a retry runs it anew. */
export async function deletePendingKey(db: Q, tokenId: number, key: string): Promise<void> {
  await db
    .deleteFrom('api_idempotency_keys')
    .where('token_id', '=', tokenId)
    .where('key', '=', key)
    .where('status_code', 'is', null)
    .execute();
}
