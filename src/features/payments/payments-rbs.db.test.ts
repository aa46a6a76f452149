// Card payments through a bank's RBS gateway: the portal's RBS client against an emulator of the
// protocol (real HTTP on 127.0.0.1, real checksums), on SQLite and PostgreSQL.
import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import {
  Agent,
  createTestApp,
  testConfig,
  testDialects,
  textOf,
  type TestApp,
  testLogging,
} from '../../../test/helpers.ts';
import { cliEnvFor, reopenDb } from '../../../test/db.ts';
import { buildApp } from '../../app/app.ts';
import { DEMO_ACCOUNT } from '../../tools/demo/demo-account.ts';
import { RbsEmulator } from '../../../test/payments-emulator.ts';
import { portalArgs } from '../../../test/portal-process.ts';

const keyOf = (html: string) => /name="key" value="([^"]+)"/.exec(html)![1]!;

for (const dialect of await testDialects()) {
  describe(`card payments through an RBS bank (${dialect})`, () => {
    let t: TestApp;
    let emu: RbsEmulator;
    let demoId: number;
    before(async () => {
      emu = new RbsEmulator();
      await emu.start();
      t = await createTestApp(dialect, { env: rbsEnv() });
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
    after(async () => {
      await t.close();
      await emu.stop();
    });
    const rbsEnv = () => ({
      PAYMENT_GATEWAY: 'rbs',
      RBS_URL: emu.url,
      RBS_USERNAME: emu.userName,
      RBS_PASSWORD: emu.password,
      RBS_CALLBACK_KEY: emu.callbackKey,
      // Long enough for 13 calls at once on a loaded 2-core CI machine (400 ms was not: the
      // "exactly once" race then got 503s); the timeout test's bank waits longer still.
      RBS_TIMEOUT_MS: '2000',
    });

    async function customer(ip = '10.60.0.1') {
      const agent = new Agent(t.app, ip);
      assert.equal((await agent.login(DEMO_ACCOUNT.number, DEMO_ACCOUNT.surname)).statusCode, 303);
      return agent;
    }
    /** Fills the order form; returns the response and the bank's order id it was registered under. */
    async function order(agent: Agent, amount = '980') {
      const form = await agent.get('/cabinet/payment');
      const res = await agent.post('/cabinet/payment', { key: keyOf(form.body), amount });
      const orderId = /mdOrder=([0-9a-f-]+)/.exec(String(res.headers.location))?.[1] ?? '';
      return { res, orderId };
    }
    const callback = (params: Record<string, string>) =>
      t.app.inject({
        method: 'GET',
        url: `/payments/callback?${new URLSearchParams(params).toString()}`,
        remoteAddress: '192.0.2.10',
      });
    const cardPayments = async () =>
      t.db.kysely
        .selectFrom('payments')
        .select(['amount_kop', 'external_id', 'paid_on'])
        .where('account_id', '=', demoId)
        .where('channel', '=', 'card')
        .execute();
    const orderRow = (orderId: string) =>
      t.db.kysely
        .selectFrom('payment_orders')
        .selectAll()
        .where('bank_order_id', '=', orderId)
        .executeTakeFirstOrThrow();
    const audit = (outcome: string) =>
      t.db.kysely
        .selectFrom('audit_log')
        .select(['event', 'outcome', 'details', 'account_number', 'ip'])
        .where('outcome', '=', outcome)
        .execute();

    test('registration: register.do gets the order, 20 minutes and the receipt; the customer goes to the bank, which the CSP allows', async () => {
      const agent = await customer();
      const { res, orderId } = await order(agent, '980,50');
      assert.equal(res.statusCode, 303);
      assert.match(
        String(res.headers.location),
        new RegExp(`^${emu.origin}/payment/merchants/test/payment_ru\\.html\\?mdOrder=`),
      );
      const call = emu.calls.filter((c) => c.method === 'register.do').at(-1)!;
      const p = call.params;
      assert.equal(p.amount, '98050');
      assert.equal(p.currency, '643');
      assert.equal(p.sessionTimeoutSecs, '1200');
      assert.equal(p.userName, emu.userName);
      assert.equal(p.returnUrl, 'http://localhost:3000/cabinet/payment/return');
      assert.equal(p.dynamicCallbackUrl, 'http://localhost:3000/payments/callback');
      assert.match(p.orderNumber!, /^LK\d{6}-[A-Z2-9]{8}$/);
      const bundle = JSON.parse(p.orderBundle!) as {
        cartItems: { items: Array<{ itemAmount: number; tax: { taxType: number } }> };
      };
      assert.equal(bundle.cartItems.items[0]!.itemAmount, 98050);
      assert.equal(bundle.cartItems.items[0]!.tax.taxType, 6);
      const row = await orderRow(orderId);
      assert.equal(row.status, 'registered');
      assert.equal(Number(row.amount_kop), 98050);
      assert.equal(row.order_number, p.orderNumber);
      const receipt = JSON.parse(row.receipt) as {
        law: string;
        supplier: { inn: string };
        orderBundle: unknown;
      };
      assert.equal(receipt.law, '54-FZ');
      assert.ok(receipt.supplier.inn.length >= 10, 'the supplier INN is kept for the receipt');
      assert.equal((await audit('registered')).length >= 1, true);
      const csp = String((await agent.get('/cabinet/payment')).headers['content-security-policy']);
      assert.match(csp, new RegExp(`form-action 'self' ${emu.origin.replace(/\./g, '\\.')}`));
    });

    test('success: the notification is confirmed with getOrderStatusExtended.do, then credited once with the bank date', async () => {
      const agent = await customer();
      const { orderId } = await order(agent);
      emu.pay(orderId, { at: Date.parse('2026-06-10T06:00:00Z') });
      const before = emu.calls.length;
      const res = await callback(emu.callback(orderId, 'deposited', '1'));
      assert.equal(res.statusCode, 200);
      assert.ok(
        emu.calls
          .slice(before)
          .some((c) => c.method === 'getOrderStatusExtended.do' && c.params.orderId === orderId),
      );
      const pays = (await cardPayments()).filter((x) => x.external_id === `card:${orderId}`);
      assert.equal(pays.length, 1);
      assert.equal(Number(pays[0]!.amount_kop), 98000);
      assert.equal(pays[0]!.paid_on, '2026-06-10');
      const row = await orderRow(orderId);
      assert.equal(row.status, 'paid');
      assert.equal(row.auth_ref_num, '111222333444');
      // The customer comes back: the result page, and the check.
      const back = await agent.get(`/cabinet/payment/return?orderId=${orderId}&lang=ru`);
      assert.equal(back.statusCode, 303);
      const page = await agent.get(String(back.headers.location));
      assert.match(textOf(page.body), /Оплата прошла\. Платёж сразу зачислен/);
      assert.equal((await agent.get(`${String(back.headers.location)}/check.png`)).statusCode, 200);
      const paid = (await audit('paid')).find((a) => (a.details ?? '').includes(orderId))!;
      assert.equal(paid.account_number, DEMO_ACCOUNT.number);
      assert.equal(paid.ip, '192.0.2.10');
    });

    test('decline: the order is declined, nothing is credited, the customer reads why', async () => {
      const agent = await customer();
      const { orderId } = await order(agent);
      emu.decline(orderId);
      assert.equal((await callback(emu.callback(orderId, 'deposited', '0'))).statusCode, 200);
      assert.equal((await orderRow(orderId)).status, 'declined');
      assert.equal((await cardPayments()).filter((x) => x.external_id === `card:${orderId}`).length, 0);
      const back = await agent.get(`/cabinet/payment/return?orderId=${orderId}`);
      const page = await agent.get(String(back.headers.location));
      assert.match(textOf(page.body), /Платёж не выполнен: банк отклонил операцию/);
      assert.doesNotMatch(textOf(page.body), /Оплата прошла/);
      assert.equal(
        (await agent.get(`${String(back.headers.location)}/check.png`)).statusCode,
        404,
        'no check without a payment',
      );
    });

    test('timeout: a bank that does not answer register.do in time — the form says so, the order is failed', async () => {
      const agent = await customer();
      emu.delayMs = 2500;
      try {
        const { res } = await order(agent, '700');
        assert.equal(res.statusCode, 503);
        assert.match(textOf(res.body), /Банк сейчас не отвечает, деньги не списаны/);
        assert.match(res.body, /value="700"/, 'the sum is kept');
      } finally {
        emu.delayMs = 0;
      }
      const failed = await t.db.kysely
        .selectFrom('payment_orders')
        .select(['status', 'status_reason'])
        .where('amount_kop', '=', 70000)
        .execute();
      assert.deepEqual(failed, [{ status: 'failed', status_reason: 'register:timeout' }]);
      assert.equal((await audit('register_failed')).length, 1);
    });

    test('timeout: the bank declines an order by timeout (declinedByTimeout): it expires', async () => {
      const agent = await customer();
      const { orderId } = await order(agent);
      emu.timeOut(orderId);
      assert.equal((await callback(emu.callback(orderId, 'declinedByTimeout', '1'))).statusCode, 200);
      const row = await orderRow(orderId);
      assert.equal(row.status, 'expired');
      assert.equal(row.status_reason, 'bank_timeout');
    });

    test('a refused registration (bank error code) is shown on the form', async () => {
      const agent = await customer();
      emu.refuseNextRegister = { errorCode: '5', errorMessage: 'Доступ запрещён' };
      const { res } = await order(agent, '650');
      assert.equal(res.statusCode, 503);
      assert.match(textOf(res.body), /Банк не принял заказ на оплату, деньги не списаны/);
    });

    test('bad checksum: refused with 400 and audited, even for a paid order; upper or lower case hex both verify', async () => {
      const agent = await customer();
      const { orderId } = await order(agent);
      emu.pay(orderId);
      const forged = emu.callback(orderId, 'deposited', '1', 'not-the-merchant-key');
      assert.equal((await callback(forged)).statusCode, 400);
      const tampered = { ...emu.callback(orderId, 'deposited', '1'), status: '0' };
      assert.equal((await callback(tampered)).statusCode, 400);
      const missing = emu.callback(orderId, 'deposited', '1');
      delete missing.checksum;
      assert.equal((await callback(missing)).statusCode, 400);
      assert.equal((await cardPayments()).filter((x) => x.external_id === `card:${orderId}`).length, 0);
      assert.equal((await orderRow(orderId)).status, 'registered');
      assert.ok((await audit('bad_checksum')).length >= 3);
      const lower = emu.callback(orderId, 'deposited', '1');
      lower.checksum = lower.checksum!.toLowerCase();
      assert.equal((await callback(lower)).statusCode, 200);
      assert.equal((await orderRow(orderId)).status, 'paid');
    });

    test('amount mismatch: the bank reports another amount — not credited, flagged and audited', async () => {
      const agent = await customer();
      const { orderId } = await order(agent);
      emu.pay(orderId, { reportedAmount: 98 });
      assert.equal((await callback(emu.callback(orderId, 'deposited', '1'))).statusCode, 200);
      const row = await orderRow(orderId);
      assert.equal(row.status, 'mismatch');
      assert.equal(row.status_reason, 'amount_mismatch');
      assert.equal((await cardPayments()).filter((x) => x.external_id === `card:${orderId}`).length, 0);
      const a = (await audit('mismatch')).find((x) => (x.details ?? '').includes(orderId))!;
      assert.match(a.details!, /"bankAmountKop":98/);
      const back = await agent.get(`/cabinet/payment/return?orderId=${orderId}`);
      assert.match(textOf((await agent.get(String(back.headers.location))).body), /не совпали с заказом/);
    });

    test('unknown order: a correctly signed notification for an order we never made credits nothing (404)', async () => {
      const params = emu.callback('0b9e3e3c-1111-4222-8333-944455556666', 'deposited', '1');
      const res = await callback(params);
      assert.equal(res.statusCode, 404);
      assert.equal((await audit('unknown_order')).length, 1);
      // Our order's id with another order number is no better.
      const agent = await customer();
      const { orderId } = await order(agent);
      emu.pay(orderId);
      const other = emu.callback(orderId, 'deposited', '1');
      other.orderNumber = 'LK000000-AAAAAAAA';
      const data = Object.keys(other)
        .filter((k) => k !== 'checksum')
        .sort()
        .map((k) => `${k};${other[k]};`)
        .join('');
      const { createHmac } = await import('node:crypto');
      other.checksum = createHmac('sha256', emu.callbackKey).update(data).digest('hex');
      assert.equal((await callback(other)).statusCode, 404);
      assert.equal((await orderRow(orderId)).status, 'registered');
    });

    test("audit: CR/LF in a notification's parameters is stored escaped, so it cannot forge a line (row 13)", async () => {
      const forged = '\r\n2026-01-01T00:00:00Z payment_callback outcome=ok\n';
      const res = await callback({
        mdOrder: 'crlf-test',
        operation: `deposited${forged}`,
        status: '1',
        checksum: 'x',
      });
      assert.equal(res.statusCode, 400);
      const row = (await audit('bad_checksum')).find((x) => (x.details ?? '').includes('crlf-test'));
      assert.ok(row, 'the refused notification is audited');
      assert.doesNotMatch(row.details!, /[\r\n]/);
      assert.equal(
        (JSON.parse(row.details!) as { operation: string }).operation,
        `deposited${forged}`.slice(0, 40),
      );
    });

    test('the success URL without a confirmed payment credits nothing (row 15)', async () => {
      const agent = await customer();
      const { orderId } = await order(agent);
      const back = await agent.get(`/cabinet/payment/return?orderId=${orderId}&lang=ru`);
      assert.equal(back.statusCode, 303);
      const page = textOf((await agent.get(String(back.headers.location))).body);
      assert.match(page, /Банк ещё не подтвердил платёж/);
      assert.equal((await orderRow(orderId)).status, 'registered');
      assert.equal((await cardPayments()).filter((x) => x.external_id === `card:${orderId}`).length, 0);
    });

    test('exactly once: the same notification 10× at once + the browser return + the poller → one payment row', async () => {
      const agent = await customer();
      const { orderId } = await order(agent, '1234,56');
      emu.pay(orderId);
      const params = emu.callback(orderId, 'deposited', '1');
      emu.delayMs = 15; // a bank that takes a moment widens the race
      try {
        const results = await Promise.all([
          ...Array.from({ length: 10 }, () => callback(params)),
          agent.get(`/cabinet/payment/return?orderId=${orderId}&lang=ru`),
          t.app.payments.reconcile(),
          t.app.payments.reconcile(),
        ]);
        const statuses = results.slice(0, 10).map((r) => (r as { statusCode: number }).statusCode);
        assert.deepEqual(statuses, Array(10).fill(200));
      } finally {
        emu.delayMs = 0;
      }
      const pays = (await cardPayments()).filter((x) => x.external_id === `card:${orderId}`);
      assert.equal(pays.length, 1);
      assert.equal(Number(pays[0]!.amount_kop), 123456);
      const paidEvents = (await audit('paid')).filter((a) => (a.details ?? '').includes(orderId));
      assert.equal(paidEvents.length, 1, 'one audit event for the one credit');
    });

    test('reconciliation: with notifications lost, the poller credits paid orders and expires abandoned ones (row 17)', async () => {
      const agent = await customer();
      const paid = await order(agent, '111');
      const abandoned = await order(agent, '222');
      const waiting = await order(agent, '333');
      emu.pay(paid.orderId);
      // The bank stays unreachable for one run: nothing changes, the orders are retried next time.
      emu.statusDown = true;
      const down = await t.app.payments.reconcile();
      emu.statusDown = false;
      assert.ok((down.results.unavailable ?? 0) >= 3);
      assert.equal((await orderRow(paid.orderId)).status, 'registered');

      const first = await t.app.payments.reconcile();
      assert.ok((first.results.paid ?? 0) >= 1);
      assert.equal((await orderRow(paid.orderId)).status, 'paid');
      assert.equal((await orderRow(abandoned.orderId)).status, 'registered', 'still within its 20 minutes');

      t.clock.advance(31 * 60_000); // 20 minutes on the bank's page + 10 minutes' grace
      const later = await t.app.payments.reconcile();
      assert.ok((later.results.expired ?? 0) >= 2);
      assert.equal((await orderRow(abandoned.orderId)).status, 'expired');
      assert.equal((await orderRow(abandoned.orderId)).status_reason, 'abandoned');
      assert.equal((await orderRow(waiting.orderId)).status, 'expired');
      // A payment the bank confirms after all still counts: the bank's word wins.
      emu.pay(waiting.orderId);
      assert.equal((await callback(emu.callback(waiting.orderId, 'deposited', '1'))).statusCode, 200);
      assert.equal((await orderRow(waiting.orderId)).status, 'paid');
      t.clock.set('2026-06-10T05:00:00.000Z');
    });

    test('a listening server reconciles by itself every PAYMENT_RECONCILE_SECONDS', async () => {
      const agent = await customer();
      const { orderId } = await order(agent, '555');
      emu.pay(orderId);
      const config = testConfig({ ...rbsEnv(), PAYMENT_RECONCILE_SECONDS: '1' });
      const db2 = reopenDb(t.dbUrl);
      const other = await buildApp({ config, db: db2, clock: t.clock, ...testLogging() });
      await other.listen({ port: 0, host: '127.0.0.1' });
      try {
        const deadline = Date.now() + 8000;
        while ((await orderRow(orderId)).status !== 'paid' && Date.now() < deadline) {
          await new Promise((r) => setTimeout(r, 100));
        }
        assert.equal((await orderRow(orderId)).status, 'paid');
      } finally {
        await other.close();
        await db2.close();
      }
    });

    test('the CLI command payments-reconcile settles a paid order whose notification was lost', async () => {
      const agent = await customer();
      const { orderId } = await order(agent, '444');
      emu.pay(orderId);
      const env = cliEnvFor(t.dbUrl, {
        PAYMENT_GATEWAY: 'rbs',
        RBS_URL: emu.url,
        RBS_USERNAME: emu.userName,
        RBS_PASSWORD: emu.password,
        RBS_CALLBACK_KEY: emu.callbackKey,
        LOG_LEVEL: 'silent',
      });
      const out = await new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve) => {
        const child = spawn(process.execPath, portalArgs('cli', ['payments-reconcile']), {
          env,
          stdio: ['ignore', 'pipe', 'pipe'],
        });
        let stdout = '';
        let stderr = '';
        child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
        child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
        child.on('exit', (code) => resolve({ code, stdout, stderr }));
      });
      assert.equal(out.code, 0, out.stderr);
      const summary = JSON.parse(out.stdout) as { checked: number; results: Record<string, number> };
      assert.ok(summary.results.paid! >= 1, out.stdout);
      assert.equal((await orderRow(orderId)).status, 'paid');
    });
  });
}
