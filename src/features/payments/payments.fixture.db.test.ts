// The setup the sandbox bank's payment tests share (payments-form, payments-sandbox and
// payments-access.db.test.ts): a test app with the demo account, a logged-in customer, the order
// form, the bank's card page and the way back, and the rows to check. It defines no tests; its
// name ends in .db.test.ts so that, like the tests, it stays out of the build and the import rules.
import { before, after } from 'node:test';
import assert from 'node:assert/strict';
import { Agent, createTestApp, textOf, type TestApp } from '../../../test/helpers.ts';
import type { Dialect } from '../../platform/db/connect.ts';
import { DEMO_ACCOUNT } from '../../tools/demo/demo-account.ts';

export const keyOf = (html: string) => /name="key" value="([^"]+)"/.exec(html)![1]!;
export const meterOf = (html: string) => /name="meter" value="(\d+)"/.exec(html)?.[1] ?? '';
export const amountError = (html: string) => /id="payment-amount-error"[^>]*>([^<]*)</.exec(html)?.[1];
export const pathOf = (url: string) => {
  const u = new URL(url, 'http://localhost:3000');
  return u.pathname + u.search;
};

/**
 * A fresh test app for the enclosing describe() (made before its tests, closed after them) and the
 * steps of a card payment through the sandbox bank. `t` and `demoId` are set once the app is made.
 */
export function sandboxFixture(dialect: Dialect) {
  let t: TestApp;
  let demoId: number;
  before(async () => {
    t = await createTestApp(dialect);
    demoId = Number(
      (
        await t.db.kysely
          .selectFrom('accounts')
          .select('id')
          .where('number', '=', DEMO_ACCOUNT.number)
          .executeTakeFirstOrThrow()
      ).id,
    );
  });
  after(async () => t.close());

  async function customer(
    account: string = DEMO_ACCOUNT.number,
    surname: string = DEMO_ACCOUNT.surname,
    ip = '10.50.0.1',
  ) {
    const agent = new Agent(t.app, ip);
    assert.equal((await agent.login(account, surname)).statusCode, 303);
    return agent;
  }
  /** Posts the order form; `form` is the form page (a fresh one by default). */
  async function order(agent: Agent, fields: Record<string, string>, form?: string) {
    const page = form ?? (await agent.get('/cabinet/payment')).body;
    return agent.post('/cabinet/payment', { key: keyOf(page), ...fields });
  }
  /** Orders `amount` and opens the sandbox bank's page; returns the bank's order id. */
  async function toBank(agent: Agent, amount = '980', extra: Record<string, string> = {}) {
    const res = await order(agent, { amount, ...extra });
    assert.equal(res.statusCode, 303, textOf(res.body).slice(0, 300));
    const location = String(res.headers.location);
    assert.match(location, /^http:\/\/localhost:3000\/sandbox-bank\/pay\?mdOrder=[0-9a-f-]{36}$/);
    const page = await agent.get(pathOf(location));
    assert.equal(page.statusCode, 200);
    return { mdOrder: new URL(location).searchParams.get('mdOrder')!, page };
  }
  const pay = (agent: Agent, mdOrder: string, pan: string, cvc = '123', expiry = '12/30') =>
    agent.post('/sandbox-bank/pay', { mdOrder, pan, expiry, cvc });
  /** Follows the bank's redirect back to the portal and on to the result page. */
  async function backToPortal(
    agent: Agent,
    bankAnswer: { statusCode: number; headers: Record<string, unknown> },
  ) {
    assert.equal(bankAnswer.statusCode, 303);
    await t.app.payments.sandbox!.idle();
    const ret = await agent.get(pathOf(String(bankAnswer.headers.location)));
    assert.equal(ret.statusCode, 303);
    const resultUrl = String(ret.headers.location);
    return { resultUrl, result: await agent.get(resultUrl) };
  }
  const orders = async () =>
    Number(
      (
        await t.db.kysely
          .selectFrom('payment_orders')
          .select((eb) => eb.fn.countAll<number>().as('n'))
          .executeTakeFirstOrThrow()
      ).n,
    );
  const cardPayments = (accountId = demoId) =>
    t.db.kysely
      .selectFrom('payments')
      .select(['amount_kop', 'paid_on', 'external_id'])
      .where('account_id', '=', accountId)
      .where('channel', '=', 'card')
      .execute();
  const orderRow = (mdOrder: string) =>
    t.db.kysely
      .selectFrom('payment_orders')
      .selectAll()
      .where('bank_order_id', '=', mdOrder)
      .executeTakeFirstOrThrow();

  return {
    get t() {
      return t;
    },
    get demoId() {
      return demoId;
    },
    customer,
    order,
    toBank,
    pay,
    backToPortal,
    orders,
    cardPayments,
    orderRow,
  };
}
