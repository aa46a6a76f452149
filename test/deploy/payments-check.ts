import type { TestContext } from 'node:test';
import assert from 'node:assert/strict';
import type { ReconcileSummary } from '../../src/features/payments/payments.settle.ts';
import type { Db } from '../../src/platform/db/connect.ts';
import type { customerJourney } from './journey.ts';

// The card payments of the deploy end-to-end test (deploy-e2e.test.ts), checked against nginx's
// log and the database once the load is over.

/** One line of nginx's upstream log (render.ts): which portal answered which request. */
export interface UpstreamEntry {
  at: number;
  client?: string;
  upstream?: string;
  status?: string;
  request?: string;
  id?: string;
}

/** The card orders, their credits and the bank's own orders, as stored. */
async function cardState(db: Db) {
  const k = db.kysely;
  const orders = await k
    .selectFrom('payment_orders')
    .select(['bank_order_id', 'order_number', 'status', 'amount_kop', 'payment_id'])
    .where('method', '=', 'card')
    .execute();
  const payments = await k
    .selectFrom('payments')
    .select(['id', 'external_id', 'amount_kop'])
    .where('channel', '=', 'card')
    .execute();
  const bank = (await k.selectFrom('sandbox_orders').select(['order_id', 'data']).execute()).map((r) => {
    const o = JSON.parse(r.data) as { status: number; amountKop: number };
    return { id: r.order_id, status: o.status, amountKop: o.amountKop };
  });
  return { orders, payments, bank };
}

/**
 * The card payments of the load: each the customer saw paid is credited once, with its sum; nginx
 * sent steps of payments to both portals; and after the reconciliation (a third process, as the
 * timer runs it) every order the bank deposited is credited exactly once and nothing else is.
 */
export async function checkPayments(
  t: TestContext,
  c: {
    db: Db;
    journey: ReturnType<typeof customerJourney>;
    log: UpstreamEntry[];
    portals: [string, string];
    stoppedAt: number;
    reconcile: () => Promise<ReconcileSummary>;
  },
): Promise<void> {
  const byId = new Map(c.log.filter((e) => e.id).map((e) => [e.id!, e]));
  /** The portal that answered a request (the last one nginx tried). */
  const portalOf = (id: string | undefined) => (id ? byId.get(id)?.upstream?.split(', ').at(-1) : undefined);
  const made = c.journey.payments;
  assert.ok(made.length > 0, 'customers registered card orders');
  for (const p of made) {
    assert.ok(byId.has(p.started), `nginx logged the order ${p.bankOrderId}'s request ${p.started}`);
  }
  const finished = made.filter((p) => p.paid && p.returned);
  const crossed = finished.filter(
    (p) => new Set([portalOf(p.started), portalOf(p.paid), portalOf(p.returned)]).size > 1,
  );
  const [first, second] = c.portals;
  const acrossRestart = finished.filter(
    (p) =>
      portalOf(p.started) === first &&
      byId.get(p.started)!.at < c.stoppedAt &&
      [p.paid, p.returned].some((id) => portalOf(id) === second && byId.get(id!)!.at > c.stoppedAt),
  );
  t.diagnostic(
    `${made.length} card orders (${made.filter((p) => p.card === '3ds').length} with 3-D Secure), ` +
      `${finished.length} paid and returned, ${crossed.length} of them on both portals, ` +
      `${acrossRestart.length} started on portal 1 before its SIGTERM and finished on portal 2 after it`,
  );
  assert.ok(crossed.length > 0, 'some payments were started on one portal and finished on the other');

  // Each payment the customer saw paid is paid and credited once, with its sum.
  const before = await cardState(c.db);
  const orderOf = new Map(before.orders.map((o) => [o.bank_order_id, o]));
  const creditOf = new Map(before.payments.map((p) => [p.external_id, p]));
  for (const p of made.filter((m) => m.shownPaid)) {
    const o = orderOf.get(p.bankOrderId);
    assert.equal(o?.status, 'paid', `order ${p.bankOrderId} shown as paid`);
    assert.equal(o.order_number, p.orderNumber);
    assert.equal(Number(o.amount_kop), p.amountKop);
    const credit = creditOf.get(`card:${p.bankOrderId}`);
    assert.equal(Number(credit?.amount_kop), p.amountKop, `order ${p.bankOrderId} credited with its sum`);
    assert.equal(Number(o.payment_id), Number(credit!.id));
  }

  const summary = await c.reconcile();
  const after = await cardState(c.db);
  const deposited = after.bank.filter((b) => b.status === 2);
  const paid = after.orders.filter((o) => o.status === 'paid');
  t.diagnostic(
    `before the reconciliation ${before.payments.length} card payments credited; it checked ` +
      `${summary.checked} orders (${JSON.stringify(summary.results)}); the bank deposited ${deposited.length}`,
  );
  // Which step credited each payment: the bank's notification, the customer's return, the reconciliation.
  const bySource: Record<string, number> = {};
  for (const r of await c.db.kysely
    .selectFrom('audit_log')
    .select('details')
    .where('event', '=', 'payment')
    .where('outcome', '=', 'paid')
    .execute()) {
    const source = String((JSON.parse(r.details ?? '{}') as { source?: string }).source);
    bySource[source] = (bySource[source] ?? 0) + 1;
  }
  t.diagnostic(`credited by ${JSON.stringify(bySource)}`);
  const sorted = (xs: Array<string | null>) => xs.map(String).sort();
  // Every order the bank deposited is paid, and nothing else is; one credit each, of its sum.
  assert.deepEqual(
    sorted(paid.map((o) => o.bank_order_id)),
    sorted(deposited.map((b) => b.id)),
    'the paid orders are the ones the bank deposited',
  );
  assert.deepEqual(
    sorted(after.payments.map((p) => p.external_id)),
    sorted(deposited.map((b) => `card:${b.id}`)),
    'one card payment per deposited order',
  );
  const amountOf = new Map(deposited.map((b) => [`card:${b.id}`, b.amountKop]));
  for (const p of after.payments) {
    assert.equal(Number(p.amount_kop), amountOf.get(p.external_id!), `${p.external_id} credited its sum`);
  }
  // The reconciliation credited only what had not been credited; the earlier credits are unchanged.
  assert.equal(after.payments.length - before.payments.length, summary.results.paid ?? 0);
  const ids = new Set(after.payments.map((p) => Number(p.id)));
  assert.ok(before.payments.every((p) => ids.has(Number(p.id))));
  // Every card in the load pays: no order may have been declined, failed or found not to match.
  assert.deepEqual(
    [...new Set(after.orders.map((o) => o.status))].filter((s) => s !== 'paid' && s !== 'registered'),
    [],
  );
}
