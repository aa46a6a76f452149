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
}

const SUB_COLUMNS = ['account_id', 'email', 'subscribed', 'confirmed_at'] as const;

type SubscriptionRow = Pick<Selectable<MailSubscriptionsTable>, (typeof SUB_COLUMNS)[number]>;

function toSubscription(r: SubscriptionRow): Subscription {
  return {
    accountId: Number(r.account_id),
    email: r.email,
    subscribed: Number(r.subscribed) === 1,
    confirmedAt: r.confirmed_at === null ? null : Number(r.confirmed_at),
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

/** A new or changed address: stored unconfirmed. */
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

/** Marks the address confirmed if it is still the account's address. */
export async function markConfirmed(db: Q, accountId: number, email: string, now: number): Promise<boolean> {
  const r = await db
    .updateTable('mail_subscriptions')
    .set({ confirmed_at: now, updated_at: now })
    .where('account_id', '=', accountId)
    .where('email', '=', email)
    .executeTakeFirst();
  return Number(r.numUpdatedRows) === 1;
}
