import type { Kysely } from 'kysely';
import type { Database } from '../../../platform/db/schema.ts';
import type { RbsOrderStatus } from '../gateway.ts';

// The sandbox bank's card orders, shared by every portal process. The bank's side of the sandbox,
// not the portal's: the portal's code never reads this table. Each change is one UPDATE on the
// version read, so that of two processes moving one order only one wins.

/** A card order as the sandbox bank keeps it (stored as JSON in `data`). */
export interface SandboxOrder {
  orderId: string;
  orderNumber: string;
  amountKop: number;
  currency: number;
  description: string;
  returnUrl: string;
  failUrl: string;
  callbackUrl: string;
  createdAt: number;
  expiresAt: number;
  status: RbsOrderStatus;
  actionCode: number;
  actionCodeDescription: string;
  attemptsUsed: number;
  maskedPan: string | null;
  authDateTime: number | null;
  authRefNum: string | null;
  approvalCode: string | null;
}

export interface StoredOrder {
  order: SandboxOrder;
  version: number;
}

export async function insertOrder(db: Kysely<Database>, o: SandboxOrder): Promise<boolean> {
  const res = await db
    .insertInto('sandbox_orders')
    .values({
      order_id: o.orderId,
      order_number: o.orderNumber,
      data: JSON.stringify(o),
      version: 1,
      expires_at: o.expiresAt,
    })
    .onConflict((oc) => oc.column('order_number').doNothing())
    .returning('order_id')
    .executeTakeFirst();
  return res !== undefined;
}

export async function findOrder(db: Kysely<Database>, orderId: string): Promise<StoredOrder | undefined> {
  const r = await db
    .selectFrom('sandbox_orders')
    .select(['data', 'version'])
    .where('order_id', '=', orderId)
    .executeTakeFirst();
  return r && { order: JSON.parse(r.data) as SandboxOrder, version: Number(r.version) };
}

/** Stores the order's new state if nobody changed it since `version` was read. */
export async function replaceOrder(db: Kysely<Database>, o: SandboxOrder, version: number): Promise<boolean> {
  const res = await db
    .updateTable('sandbox_orders')
    .set({ data: JSON.stringify(o), version: version + 1 })
    .where('order_id', '=', o.orderId)
    .where('version', '=', version)
    .executeTakeFirst();
  return Number(res.numUpdatedRows) === 1;
}

/** Takes the order away (to the SBP table) if unchanged since `version`. */
export async function removeOrder(db: Kysely<Database>, orderId: string, version: number): Promise<boolean> {
  const res = await db
    .deleteFrom('sandbox_orders')
    .where('order_id', '=', orderId)
    .where('version', '=', version)
    .executeTakeFirst();
  return Number(res.numDeletedRows) === 1;
}

/** Forgets orders that expired before `before`. */
export async function pruneOrders(db: Kysely<Database>, before: number): Promise<void> {
  await db.deleteFrom('sandbox_orders').where('expires_at', '<', before).execute();
}
