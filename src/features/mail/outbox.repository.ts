import { sql, type Kysely, type Selectable, type Transaction, type Updateable } from 'kysely';
import type { Database, MailOutboxTable } from '../../platform/db/schema.ts';
import type { Dialect } from '../../platform/db/connect.ts';

type Q = Kysely<Database> | Transaction<Database>;

// The SQL of the outbox (`mail_outbox`) as a queue: adding rows, and the worker's side — claiming
// due rows under a lease, renewing it, recording the outcome, giving rows back. Back office only:
// the worker and the CLI, never reachable from a route.

const bigint = (n: number) => sql<number>`cast(${n} as bigint)`;

/** A queued message's outbox columns after its account id, as a select list. */
export function queuedRow(period: string, kind: OutboxKind, now: number) {
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

/**
 * Queues one message to the account's confirmed, subscribed address (none without one): a new
 * row, or the row of the same (account, period, kind) queued again when it is finished (sent,
 * failed, cancelled or bounced: a bill sent again on request, a later review decision). A row still queued
 * or being sent is left as it is. Returns whether a row was queued.
 */
export async function queueOne(
  db: Q,
  m: { accountId: number; period: string; kind: 'bill' | 'review'; now: number },
): Promise<boolean> {
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
    .expression(
      db
        .selectFrom('mail_subscriptions as s')
        .select(['s.account_id', ...queuedRow(m.period, m.kind, m.now)])
        .where('s.account_id', '=', m.accountId)
        .where('s.subscribed', '=', 1)
        .where('s.confirmed_at', 'is not', null)
        .where('s.bounced_at', 'is', null),
    )
    .onConflict((oc) =>
      oc
        .columns(['account_id', 'period', 'kind'])
        .doUpdateSet({
          status: 'queued',
          attempts: 0,
          next_attempt_at: bigint(m.now),
          lease_owner: null,
          lease_expires_at: null,
          last_error: null,
          sent_at: null,
          updated_at: bigint(m.now),
        })
        .where('mail_outbox.status', 'in', ['sent', 'failed', 'cancelled', 'bounced']),
    )
    .executeTakeFirst();
  return Number(r.numInsertedOrUpdatedRows ?? 0) > 0;
}

/** Inserts what `source` selects (an account id, then queuedRow) into the outbox; returns how many rows were new. */
export async function queue(
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

export interface ClaimedMessage {
  id: number;
  accountId: number;
  period: string;
  kind: OutboxKind;
  attempts: number;
}

/** A bill, a readings reminder, or the outcome of the account's held readings of a period. */
export type OutboxKind = 'bill' | 'reminder' | 'review';

function kindOf(s: string): OutboxKind {
  return s === 'reminder' || s === 'review' ? s : 'bill';
}

type ClaimedRow = Pick<Selectable<MailOutboxTable>, 'id' | 'account_id' | 'period' | 'kind' | 'attempts'>;

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
  const res = await sql<ClaimedRow>`
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
      kind: kindOf(r.kind),
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

export type Finish = (
  | { status: 'sent' }
  | { status: 'queued'; nextAttemptAt: number; error: string }
  | { status: 'failed'; error: string }
  | { status: 'bounced'; error: string }
  | { status: 'cancelled'; error: string }
) & {
  /** The Message-ID the message was sent with, when a send was tried. */
  messageId?: string;
};

/** Records the outcome of a send; only the worker holding the lease can. */
export async function finish(db: Q, id: number, owner: string, now: number, f: Finish): Promise<boolean> {
  const outcome: Updateable<MailOutboxTable> = {
    status: f.status,
    lease_owner: null,
    lease_expires_at: null,
    updated_at: now,
    ...(f.status === 'sent' ? { sent_at: now, last_error: null } : { last_error: f.error.slice(0, 500) }),
    ...(f.status === 'queued' ? { next_attempt_at: f.nextAttemptAt } : {}),
    ...(f.messageId !== undefined ? { message_id: f.messageId } : {}),
  };
  const r = await db
    .updateTable('mail_outbox')
    .set(outcome)
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

/**
 * The unfinished messages by status ('queued', 'sending') and the bounced ones, for the metrics:
 * partial indexes hold them.
 */
export async function countUnfinishedByStatus(db: Q): Promise<Map<string, number>> {
  const rows = await db
    .selectFrom('mail_outbox')
    .select((eb) => ['status', eb.fn.countAll<number>().as('n')])
    .where('status', 'in', ['queued', 'sending', 'bounced'])
    .groupBy('status')
    .execute();
  return new Map(rows.map((r) => [r.status, Number(r.n)]));
}

/** The state of one message in the outbox, or undefined when none was ever queued. */
export async function messageStatus(
  db: Q,
  m: { accountId: number; period: string; kind: OutboxKind },
): Promise<string | undefined> {
  const r = await db
    .selectFrom('mail_outbox')
    .select('status')
    .where('account_id', '=', m.accountId)
    .where('period', '=', m.period)
    .where('kind', '=', m.kind)
    .executeTakeFirst();
  return r?.status;
}

/** A message of the account in the outbox: the delivery log of its bills and reminders. */
export interface OutboxEntry {
  period: string;
  kind: string;
  status: string;
  attempts: number;
  lastError: string | null;
  createdAt: number;
  sentAt: number | null;
}

/** The account's newest messages, newest first (the back office's account card). */
export async function outboxOf(db: Q, accountId: number, limit: number): Promise<OutboxEntry[]> {
  const rows = await db
    .selectFrom('mail_outbox')
    .select(['period', 'kind', 'status', 'attempts', 'last_error', 'created_at', 'sent_at'])
    .where('account_id', '=', accountId)
    .orderBy('period', 'desc')
    .orderBy('id', 'desc')
    .limit(limit)
    .execute();
  return rows.map((r) => ({
    period: r.period,
    kind: r.kind,
    status: r.status,
    attempts: Number(r.attempts),
    lastError: r.last_error,
    createdAt: Number(r.created_at),
    sentAt: r.sent_at === null ? null : Number(r.sent_at),
  }));
}

/** A sent message, as a delivery status notification about it is matched to it. */
export interface SentMessage {
  id: number;
  accountId: number;
  kind: OutboxKind;
  period: string;
  status: string;
  sentAt: number | null;
  messageId: string | null;
}

const SENT_COLUMNS = ['id', 'account_id', 'kind', 'period', 'status', 'sent_at', 'message_id'] as const;

function toSentMessage(r: Pick<Selectable<MailOutboxTable>, (typeof SENT_COLUMNS)[number]>): SentMessage {
  return {
    id: Number(r.id),
    accountId: Number(r.account_id),
    kind: kindOf(r.kind),
    period: r.period,
    status: r.status,
    sentAt: r.sent_at === null ? null : Number(r.sent_at),
    messageId: r.message_id,
  };
}

/** The message sent with this Message-ID ('<…@…>'). */
export async function findByMessageId(db: Q, messageId: string): Promise<SentMessage | undefined> {
  const r = await db
    .selectFrom('mail_outbox')
    .select(SENT_COLUMNS)
    .where('message_id', '=', messageId)
    .executeTakeFirst();
  return r && toSentMessage(r);
}

/** The message with this id (a Message-ID sent before they were stored names it). */
export async function findById(db: Q, id: number): Promise<SentMessage | undefined> {
  const r = await db.selectFrom('mail_outbox').select(SENT_COLUMNS).where('id', '=', id).executeTakeFirst();
  return r && toSentMessage(r);
}

/** A sent message refused later by the recipient's server (a DSN): bounced, with the diagnostic. */
export async function markSentBounced(db: Q, id: number, error: string, now: number): Promise<boolean> {
  const r = await db
    .updateTable('mail_outbox')
    .set({ status: 'bounced', last_error: error.slice(0, 500), updated_at: now })
    .where('id', '=', id)
    .where('status', '=', 'sent')
    .executeTakeFirst();
  return Number(r.numUpdatedRows) === 1;
}
