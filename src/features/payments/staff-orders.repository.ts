import type { Kysely, Transaction } from 'kysely';
import type { Database } from '../../platform/db/schema.ts';

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

/** An order not settled yet ('new' or 'registered'), with its account (the accountant's payments page). */
export interface PendingOrderRow {
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

/** The orders not settled yet, oldest first (index payment_orders_status), and how many there are. */
export async function pendingOrders(
  db: Q,
  limit: number,
): Promise<{ rows: PendingOrderRow[]; total: number }> {
  const [rows, count] = await Promise.all([
    db
      .selectFrom('payment_orders as o')
      .innerJoin('accounts as a', 'a.id', 'o.account_id')
      .select([
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
      .where('o.status', 'in', PENDING)
      .orderBy('o.created_at')
      .orderBy('o.id')
      .limit(limit)
      .execute(),
    db
      .selectFrom('payment_orders')
      .select((eb) => eb.fn.countAll<number | string>().as('n'))
      .where('status', 'in', PENDING)
      .executeTakeFirstOrThrow(),
  ]);
  return {
    total: Number(count.n),
    rows: rows.map((r) => ({
      orderNumber: r.order_number,
      accountId: Number(r.account_id),
      accountNumber: r.number,
      method: r.method,
      amountKop: Number(r.amount_kop),
      status: r.status,
      createdAt: Number(r.created_at),
      attempts: Number(r.attempts),
      lastCheckedAt: r.last_checked_at === null ? null : Number(r.last_checked_at),
    })),
  };
}
