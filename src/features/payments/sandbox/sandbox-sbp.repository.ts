import type { Kysely, Selectable } from 'kysely';
import type { Database, SandboxSbpQrsTable } from '../../../platform/db/schema.ts';

// The sandbox bank's SBP orders. The bank's side of the sandbox, not the portal's: the portal's
// code never reads this table (it asks the bank through the gateway, as it would a real one).
// Every change of a QR's status is one conditional UPDATE, so that two processes (the bank app's
// "pay" on one, the expiry seen by another) cannot both win.

export type SandboxQrStatus = 'STARTED' | 'CONFIRMED' | 'REJECTED' | 'REJECTED_BY_USER';

export interface SandboxQr {
  qrId: string;
  mdOrder: string;
  orderNumber: string;
  amountKop: number;
  currency: number;
  returnUrl: string;
  failUrl: string;
  callbackUrl: string;
  status: SandboxQrStatus;
  rejectReason: 'timeout' | 'merchant' | null;
  authRefNum: string | null;
  paidAt: number | null;
  createdAt: number;
  expiresAt: number;
}

function toQr(r: Selectable<SandboxSbpQrsTable>): SandboxQr {
  return {
    qrId: r.qr_id,
    mdOrder: r.md_order,
    orderNumber: r.order_number,
    amountKop: Number(r.amount_kop),
    currency: Number(r.currency),
    returnUrl: r.return_url,
    failUrl: r.fail_url,
    callbackUrl: r.callback_url,
    status: r.status as SandboxQrStatus,
    rejectReason: r.reject_reason as SandboxQr['rejectReason'],
    authRefNum: r.auth_ref_num,
    paidAt: r.paid_at === null ? null : Number(r.paid_at),
    createdAt: Number(r.created_at),
    expiresAt: Number(r.expires_at),
  };
}

export async function insertQr(db: Kysely<Database>, q: SandboxQr): Promise<void> {
  await db
    .insertInto('sandbox_sbp_qrs')
    .values({
      qr_id: q.qrId,
      md_order: q.mdOrder,
      order_number: q.orderNumber,
      amount_kop: q.amountKop,
      currency: q.currency,
      return_url: q.returnUrl,
      fail_url: q.failUrl,
      callback_url: q.callbackUrl,
      status: q.status,
      reject_reason: q.rejectReason,
      auth_ref_num: q.authRefNum,
      paid_at: q.paidAt,
      created_at: q.createdAt,
      expires_at: q.expiresAt,
    })
    .execute();
}

export async function findByOrder(db: Kysely<Database>, mdOrder: string): Promise<SandboxQr | undefined> {
  const r = await db
    .selectFrom('sandbox_sbp_qrs')
    .selectAll()
    .where('md_order', '=', mdOrder)
    .executeTakeFirst();
  return r && toQr(r);
}

export async function findByQr(db: Kysely<Database>, qrId: string): Promise<SandboxQr | undefined> {
  const r = await db.selectFrom('sandbox_sbp_qrs').selectAll().where('qr_id', '=', qrId).executeTakeFirst();
  return r && toQr(r);
}

/** STARTED → CONFIRMED while the QR lives; true for the one request that paid it. */
export async function markPaid(
  db: Kysely<Database>,
  qrId: string,
  p: { now: number; authRefNum: string },
): Promise<boolean> {
  const res = await db
    .updateTable('sandbox_sbp_qrs')
    .set({ status: 'CONFIRMED', paid_at: p.now, auth_ref_num: p.authRefNum })
    .where('qr_id', '=', qrId)
    .where('status', '=', 'STARTED')
    .where('expires_at', '>', p.now)
    .executeTakeFirst();
  return Number(res.numUpdatedRows) === 1;
}

/** STARTED → REJECTED (timeout, merchant) or REJECTED_BY_USER; true for the one request that did it. */
export async function markRejected(
  db: Kysely<Database>,
  qrId: string,
  status: 'REJECTED' | 'REJECTED_BY_USER',
  reason: 'timeout' | 'merchant' | null,
): Promise<boolean> {
  const res = await db
    .updateTable('sandbox_sbp_qrs')
    .set({ status, reject_reason: reason })
    .where('qr_id', '=', qrId)
    .where('status', '=', 'STARTED')
    .executeTakeFirst();
  return Number(res.numUpdatedRows) === 1;
}
