// СБП through a bank's RBS gateway: the portal's RBS client calls register.do, then
// sbp/c2b/qr/dynamic/get.do, shows the bank's https://qr.nspk.ru/… payload, credits once on the
// bank's word, and rejects an outlived QR with sbp/c2b/qr/dynamic/reject.do; against the protocol's
// emulator (real HTTP, real checksums), on SQLite and PostgreSQL.
import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { Agent, createTestApp, testDialects, textOf, type TestApp } from '../../../test/helpers.ts';
import { RbsEmulator } from '../../../test/payments-emulator.ts';
import { DEMO_ACCOUNT } from '../../tools/demo/demo-account.ts';

const keyOf = (html: string) => /name="key" value="([^"]+)"/.exec(html)![1]!;

for (const dialect of await testDialects()) {
  describe(`СБП through an RBS bank (${dialect})`, () => {
    let t: TestApp;
    let emu: RbsEmulator;
    before(async () => {
      emu = new RbsEmulator();
      await emu.start();
      t = await createTestApp(dialect, {
        env: {
          PAYMENT_GATEWAY: 'rbs',
          RBS_URL: emu.url,
          RBS_USERNAME: emu.userName,
          RBS_PASSWORD: emu.password,
          RBS_CALLBACK_KEY: emu.callbackKey,
          RBS_TIMEOUT_MS: '400',
          PAYMENT_SBP_QR_MINUTES: '5',
        },
      });
    });
    after(async () => {
      await t.close();
      await emu.stop();
    });

    async function sbpOrder(amount = '980') {
      const agent = new Agent(t.app, '10.61.0.1');
      assert.equal((await agent.login(DEMO_ACCOUNT.number, DEMO_ACCOUNT.surname)).statusCode, 303);
      const form = await agent.get('/cabinet/payment');
      const res = await agent.post('/cabinet/payment', { key: keyOf(form.body), amount, method: 'sbp' });
      return { agent, res };
    }
    const rowOf = (orderNumber: string) =>
      t.db.kysely
        .selectFrom('payment_orders')
        .selectAll()
        .where('order_number', '=', orderNumber)
        .executeTakeFirstOrThrow();

    test('register.do, then get.do with the order; the QR page links to the bank’s qr.nspk.ru payload; paid → credited once', async () => {
      const { agent, res } = await sbpOrder('980');
      assert.equal(res.statusCode, 303, textOf(res.body).slice(0, 300));
      const pageUrl = String(res.headers.location);
      const row = await rowOf(pageUrl.split('/').at(-1)!);
      const calls = emu.calls.filter(
        (c) => c.params.orderNumber === row.order_number || c.params.mdOrder === row.bank_order_id,
      );
      assert.deepEqual(
        calls.map((c) => c.method),
        ['register.do', 'sbp/c2b/qr/dynamic/get.do'],
      );
      assert.equal(calls[0]!.params.sessionTimeoutSecs, '300');
      assert.equal(calls[1]!.params.mdOrder, row.bank_order_id);
      const [qrId, qr] = [...emu.qrs].find(([, q]) => q.orderId === row.bank_order_id)!;
      assert.equal(row.qr_id, qrId);
      const page = await agent.get(pageUrl);
      assert.match(
        page.body,
        new RegExp(`id="sbp-link" href="${qr.payload.replaceAll('?', '\\?').replaceAll('&', '&amp;')}"`),
      );
      assert.match(qr.payload, /^https:\/\/qr\.nspk\.ru\//);
      assert.match(textOf(page.body), /Ожидаем оплату\./);
      const status = emu.calls.find(
        (c) => c.method === 'sbp/c2b/qr/status.do' && c.params.mdOrder === row.bank_order_id,
      );
      assert.equal(status?.params.qrId, qrId);

      emu.pay(row.bank_order_id!);
      const notify = () =>
        t.app.inject({
          method: 'GET',
          url: `/payments/callback?${new URLSearchParams(emu.callback(row.bank_order_id!, 'deposited', '1')).toString()}`,
          remoteAddress: '192.0.2.10',
        });
      const codes = (await Promise.all([notify(), notify(), notify(), agent.get(pageUrl)])).map(
        (r) => r.statusCode,
      );
      assert.deepEqual(codes, [200, 200, 200, 200]);
      const pays = await t.db.kysely
        .selectFrom('payments')
        .select(['external_id', 'channel'])
        .where('external_id', '=', `sbp:${row.bank_order_id}`)
        .execute();
      assert.deepEqual(pays, [{ external_id: `sbp:${row.bank_order_id}`, channel: 'sbp' }]);
      assert.match(textOf((await agent.get(pageUrl)).body), /Оплата прошла\. Платёж сразу зачислен/);
    });

    test('the QR outlives its 5 minutes unpaid: the portal calls reject.do and the order expires', async () => {
      const { agent, res } = await sbpOrder('150');
      const pageUrl = String(res.headers.location);
      const row = await rowOf(pageUrl.split('/').at(-1)!);
      t.clock.advance(5 * 60_000);
      try {
        const page = textOf((await agent.get(pageUrl)).body);
        assert.match(page, /QR-код больше не действует, время на оплату истекло\. Деньги не списаны/);
      } finally {
        t.clock.advance(-5 * 60_000);
      }
      const reject = emu.calls.find(
        (c) => c.method === 'sbp/c2b/qr/dynamic/reject.do' && c.params.mdOrder === row.bank_order_id,
      );
      assert.equal(reject?.params.qrId, row.qr_id);
      assert.equal((await rowOf(row.order_number)).status, 'expired');
    });

    test('the bank refuses the QR: the form again, nothing taken', async () => {
      emu.refuseNextQr = { errorCode: '5', errorMessage: 'СБП не подключена' };
      const { res } = await sbpOrder('200');
      assert.equal(res.statusCode, 503);
      assert.match(textOf(res.body), /Банк не принял заказ на оплату, деньги не списаны/);
    });
  });
}
