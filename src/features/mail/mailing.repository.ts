import type { Kysely, Transaction } from 'kysely';
import type { Database } from '../../platform/db/schema.ts';
import { countsFor } from './accounts.repository.ts';
import { queue, queuedRow } from './outbox.repository.ts';

type Q = Kysely<Database> | Transaction<Database>;

// The SQL of the back office's mailing: whom a month's bills and reminders go to (queued into the
// outbox), and how far a mailing got. Never reachable from a route.

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
      .where('s.confirmed_at', 'is not', null)
      .where('s.bounced_at', 'is', null),
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
      .where('s.bounced_at', 'is', null)
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

export type OutboxStatus = 'queued' | 'sending' | 'sent' | 'failed' | 'cancelled' | 'bounced';

/** Every status at zero. */
export function noCounts(): Record<OutboxStatus, number> {
  return { queued: 0, sending: 0, sent: 0, failed: 0, cancelled: 0, bounced: 0 };
}

export async function progress(db: Q, period: string, kind: string): Promise<Record<OutboxStatus, number>> {
  const rows = await db
    .selectFrom('mail_outbox')
    .select((eb) => ['status', eb.fn.countAll<number>().as('n')])
    .where('period', '=', period)
    .where('kind', '=', kind)
    .groupBy('status')
    .execute();
  const out = noCounts();
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

/** Each of the latest `limit` periods with messages of `kind`, newest first, with its counts by status. */
export async function periodsWithMail(
  db: Q,
  kind: string,
  limit: number,
): Promise<Array<{ period: string; counts: Record<OutboxStatus, number> }>> {
  // One query: the counts by period and status of the latest periods, not one query per period.
  const rows = await db
    .selectFrom('mail_outbox')
    .select((eb) => ['period', 'status', eb.fn.countAll<number>().as('n')])
    .where('kind', '=', kind)
    .where('period', 'in', (eb) =>
      eb
        .selectFrom('mail_outbox')
        .select('period')
        .distinct()
        .where('kind', '=', kind)
        .orderBy('period', 'desc')
        .limit(limit),
    )
    .groupBy(['period', 'status'])
    .execute();
  const byPeriod = new Map<string, Record<OutboxStatus, number>>();
  for (const r of rows) {
    let counts = byPeriod.get(r.period);
    if (!counts) {
      counts = noCounts();
      byPeriod.set(r.period, counts);
    }
    if (r.status in counts) {
      counts[r.status as OutboxStatus] = Number(r.n);
    }
  }
  return [...byPeriod].sort(([a], [b]) => (a < b ? 1 : -1)).map(([period, counts]) => ({ period, counts }));
}

/**
 * The failed messages of a period back in the queue, due now, with their attempts counted afresh.
 * Bounced ones stay: their address is undeliverable until its owner confirms one again.
 */
export async function requeueFailed(db: Q, period: string, kind: string, now: number): Promise<number> {
  const r = await db
    .updateTable('mail_outbox')
    .set({ status: 'queued', attempts: 0, next_attempt_at: now, updated_at: now })
    .where('period', '=', period)
    .where('kind', '=', kind)
    .where('status', '=', 'failed')
    .executeTakeFirst();
  return Number(r.numUpdatedRows);
}
