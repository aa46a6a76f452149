import type { Insertable, Kysely, Selectable, Transaction } from 'kysely';
import type { Database, MailSubscriptionsTable } from '../../platform/db/schema.ts';

type Q = Kysely<Database> | Transaction<Database>;

// The SQL of the accounts' addresses for bills (`mail_subscriptions`, the only table that holds
// an address). Every read and write takes the account id, or the unsubscribe token's hash.

export interface Subscription {
  accountId: number;
  email: string;
  subscribed: boolean;
  confirmedAt: number | null;
  /** When a message to the address bounced: nothing is sent to it until it is confirmed again. */
  bouncedAt: number | null;
  /** The receiving server's diagnostic, addresses masked. */
  bounceReason: string | null;
}

const SUB_COLUMNS = [
  'account_id',
  'email',
  'subscribed',
  'confirmed_at',
  'bounced_at',
  'bounce_reason',
] as const;

type SubscriptionRow = Pick<Selectable<MailSubscriptionsTable>, (typeof SUB_COLUMNS)[number]>;

function toSubscription(r: SubscriptionRow): Subscription {
  return {
    accountId: Number(r.account_id),
    email: r.email,
    subscribed: Number(r.subscribed) === 1,
    confirmedAt: r.confirmed_at === null ? null : Number(r.confirmed_at),
    bouncedAt: r.bounced_at === null ? null : Number(r.bounced_at),
    bounceReason: r.bounce_reason,
  };
}

export async function findSubscription(db: Q, accountId: number): Promise<Subscription | undefined> {
  const r = await db
    .selectFrom('mail_subscriptions')
    .select(SUB_COLUMNS)
    .where('account_id', '=', accountId)
    .executeTakeFirst();
  return r && toSubscription(r);
}

export async function subscriptionsOf(db: Q, accountIds: number[]): Promise<Map<number, Subscription>> {
  if (accountIds.length === 0) {
    return new Map();
  }
  const rows = await db
    .selectFrom('mail_subscriptions')
    .select(SUB_COLUMNS)
    .where('account_id', 'in', accountIds)
    .execute();
  return new Map(rows.map((r) => [Number(r.account_id), toSubscription(r)]));
}

export async function findByUnsubscribeHash(db: Q, hash: string): Promise<Subscription | undefined> {
  const r = await db
    .selectFrom('mail_subscriptions')
    .select(SUB_COLUMNS)
    .where('unsubscribe_hash', '=', hash)
    .executeTakeFirst();
  return r && toSubscription(r);
}

/** A new or changed address (or a bounced one given again): stored unconfirmed, not bounced. */
export async function saveNewAddress(
  db: Q,
  s: { accountId: number; email: string; subscribed: boolean; unsubscribeHash: string; now: number },
): Promise<void> {
  const row: Insertable<MailSubscriptionsTable> = {
    account_id: s.accountId,
    email: s.email,
    subscribed: s.subscribed ? 1 : 0,
    confirmed_at: null,
    unsubscribe_hash: s.unsubscribeHash,
    created_at: s.now,
    updated_at: s.now,
  };
  await db
    .insertInto('mail_subscriptions')
    .values(row)
    .onConflict((oc) =>
      oc.column('account_id').doUpdateSet({
        email: row.email,
        subscribed: row.subscribed,
        confirmed_at: null,
        bounced_at: null,
        bounce_reason: null,
        unsubscribe_hash: row.unsubscribe_hash,
        updated_at: row.updated_at,
      }),
    )
    .execute();
}

export async function setSubscribed(
  db: Q,
  accountId: number,
  subscribed: boolean,
  now: number,
): Promise<boolean> {
  const r = await db
    .updateTable('mail_subscriptions')
    .set({ subscribed: subscribed ? 1 : 0, updated_at: now })
    .where('account_id', '=', accountId)
    .where('subscribed', '=', subscribed ? 0 : 1)
    .executeTakeFirst();
  return Number(r.numUpdatedRows) === 1;
}

export async function deleteSubscription(db: Q, accountId: number): Promise<boolean> {
  const r = await db.deleteFrom('mail_subscriptions').where('account_id', '=', accountId).executeTakeFirst();
  return Number(r.numDeletedRows) === 1;
}

/** Marks the address confirmed (and deliverable again) if it is still the account's address. */
export async function markConfirmed(db: Q, accountId: number, email: string, now: number): Promise<boolean> {
  const r = await db
    .updateTable('mail_subscriptions')
    .set({ confirmed_at: now, bounced_at: null, bounce_reason: null, updated_at: now })
    .where('account_id', '=', accountId)
    .where('email', '=', email)
    .executeTakeFirst();
  return Number(r.numUpdatedRows) === 1;
}

/**
 * Marks the account's address undeliverable after a bounce of a message sent to `email`, unless
 * the address changed since, is already marked, or was confirmed (again) after `sentAt`: the
 * owner's confirmation is newer than the message that bounced. Returns whether it was marked.
 */
export async function markUndeliverable(
  db: Q,
  b: { accountId: number; email: string; reason: string; now: number; sentAt: number | null },
): Promise<boolean> {
  let q = db
    .updateTable('mail_subscriptions')
    .set({ bounced_at: b.now, bounce_reason: b.reason.slice(0, 500), updated_at: b.now })
    .where('account_id', '=', b.accountId)
    .where('email', '=', b.email)
    .where('bounced_at', 'is', null)
    .where('confirmed_at', 'is not', null);
  if (b.sentAt !== null) {
    q = q.where('confirmed_at', '<=', b.sentAt);
  }
  const r = await q.executeTakeFirst();
  return Number(r.numUpdatedRows) === 1;
}

export type RemovedReason = 'deleted' | 'replaced' | 'bounced';

/**
 * Records that the account gave up an address (`mail_removed_addresses`, its keyed hash only), so
 * that the accounts import's address is never offered back. Again for the same address: the
 * latest reason.
 */
export async function recordRemovedAddress(
  db: Q,
  r: { accountId: number; emailHash: string; reason: RemovedReason; now: number },
): Promise<void> {
  await db
    .insertInto('mail_removed_addresses')
    .values({ account_id: r.accountId, email_hash: r.emailHash, reason: r.reason, removed_at: r.now })
    .onConflict((oc) =>
      oc.columns(['account_id', 'email_hash']).doUpdateSet({ reason: r.reason, removed_at: r.now }),
    )
    .execute();
}

/** Whether the account gave up the address with this keyed hash. */
export async function wasRemoved(db: Q, accountId: number, emailHash: string): Promise<boolean> {
  const r = await db
    .selectFrom('mail_removed_addresses')
    .select('reason')
    .where('account_id', '=', accountId)
    .where('email_hash', '=', emailHash)
    .executeTakeFirst();
  return r !== undefined;
}
