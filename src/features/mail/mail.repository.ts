import { sql, type ExpressionBuilder, type Kysely, type Transaction } from 'kysely';
import type { Database } from '../../platform/db/schema.ts';
import type { Dialect } from '../../platform/db/connect.ts';

type Q = Kysely<Database> | Transaction<Database>;

// All SQL of the e-mail feature. Customer-facing reads take the account id and filter by it; the
// outbox functions are the back office's (the worker and the CLI), never reachable from a route.

export async function linkKey(db: Q): Promise<string> {
  const r = await db.selectFrom('mail_keys').select('secret').where('name', '=', 'links').executeTakeFirst();
  if (!r) {
    throw new Error('mail_keys has no "links" key: run the migrations');
  }
  return r.secret;
}

// ---- subscriptions

export interface Subscription {
  accountId: number;
  email: string;
  subscribed: boolean;
  confirmedAt: number | null;
}

interface SubscriptionRow {
  account_id: number;
  email: string;
  subscribed: number;
  confirmed_at: number | null;
}

function toSubscription(r: SubscriptionRow): Subscription {
  return {
    accountId: Number(r.account_id),
    email: r.email,
    subscribed: Number(r.subscribed) === 1,
    confirmedAt: r.confirmed_at === null ? null : Number(r.confirmed_at),
  };
}

const SUB_COLUMNS = ['account_id', 'email', 'subscribed', 'confirmed_at'] as const;

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
  await db
    .insertInto('mail_subscriptions')
    .values({
      account_id: s.accountId,
      email: s.email,
      subscribed: s.subscribed ? 1 : 0,
      confirmed_at: null,
      unsubscribe_hash: s.unsubscribeHash,
      created_at: s.now,
      updated_at: s.now,
    })
    .onConflict((oc) =>
      oc.column('account_id').doUpdateSet({
        email: s.email,
        subscribed: s.subscribed ? 1 : 0,
        confirmed_at: null,
        unsubscribe_hash: s.unsubscribeHash,
        updated_at: s.now,
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

// ---- confirmation links

export async function insertConfirmation(
  db: Q,
  c: { accountId: number; emailHash: string; tokenHash: string; now: number; expiresAt: number },
): Promise<void> {
  await db
    .insertInto('mail_confirmations')
    .values({
      account_id: c.accountId,
      email_hash: c.emailHash,
      token_hash: c.tokenHash,
      created_at: c.now,
      expires_at: c.expiresAt,
      used_at: null,
    })
    .execute();
}

/** When the confirmation e-mails since `since` were sent, oldest first: to the account, and to the address. */
export async function recentConfirmations(
  db: Q,
  q: { accountId: number; emailHash: string; since: number },
): Promise<{ byAccount: number[]; byAddress: number[] }> {
  const [a, e] = await Promise.all([
    db
      .selectFrom('mail_confirmations')
      .select('created_at')
      .where('account_id', '=', q.accountId)
      .where('created_at', '>', q.since)
      .orderBy('created_at')
      .execute(),
    db
      .selectFrom('mail_confirmations')
      .select('created_at')
      .where('email_hash', '=', q.emailHash)
      .where('created_at', '>', q.since)
      .orderBy('created_at')
      .execute(),
  ]);
  return { byAccount: a.map((r) => Number(r.created_at)), byAddress: e.map((r) => Number(r.created_at)) };
}

export interface Confirmation {
  id: number;
  accountId: number;
  emailHash: string;
  expiresAt: number;
  usedAt: number | null;
}

export async function findConfirmation(db: Q, tokenHash: string): Promise<Confirmation | undefined> {
  const r = await db
    .selectFrom('mail_confirmations')
    .select(['id', 'account_id', 'email_hash', 'expires_at', 'used_at'])
    .where('token_hash', '=', tokenHash)
    .executeTakeFirst();
  return (
    r && {
      id: Number(r.id),
      accountId: Number(r.account_id),
      emailHash: r.email_hash,
      expiresAt: Number(r.expires_at),
      usedAt: r.used_at === null ? null : Number(r.used_at),
    }
  );
}

/** Uses a link once: true for the one request that gets it, however many arrive together. */
export async function useConfirmation(db: Q, id: number, now: number): Promise<boolean> {
  const r = await db
    .updateTable('mail_confirmations')
    .set({ used_at: now })
    .where('id', '=', id)
    .where('used_at', 'is', null)
    .where('expires_at', '>', now)
    .executeTakeFirst();
  return Number(r.numUpdatedRows) === 1;
}

/** Other links of the account die when one is used. */
export async function retireConfirmations(db: Q, accountId: number, now: number): Promise<void> {
  await db
    .updateTable('mail_confirmations')
    .set({ used_at: now })
    .where('account_id', '=', accountId)
    .where('used_at', 'is', null)
    .execute();
}

export async function pruneConfirmations(db: Q, before: number): Promise<void> {
  await db.deleteFrom('mail_confirmations').where('created_at', '<', before).execute();
}

// ---- accounts

export async function accountNumber(db: Q, accountId: number): Promise<string | undefined> {
  const r = await db.selectFrom('accounts').select('number').where('id', '=', accountId).executeTakeFirst();
  return r?.number;
}

export async function accountNumbers(db: Q, accountIds: number[]): Promise<Map<number, string>> {
  if (accountIds.length === 0) {
    return new Map();
  }
  const rows = await db
    .selectFrom('accounts')
    .select(['id', 'number'])
    .where('id', 'in', accountIds)
    .execute();
  return new Map(rows.map((r) => [Number(r.id), r.number]));
}

/** The meter in service now, for the reminder's text. */
export async function activeMeter(db: Q, accountId: number): Promise<{ serial: string } | undefined> {
  return db
    .selectFrom('meters')
    .select('serial')
    .where('account_id', '=', accountId)
    .where('removed_on', 'is', null)
    .orderBy('id', 'desc')
    .executeTakeFirst();
}

/** Whether a reading that counts for `period` is in (any channel, not rejected). */
export async function hasReadingFor(
  db: Q,
  accountId: number,
  period: string,
  lastDate: string,
): Promise<boolean> {
  const r = await db
    .selectFrom('readings as r')
    .select('r.id')
    .where('r.account_id', '=', accountId)
    .where(countsFor(period, lastDate))
    .limit(1)
    .executeTakeFirst();
  return r !== undefined;
}

/**
 * The rule for a reading (`readings as r`) that counts for `period`: not rejected, and either
 * assigned to the period or, not yet assigned, dated within it (up to `lastDate`).
 */
function countsFor(period: string, lastDate: string) {
  return (eb: ExpressionBuilder<{ r: Database['readings'] }, 'r'>) =>
    eb.and([
      eb('r.status', '<>', 'rejected'),
      eb.or([
        eb('r.billing_period', '=', period),
        eb.and([
          eb('r.billing_period', 'is', null),
          eb('r.reading_date', '>=', `${period}-01`),
          eb('r.reading_date', '<=', lastDate),
        ]),
      ]),
    ]);
}

// ---- the outbox (back office)

const bigint = (n: number) => sql<number>`cast(${n} as bigint)`;

/** A queued message's outbox columns after its account id, as a select list. */
function queuedRow(period: string, kind: 'bill' | 'reminder', now: number) {
  return [
    sql<string>`cast(${period} as text)`.as('period'),
    sql<string>`cast(${kind} as text)`.as('kind'),
    sql<string>`'queued'`.as('status'),
    sql<number>`0`.as('attempts'),
    bigint(now).as('next_attempt_at'),
    bigint(now).as('created_at'),
    bigint(now).as('updated_at'),
  ] as const;
}

/** Inserts what `source` selects (an account id, then queuedRow) into the outbox; returns how many rows were new. */
async function queue(
  db: Q,
  source: Parameters<ReturnType<Q['insertInto']>['expression']>[0],
): Promise<number> {
  const r = await db
    .insertInto('mail_outbox')
    .columns([
      'account_id',
      'period',
      'kind',
      'status',
      'attempts',
      'next_attempt_at',
      'created_at',
      'updated_at',
    ])
    .expression(source)
    .onConflict((oc) => oc.columns(['account_id', 'period', 'kind']).doNothing())
    .executeTakeFirst();
  return Number(r.numInsertedOrUpdatedRows ?? 0);
}

/** Queues the period's bill for every confirmed, subscribed address with a charge; returns how many were new. */
export async function enqueueBills(db: Q, period: string, now: number): Promise<number> {
  return queue(
    db,
    db
      .selectFrom('mail_subscriptions as s')
      .innerJoin('charges as c', (j) =>
        j.onRef('c.account_id', '=', 's.account_id').on('c.period', '=', period),
      )
      .select(['s.account_id', ...queuedRow(period, 'bill', now)])
      .where('s.subscribed', '=', 1)
      .where('s.confirmed_at', 'is not', null),
  );
}

/**
 * Queues a reminder for every confirmed, subscribed address whose account has a meter in service
 * and no reading yet that counts for `period`; returns how many were new.
 */
export async function enqueueReminders(
  db: Q,
  period: string,
  lastDate: string,
  now: number,
): Promise<number> {
  return queue(
    db,
    db
      .selectFrom('mail_subscriptions as s')
      .select(['s.account_id', ...queuedRow(period, 'reminder', now)])
      .where('s.subscribed', '=', 1)
      .where('s.confirmed_at', 'is not', null)
      .where((eb) =>
        eb.exists(
          eb
            .selectFrom('meters as m')
            .select('m.id')
            .whereRef('m.account_id', '=', 's.account_id')
            .where('m.removed_on', 'is', null),
        ),
      )
      .where((eb) =>
        eb.not(
          eb.exists(
            eb
              .selectFrom('readings as r')
              .select('r.id')
              .whereRef('r.account_id', '=', 's.account_id')
              .where(countsFor(period, lastDate)),
          ),
        ),
      ),
  );
}

export interface ClaimedMessage {
  id: number;
  accountId: number;
  period: string;
  kind: 'bill' | 'reminder';
  attempts: number;
}

/**
 * Takes up to `limit` messages that are due (queued and due, or 'sending' under a lease that ran
 * out: its worker died) and leases them to `owner`. One statement: on PostgreSQL the rows are
 * locked with SKIP LOCKED, so concurrent workers get disjoint sets; SQLite runs one writer at a
 * time, so the UPDATE … WHERE id IN (…) is atomic there.
 */
export async function claim(
  db: Q,
  dialect: Dialect,
  o: { owner: string; now: number; leaseMs: number; limit: number },
): Promise<ClaimedMessage[]> {
  const lock = dialect === 'postgres' ? sql`for update skip locked` : sql``;
  const res = await sql<{ id: number; account_id: number; period: string; kind: string; attempts: number }>`
    update mail_outbox
       set status = 'sending', lease_owner = ${o.owner}, lease_expires_at = ${bigint(o.now + o.leaseMs)},
           attempts = attempts + 1, updated_at = ${bigint(o.now)}
     where id in (
       select id from mail_outbox
        where status in ('queued', 'sending')
          and ((status = 'queued' and next_attempt_at <= ${bigint(o.now)})
            or (status = 'sending' and lease_expires_at <= ${bigint(o.now)}))
        order by id
        limit ${o.limit}
        ${lock})
    returning id, account_id, period, kind, attempts`.execute(db);
  return res.rows
    .map((r) => ({
      id: Number(r.id),
      accountId: Number(r.account_id),
      period: r.period,
      kind: r.kind === 'reminder' ? ('reminder' as const) : ('bill' as const),
      attempts: Number(r.attempts),
    }))
    .sort((a, b) => a.id - b.id);
}

/** Extends the lease of a batch; returns the rows that are still this worker's. */
export async function renewLeases(
  db: Q,
  ids: number[],
  owner: string,
  until: number,
  now: number,
): Promise<Set<number>> {
  if (ids.length === 0) {
    return new Set();
  }
  const rows = await db
    .updateTable('mail_outbox')
    .set({ lease_expires_at: until, updated_at: now })
    .where('id', 'in', ids)
    .where('lease_owner', '=', owner)
    .where('status', '=', 'sending')
    .returning('id')
    .execute();
  return new Set(rows.map((r) => Number(r.id)));
}

type Finish =
  | { status: 'sent' }
  | { status: 'queued'; nextAttemptAt: number; error: string }
  | { status: 'failed'; error: string }
  | { status: 'cancelled'; error: string };

/** Records the outcome of a send; only the worker holding the lease can. */
export async function finish(db: Q, id: number, owner: string, now: number, f: Finish): Promise<boolean> {
  const r = await db
    .updateTable('mail_outbox')
    .set({
      status: f.status,
      lease_owner: null,
      lease_expires_at: null,
      updated_at: now,
      ...(f.status === 'sent' ? { sent_at: now, last_error: null } : { last_error: f.error.slice(0, 500) }),
      ...(f.status === 'queued' ? { next_attempt_at: f.nextAttemptAt } : {}),
    })
    .where('id', '=', id)
    .where('lease_owner', '=', owner)
    .where('status', '=', 'sending')
    .executeTakeFirst();
  return Number(r.numUpdatedRows) === 1;
}

/** Gives back leased messages that were not tried (a worker stopping), without counting an attempt. */
export async function release(db: Q, ids: number[], owner: string, now: number): Promise<void> {
  if (ids.length === 0) {
    return;
  }
  await db
    .updateTable('mail_outbox')
    .set((eb) => ({
      status: 'queued',
      lease_owner: null,
      lease_expires_at: null,
      attempts: eb('attempts', '-', 1),
      updated_at: now,
    }))
    .where('id', 'in', ids)
    .where('lease_owner', '=', owner)
    .where('status', '=', 'sending')
    .execute();
}

/** Messages not finished yet, and the earliest time one of them can be claimed. */
export async function unfinished(db: Q): Promise<{ count: number; nextAt: number | null }> {
  const r = await db
    .selectFrom('mail_outbox')
    .select((eb) => [
      eb.fn.countAll<number>().as('n'),
      eb.fn
        .min<number | null>(
          eb
            .case()
            .when('status', '=', 'queued')
            .then(eb.ref('next_attempt_at'))
            .else(eb.ref('lease_expires_at'))
            .end(),
        )
        .as('next_at'),
    ])
    .where('status', 'in', ['queued', 'sending'])
    .executeTakeFirstOrThrow();
  return { count: Number(r.n), nextAt: r.next_at === null ? null : Number(r.next_at) };
}

export type OutboxStatus = 'queued' | 'sending' | 'sent' | 'failed' | 'cancelled';

export async function progress(db: Q, period: string, kind: string): Promise<Record<OutboxStatus, number>> {
  const rows = await db
    .selectFrom('mail_outbox')
    .select((eb) => ['status', eb.fn.countAll<number>().as('n')])
    .where('period', '=', period)
    .where('kind', '=', kind)
    .groupBy('status')
    .execute();
  const out: Record<OutboxStatus, number> = { queued: 0, sending: 0, sent: 0, failed: 0, cancelled: 0 };
  for (const r of rows) {
    if (r.status in out) {
      out[r.status as OutboxStatus] = Number(r.n);
    }
  }
  return out;
}

export async function recentErrors(
  db: Q,
  period: string,
  kind: string,
  limit: number,
): Promise<Array<{ account: string; error: string }>> {
  const rows = await db
    .selectFrom('mail_outbox as o')
    .innerJoin('accounts as a', 'a.id', 'o.account_id')
    .select(['a.number', 'o.last_error'])
    .where('o.period', '=', period)
    .where('o.kind', '=', kind)
    .where('o.status', '=', 'failed')
    .orderBy('o.updated_at', 'desc')
    .limit(limit)
    .execute();
  return rows.map((r) => ({ account: r.number, error: r.last_error ?? '' }));
}

export async function latestOutboxPeriod(db: Q, kind: string): Promise<string | undefined> {
  const r = await db
    .selectFrom('mail_outbox')
    .select((eb) => eb.fn.max('period').as('p'))
    .where('kind', '=', kind)
    .executeTakeFirst();
  return r?.p ?? undefined;
}
