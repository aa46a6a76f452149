import type { Kysely, Transaction } from 'kysely';
import type { Database } from '../../platform/db/schema.ts';
import type { Cursor, ListPage } from '../../platform/db/paging.ts';

type Q = Kysely<Database> | Transaction<Database>;

// The account's card and СБП orders as the back office's account card shows them.

/** A card or СБП order of the account with the bank's state (the back office's account card). */
export interface StaffOrderRow {
  orderNumber: string;
  method: string;
  amountKop: number;
  status: string;
  statusReason: string | null;
  createdAt: number;
  paidOn: string | null;
  attempts: number;
  lastCheckedAt: number | null;
}

/** The account's newest payment orders, newest first. */
export async function ordersOf(db: Q, accountId: number, limit: number): Promise<StaffOrderRow[]> {
  const rows = await db
    .selectFrom('payment_orders')
    .select([
      'order_number',
      'method',
      'amount_kop',
      'status',
      'status_reason',
      'created_at',
      'paid_on',
      'attempts',
      'last_checked_at',
    ])
    .where('account_id', '=', accountId)
    .orderBy('created_at', 'desc')
    .limit(limit)
    .execute();
  return rows.map((r) => ({
    orderNumber: r.order_number,
    method: r.method,
    amountKop: Number(r.amount_kop),
    status: r.status,
    statusReason: r.status_reason,
    createdAt: Number(r.created_at),
    paidOn: r.paid_on,
    attempts: Number(r.attempts),
    lastCheckedAt: r.last_checked_at === null ? null : Number(r.last_checked_at),
  }));
}

/** The order of the pending orders' list: oldest first, the id breaking ties. */
export interface OrderKey {
  createdAt: number;
  id: number;
}

/** An order not settled yet ('new' or 'registered'), with its account (the accountant's payments page). */
export interface PendingOrderRow {
  id: number;
  orderNumber: string;
  accountId: number;
  accountNumber: string;
  method: string;
  amountKop: number;
  status: string;
  createdAt: number;
  attempts: number;
  lastCheckedAt: number | null;
}

const PENDING = ['new', 'registered'];

/**
 * A page of `limit` orders not settled yet, oldest first, from `at` (index payment_orders_status),
 * with how many come before it and how many there are.
 */
export async function pendingOrders(
  db: Q,
  limit: number,
  at: Cursor<OrderKey> = undefined,
): Promise<ListPage<PendingOrderRow>> {
  const backwards = at !== undefined && 'before' in at;
  const key = at === undefined ? undefined : 'after' in at ? at.after : at.before;
  let q = db
    .selectFrom('payment_orders as o')
    .innerJoin('accounts as a', 'a.id', 'o.account_id')
    .select([
      'o.id',
      'o.order_number',
      'o.account_id',
      'a.number',
      'o.method',
      'o.amount_kop',
      'o.status',
      'o.created_at',
      'o.attempts',
      'o.last_checked_at',
    ])
    .where('o.status', 'in', PENDING);
  if (key) {
    const op = backwards ? '<' : '>';
    q = q.where((eb) =>
      eb.or([
        eb('o.created_at', op, key.createdAt),
        eb.and([eb('o.created_at', '=', key.createdAt), eb('o.id', op, key.id)]),
      ]),
    );
  }
  const dir = backwards ? 'desc' : 'asc';
  const [found, total] = await Promise.all([
    q.orderBy('o.created_at', dir).orderBy('o.id', dir).limit(limit).execute(),
    countPending(db),
  ]);
  const rows = (backwards ? found.reverse() : found).map((r) => ({
    id: Number(r.id),
    orderNumber: r.order_number,
    accountId: Number(r.account_id),
    accountNumber: r.number,
    method: r.method,
    amountKop: Number(r.amount_kop),
    status: r.status,
    createdAt: Number(r.created_at),
    attempts: Number(r.attempts),
    lastCheckedAt: r.last_checked_at === null ? null : Number(r.last_checked_at),
  }));
  const first = rows[0];
  // Past the end (the rows after the key are gone): every row comes before.
  const skipped = first ? await countPending(db, first) : backwards ? 0 : total;
  return { rows, skipped, total };
}

/** How many orders are pending in all, or before `key`. */
async function countPending(db: Q, key?: OrderKey): Promise<number> {
  let q = db
    .selectFrom('payment_orders')
    .select((eb) => eb.fn.countAll<number | string>().as('n'))
    .where('status', 'in', PENDING);
  if (key) {
    q = q.where((eb) =>
      eb.or([
        eb('created_at', '<', key.createdAt),
        eb.and([eb('created_at', '=', key.createdAt), eb('id', '<', key.id)]),
      ]),
    );
  }
  const r = await q.executeTakeFirstOrThrow();
  return Number(r.n);
}
