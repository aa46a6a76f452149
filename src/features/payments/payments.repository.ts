import { sql, type Kysely, type Selectable, type Transaction } from 'kysely';
import type { Database, PaymentOrdersTable } from '../../platform/db/schema.ts';
import { PAYMENT_CHANNEL_TITLES } from './payment-titles.ts';

type Q = Kysely<Database> | Transaction<Database>;

// Customer queries take the customer's account id and filter by it. The bank's side (callbacks,
// reconciliation) finds orders by the bank's order id, never from a customer's request.

export type PaymentMethod = 'card' | 'sbp';

export type OrderStatus =
  'new' | 'registered' | 'paid' | 'declined' | 'expired' | 'failed' | 'mismatch' | 'reversed';

export interface OrderReading {
  meterId: number;
  values: number[];
  key: string;
  status: 'pending' | 'stored' | 'refused';
  readingId: number | null;
}

export interface PaymentOrder {
  id: number;
  orderNumber: string;
  bankOrderId: string | null;
  accountId: number;
  accountNumber: string;
  formKey: string;
  gateway: string;
  amountKop: number;
  currency: number;
  status: OrderStatus;
  statusReason: string | null;
  formUrl: string | null;
  clientIp: string | null;
  reading: OrderReading | null;
  paymentId: number | null;
  method: PaymentMethod;
  /** An 'sbp' order's QR code: the bank's id and the address it encodes. */
  qr: { id: string; payload: string } | null;
  /** When the payment was credited (its `payments` row made), ms; null until it is. */
  creditedAt: number | null;
  paidOn: string | null;
  paidAt: number | null;
  authRefNum: string | null;
  approvalCode: string | null;
  attempts: number;
  createdAt: number;
  expiresAt: number;
}

type Row = Selectable<PaymentOrdersTable> & { account_number: string; credited_at: number | string | null };

function toOrder(r: Row): PaymentOrder {
  let reading: OrderReading | null = null;
  if (r.reading_status && r.reading_values && r.reading_meter_id !== null && r.reading_key) {
    reading = {
      meterId: Number(r.reading_meter_id),
      values: (JSON.parse(r.reading_values) as number[]).map(Number),
      key: r.reading_key,
      status: r.reading_status as OrderReading['status'],
      readingId: r.reading_id === null ? null : Number(r.reading_id),
    };
  }
  return {
    id: Number(r.id),
    orderNumber: r.order_number,
    bankOrderId: r.bank_order_id,
    accountId: Number(r.account_id),
    accountNumber: r.account_number,
    formKey: r.form_key,
    gateway: r.gateway,
    amountKop: Number(r.amount_kop),
    currency: Number(r.currency),
    status: r.status as OrderStatus,
    statusReason: r.status_reason,
    formUrl: r.form_url,
    clientIp: r.client_ip,
    reading,
    paymentId: r.payment_id === null ? null : Number(r.payment_id),
    creditedAt: r.credited_at === null ? null : Number(r.credited_at),
    method: r.method === 'sbp' ? 'sbp' : 'card',
    qr: r.qr_id && r.qr_payload ? { id: r.qr_id, payload: r.qr_payload } : null,
    paidOn: r.paid_on,
    paidAt: r.paid_at === null ? null : Number(r.paid_at),
    authRefNum: r.auth_ref_num,
    approvalCode: r.approval_code,
    attempts: Number(r.attempts),
    createdAt: Number(r.created_at),
    expiresAt: Number(r.expires_at),
  };
}

function orders(db: Q) {
  return db
    .selectFrom('payment_orders')
    .innerJoin('accounts', 'accounts.id', 'payment_orders.account_id')
    .leftJoin('payments', 'payments.id', 'payment_orders.payment_id')
    .selectAll('payment_orders')
    .select(['accounts.number as account_number', 'payments.created_at as credited_at']);
}

export async function findForCustomer(
  db: Q,
  accountId: number,
  orderNumber: string,
): Promise<PaymentOrder | undefined> {
  const r = await orders(db)
    .where('payment_orders.account_id', '=', accountId)
    .where('payment_orders.order_number', '=', orderNumber)
    .executeTakeFirst();
  return r && toOrder(r);
}

export async function findForCustomerByBankId(
  db: Q,
  accountId: number,
  bankOrderId: string,
): Promise<PaymentOrder | undefined> {
  const r = await orders(db)
    .where('payment_orders.account_id', '=', accountId)
    .where('payment_orders.bank_order_id', '=', bankOrderId)
    .executeTakeFirst();
  return r && toOrder(r);
}

export async function findByFormKey(
  db: Q,
  accountId: number,
  formKey: string,
): Promise<PaymentOrder | undefined> {
  const r = await orders(db)
    .where('payment_orders.account_id', '=', accountId)
    .where('payment_orders.form_key', '=', formKey)
    .executeTakeFirst();
  return r && toOrder(r);
}

/** The bank's side: a notification names the bank's order id. */
export async function findByBankId(db: Q, bankOrderId: string): Promise<PaymentOrder | undefined> {
  const r = await orders(db).where('payment_orders.bank_order_id', '=', bankOrderId).executeTakeFirst();
  return r && toOrder(r);
}

export async function findById(db: Q, id: number): Promise<PaymentOrder | undefined> {
  const r = await orders(db).where('payment_orders.id', '=', id).executeTakeFirst();
  return r && toOrder(r);
}

export interface Payer {
  number: string;
  payeeName: string;
  inn: string;
}

export async function findPayer(db: Q, accountId: number): Promise<Payer | undefined> {
  const r = await db
    .selectFrom('accounts')
    .innerJoin('branches', 'branches.id', 'accounts.branch_id')
    .select(['accounts.number', 'branches.payee_name', 'branches.inn'])
    .where('accounts.id', '=', accountId)
    .executeTakeFirst();
  return r && { number: r.number, payeeName: r.payee_name, inn: r.inn };
}

export interface NewOrder {
  method: PaymentMethod;
  orderNumber: string;
  accountId: number;
  formKey: string;
  gateway: string;
  amountKop: number;
  description: string;
  clientIp: string;
  reading: { meterId: number; values: number[]; key: string } | null;
  receipt: string;
  now: number;
  expiresAt: number;
}

export async function insertOrder(db: Q, o: NewOrder): Promise<number> {
  const row = await db
    .insertInto('payment_orders')
    .values({
      method: o.method,
      order_number: o.orderNumber,
      bank_order_id: null,
      account_id: o.accountId,
      form_key: o.formKey,
      gateway: o.gateway,
      amount_kop: o.amountKop,
      status: 'new',
      status_reason: null,
      description: o.description,
      form_url: null,
      client_ip: o.clientIp,
      reading_meter_id: o.reading?.meterId ?? null,
      reading_values: o.reading ? JSON.stringify(o.reading.values) : null,
      reading_key: o.reading?.key ?? null,
      reading_status: o.reading ? 'pending' : null,
      reading_id: null,
      receipt: o.receipt,
      payment_id: null,
      paid_on: null,
      paid_at: null,
      auth_ref_num: null,
      approval_code: null,
      last_checked_at: null,
      created_at: o.now,
      updated_at: o.now,
      expires_at: o.expiresAt,
    })
    .returning('id')
    .executeTakeFirstOrThrow();
  return Number(row.id);
}

/** The bank took the order: its id, where the customer pays (its card page, or our QR page). */
export async function markRegistered(
  db: Q,
  id: number,
  bankOrderId: string,
  formUrl: string,
  now: number,
  qr: { id: string; payload: string } | null = null,
): Promise<boolean> {
  const res = await db
    .updateTable('payment_orders')
    .set({
      status: 'registered',
      bank_order_id: bankOrderId,
      form_url: formUrl,
      qr_id: qr?.id ?? null,
      qr_payload: qr?.payload ?? null,
      updated_at: now,
    })
    .where('id', '=', id)
    .where('status', '=', 'new')
    .executeTakeFirst();
  return Number(res.numUpdatedRows) === 1;
}

/** Moves an order to `status` if it is in one of `from`; true when this call changed it. */
export async function changeStatus(
  db: Q,
  id: number,
  from: OrderStatus[],
  status: OrderStatus,
  reason: string | null,
  now: number,
): Promise<boolean> {
  const res = await db
    .updateTable('payment_orders')
    .set({ status, status_reason: reason, updated_at: now })
    .where('id', '=', id)
    .where('status', 'in', from)
    .executeTakeFirst();
  return Number(res.numUpdatedRows) === 1;
}

export async function noteChecked(db: Q, id: number, now: number): Promise<void> {
  await db
    .updateTable('payment_orders')
    .set((eb) => ({ attempts: eb('attempts', '+', 1), last_checked_at: now }))
    .where('id', '=', id)
    .execute();
}

/**
 * The first half of crediting, inside the caller's transaction: marks the order paid if nobody
 * has. On PostgreSQL a concurrent transaction waits on the row and then sees 'paid'; SQLite runs
 * one write transaction at a time. True when this transaction is the one that credits.
 */
export async function markPaid(
  tx: Q,
  id: number,
  from: OrderStatus[],
  p: { paidOn: string; paidAt: number; authRefNum: string | null; approvalCode: string | null; now: number },
): Promise<boolean> {
  const res = await tx
    .updateTable('payment_orders')
    .set({
      status: 'paid',
      status_reason: null,
      paid_on: p.paidOn,
      paid_at: p.paidAt,
      auth_ref_num: p.authRefNum,
      approval_code: p.approvalCode,
      updated_at: p.now,
    })
    .where('id', '=', id)
    .where('status', 'in', from)
    .executeTakeFirst();
  return Number(res.numUpdatedRows) === 1;
}

/** The payment in the customer's history; `externalId` is unique, so a second credit cannot exist. */
export async function insertPayment(
  tx: Q,
  p: {
    accountId: number;
    paidOn: string;
    amountKop: number;
    externalId: string;
    channel: PaymentMethod;
    now: number;
  },
): Promise<number> {
  const row = await tx
    .insertInto('payments')
    .values({
      account_id: p.accountId,
      paid_on: p.paidOn,
      amount_kop: p.amountKop,
      channel: p.channel,
      external_id: p.externalId,
      created_at: p.now,
    })
    .returning('id')
    .executeTakeFirstOrThrow();
  return Number(row.id);
}

export async function linkPayment(tx: Q, id: number, paymentId: number): Promise<void> {
  await tx.updateTable('payment_orders').set({ payment_id: paymentId }).where('id', '=', id).execute();
}

export async function setReadingResult(
  db: Q,
  id: number,
  status: 'stored' | 'refused',
  readingId: number | null,
  now: number,
): Promise<boolean> {
  const res = await db
    .updateTable('payment_orders')
    .set({ reading_status: status, reading_id: readingId, updated_at: now })
    .where('id', '=', id)
    .where('reading_status', '=', 'pending')
    .executeTakeFirst();
  return Number(res.numUpdatedRows) === 1;
}

/** Orders waiting for the bank, the least recently checked first. */
export async function listRegistered(db: Q, limit: number): Promise<PaymentOrder[]> {
  const rows = await orders(db)
    .where('payment_orders.status', '=', 'registered')
    // Never-checked orders first on both databases (their NULL ordering differs).
    .orderBy((eb) => eb.fn.coalesce('payment_orders.last_checked_at', sql.lit(0)))
    .orderBy('payment_orders.id')
    .limit(limit)
    .execute();
  return rows.map(toOrder);
}

/** Orders whose registration never finished (the process stopped between the insert and the bank's answer). */
export async function listStaleNew(db: Q, createdBefore: number, limit: number): Promise<PaymentOrder[]> {
  const rows = await orders(db)
    .where('payment_orders.status', '=', 'new')
    .where('payment_orders.created_at', '<', createdBefore)
    .orderBy('payment_orders.id')
    .limit(limit)
    .execute();
  return rows.map(toOrder);
}

export async function listPaidWithPendingReading(db: Q, limit: number): Promise<PaymentOrder[]> {
  const rows = await orders(db)
    .where('payment_orders.status', '=', 'paid')
    .where('payment_orders.reading_status', '=', 'pending')
    .orderBy('payment_orders.id')
    .limit(limit)
    .execute();
  return rows.map(toOrder);
}

/** A payment as the customer's history shows it. */
export interface PaymentItem {
  paidOn: string;
  amountKop: number;
  channel: string;
  /** Who took the money («Сбербанк», «Банковская карта»): the registry's source, else the channel's name. */
  source?: string;
}

/**
 * The account's payments from `fromDate` on, newest first: every channel (bank, post, card, …);
 * at most `limit` of them when given.
 */
export async function listPayments(
  db: Q,
  accountId: number,
  fromDate: string,
  limit?: number,
): Promise<PaymentItem[]> {
  let q = db
    .selectFrom('payments')
    .select(['paid_on', 'amount_kop', 'channel', 'source'])
    .where('account_id', '=', accountId)
    .where('paid_on', '>=', fromDate)
    .orderBy('paid_on', 'desc')
    .orderBy('id', 'desc');
  if (limit !== undefined) {
    q = q.limit(limit);
  }
  const rows = await q.execute();
  return rows.map((r) => ({
    paidOn: r.paid_on,
    amountKop: Number(r.amount_kop),
    channel: r.channel,
    source: r.source ?? PAYMENT_CHANNEL_TITLES[r.channel] ?? r.channel,
  }));
}

/** What the account paid after `afterDate` (a date), in kopecks. */
export async function sumPaymentsAfter(db: Q, accountId: number, afterDate: string): Promise<number> {
  const r = await db
    .selectFrom('payments')
    .select((eb) => eb.fn.sum<number>('amount_kop').as('total'))
    .where('account_id', '=', accountId)
    .where('paid_on', '>', afterDate)
    .executeTakeFirst();
  return Number(r?.total ?? 0);
}

/** The orders by method and status, for the metrics (payment_orders_status holds the statuses). */
export async function countOrdersByStatus(
  db: Q,
): Promise<Array<{ method: string; status: string; count: number }>> {
  const rows = await db
    .selectFrom('payment_orders')
    .select((eb) => ['method', 'status', eb.fn.countAll<number>().as('n')])
    .groupBy(['method', 'status'])
    .execute();
  return rows.map((r) => ({ method: r.method, status: r.status, count: Number(r.n) }));
}
