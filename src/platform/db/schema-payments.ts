import type { Generated } from 'kysely';

// Card and СБП orders, and the sandbox bank's own state (features/payments). Part of the one Database interface in schema.ts.

/**
 * A card payment order sent to the bank (src/payments). Never any card data: the card is entered
 * on the bank's page only.
 */
export interface PaymentOrdersTable {
  id: Generated<number>;
  /** Ours, unique; sent to the bank as orderNumber and shown as the transaction number. */
  order_number: string;
  /** The bank's orderId (mdOrder), unique; null until the bank has registered the order. */
  bank_order_id: string | null;
  account_id: number;
  /** The order form's idempotency key: the same form posted twice is one order. */
  form_key: string;
  /** 'sandbox' | 'rbs' */
  gateway: string;
  amount_kop: number;
  /** ISO 4217 numeric: 643 = RUB. */
  currency: Generated<number>;
  /** 'new' | 'registered' | 'paid' | 'declined' | 'expired' | 'failed' | 'mismatch' | 'reversed' */
  status: string;
  status_reason: string | null;
  description: string;
  form_url: string | null;
  client_ip: string | null;
  /** The meter reading sent with the payment (JSON array of register values), stored as a reading once paid. */
  reading_meter_id: number | null;
  reading_values: string | null;
  reading_key: string | null;
  /** null without a reading; 'pending' until stored after the payment; then 'stored' or 'refused'. */
  reading_status: string | null;
  reading_id: number | null;
  /** JSON: what the fiscal receipt (54-FZ) needs — the bank's orderBundle and the supplier's data. */
  receipt: string;
  /** The `payments` row that credited it. */
  payment_id: number | null;
  paid_on: string | null;
  paid_at: number | null;
  auth_ref_num: string | null;
  approval_code: string | null;
  /** Status requests made to the bank for this order. */
  attempts: Generated<number>;
  last_checked_at: number | null;
  created_at: number;
  updated_at: number;
  /** When the bank's payment page closes (created + sessionTimeoutSecs); for СБП, when the QR does. */
  expires_at: number;
  /** 'card' | 'sbp' (a dynamic QR code of the Faster Payments System). */
  method: Generated<string>;
  /** The bank's QR code of an 'sbp' order: its id and the https://qr.nspk.ru/… payload it encodes. */
  qr_id: string | null;
  qr_payload: string | null;
}

/** The sandbox bank's SBP orders (payments/sandbox/): a bank's state, kept here for the sandbox only. */
export interface SandboxSbpQrsTable {
  qr_id: string;
  md_order: string;
  order_number: string;
  amount_kop: number;
  currency: number;
  return_url: string;
  fail_url: string;
  callback_url: string;
  /** 'STARTED' | 'CONFIRMED' | 'REJECTED' | 'REJECTED_BY_USER' */
  status: string;
  /** 'timeout' | 'merchant' for a REJECTED one. */
  reject_reason: string | null;
  auth_ref_num: string | null;
  paid_at: number | null;
  created_at: number;
  expires_at: number;
}

/** The sandbox bank's card orders (payments/sandbox/): a bank's state, kept here for the sandbox only. */
export interface SandboxOrdersTable {
  order_id: string;
  order_number: string;
  /** The order as JSON (sandbox-orders.repository.ts). */
  data: string;
  version: number;
  expires_at: number;
}

/** One run of the card and СБП reconciliation (payments.settle.ts) and what it found. */
export interface PaymentReconcileRunsTable {
  id: Generated<number>;
  /** 'job' (a listening server's periodic run) | 'cli' (`payments-reconcile`). */
  trigger: string;
  started_at: number;
  finished_at: number;
  /** Orders asked about. */
  checked: number;
  /** JSON: the count of each outcome ({"paid":1,"pending":2,…}). */
  results: string;
  failed_registrations: number;
  /** Readings of paid orders stored afterwards. */
  readings: number;
  /** Why the run stopped, when it failed. */
  error: string | null;
}
