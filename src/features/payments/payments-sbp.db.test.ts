// СБП by a dynamic QR code with the sandbox bank, on SQLite and PostgreSQL: the QR page (a QR that
// decodes to the bank's address, and the same address as a link for a phone), the "bank app" step,
// crediting exactly once however many notifications, returns and polls arrive at once, a decline,
// the QR's expiry (nothing credited), and the bank's state shared by two portal processes.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { Resvg } from '@resvg/resvg-js';
import jsQRModule from 'jsqr';
import { PNG } from 'pngjs';
import { Agent, secondInstance, textOf, type TestApp } from '../../../test/helpers.ts';
import { testDialects } from '../../../test/helpers.ts';
import { callbackChecksum } from './checksum.ts';
import { CALLBACK_PATH, RETURN_PATH } from './payments.deps.ts';
import { pathOf, sandboxFixture } from './payments.fixture.db.test.ts';

// jsqr is CommonJS whose exports are the function, with the same function under `default`.
const jsQR = jsQRModule.default;

/** What a phone's camera reads from the page's QR image (an SVG, rasterised as a browser would). */
function decodeQr(svg: string): string | undefined {
  const png = PNG.sync.read(new Resvg(svg, { fitTo: { mode: 'width', value: 400 } }).render().asPng());
  return jsQR(new Uint8ClampedArray(png.data), png.width, png.height)?.data;
}

for (const dialect of await testDialects()) {
  describe(`СБП by a dynamic QR code with the sandbox bank (${dialect})`, () => {
    const f = sandboxFixture(dialect);
    const { customer, order } = f;

    /** «Оплатить через СБП»: the order, its QR page and the bank app's address. */
    async function toQr(agent: Agent, amount = '980') {
      const res = await order(agent, { amount, method: 'sbp' });
      assert.equal(res.statusCode, 303, textOf(res.body).slice(0, 300));
      const pageUrl = String(res.headers.location);
      assert.match(pageUrl, /^\/cabinet\/payment\/LK\d{6}-[A-Z2-9]{8}$/);
      const page = await agent.get(pageUrl);
      assert.equal(page.statusCode, 200);
      const link = /<a class="button primary" id="sbp-link" href="([^"]+)"/.exec(page.body)?.[1] ?? '';
      const row = await f.t.db.kysely
        .selectFrom('payment_orders')
        .selectAll()
        .where('order_number', '=', pageUrl.split('/').at(-1)!)
        .executeTakeFirstOrThrow();
      return { pageUrl, page, link, appPath: pathOf(link), mdOrder: row.bank_order_id!, row };
    }
    /** The payer opens the bank app (a phone of its own) at the QR's address. */
    async function openApp(appPath: string, app: TestApp['app'] = f.t.app) {
      const phone = new Agent(app, '10.60.0.1');
      assert.equal((await phone.get(appPath)).statusCode, 200);
      return { press: () => phone.post(`${appPath}/pay`, {}) };
    }
    /** ... and presses «Оплатить». */
    const payInApp = async (appPath: string, app: TestApp['app'] = f.t.app) =>
      (await openApp(appPath, app)).press();
    const sbpPayments = (mdOrder: string) =>
      f.t.db.kysely.selectFrom('payments').selectAll().where('external_id', '=', `sbp:${mdOrder}`).execute();
    const statusOf = async (mdOrder: string) =>
      (
        await f.t.db.kysely
          .selectFrom('payment_orders')
          .select('status')
          .where('bank_order_id', '=', mdOrder)
          .executeTakeFirstOrThrow()
      ).status;

    test('the form offers «Оплатить через СБП»; the QR page: the QR of the bank’s address, the same as a link', async () => {
      const agent = await customer();
      const form = await agent.get('/cabinet/payment');
      assert.match(
        form.body,
        /<button type="submit" name="method" value="sbp" class="button primary">Оплатить через СБП<\/button>/,
      );
      assert.match(
        textOf(form.body),
        /Оплата через СБП Через Систему быстрых платежей .* QR-код действует 10 мин\./,
      );
      const { page, link, row, pageUrl, mdOrder } = await toQr(agent);
      assert.equal(row.method, 'sbp');
      assert.equal(row.status, 'registered');
      assert.equal(Number(row.expires_at) - Number(row.created_at), 10 * 60_000);
      assert.match(link, /^http:\/\/localhost:3000\/sandbox-bank\/sbp\/AS[0-9A-F]{30}$/);
      assert.equal(row.qr_payload, link);
      const text = textOf(page.body);
      assert.match(text, /Оплата через СБП К оплате 980,00 ₽/);
      assert.match(text, /QR-код действует до 12:10 \(осталось 10 мин\.\)/);
      assert.match(text, /На телефоне эта кнопка откроет выбор банка/);
      assert.match(text, /Ожидаем оплату\./, 'the QR status (status.do)');
      assert.match(
        page.body,
        new RegExp(
          `<img class="sbp-qr-image" src="${pageUrl}/qr\\.svg" width="264" height="264" alt="QR-код для оплаты 980,00`,
        ),
      );
      const svg = await agent.get(`${pageUrl}/qr.svg`);
      assert.equal(svg.statusCode, 200);
      assert.match(String(svg.headers['content-type']), /^image\/svg\+xml/);
      assert.equal(decodeQr(svg.body), link, 'the QR encodes the address of the link');
      // The card page knows nothing of an order that went to СБП.
      assert.equal((await agent.get(`/sandbox-bank/pay?mdOrder=${mdOrder}`)).statusCode, 404);
      // Someone else's QR is not shown.
      const other = new Agent(f.t.app, '10.50.0.77');
      assert.equal((await other.get(`${pageUrl}/qr.svg`)).statusCode, 303);
    });

    test('paid in the bank app: back to the portal, credited at once and once, on channel sbp', async () => {
      const agent = await customer();
      const { appPath, mdOrder, pageUrl } = await toQr(agent, '750,25');
      const app = await new Agent(f.t.app, '10.60.0.2').get(appPath);
      assert.match(
        textOf(app.body),
        /Приложение банка: оплата по QR-коду СБП .* Сумма 750,25 ₽ Состояние ожидает оплаты/,
      );
      const phone = await openApp(appPath);
      const paid = await phone.press();
      assert.equal(paid.statusCode, 303);
      assert.equal(
        String(paid.headers.location),
        `http://localhost:3000${RETURN_PATH}?orderId=${mdOrder}&lang=ru`,
      );
      await f.t.app.payments.sandbox!.idle();
      const back = await agent.get(pathOf(String(paid.headers.location)));
      assert.equal(back.statusCode, 303);
      assert.equal(String(back.headers.location), pageUrl);
      const result = textOf((await agent.get(pageUrl)).body);
      assert.match(
        result,
        /Оплата через СБП .*Оплата электроэнергии через СБП Результаты платежа Сумма платежа\(руб\): 750,25/,
      );
      assert.match(result, /Оплата прошла\. Платёж сразу зачислен на Ваш лицевой счёт/);
      const rows = await sbpPayments(mdOrder);
      assert.equal(rows.length, 1);
      assert.equal(rows[0]!.channel, 'sbp');
      assert.equal(Number(rows[0]!.amount_kop), 75025);
      // Paying again in the app changes nothing; the QR image is gone with the wait.
      assert.equal((await phone.press()).statusCode, 303);
      await f.t.app.payments.sandbox!.idle();
      assert.equal((await sbpPayments(mdOrder)).length, 1);
      assert.equal((await agent.get(`${pageUrl}/qr.svg`)).statusCode, 404);
    });

    test('declined in the bank app: the page says so, nothing is taken or credited', async () => {
      const agent = await customer();
      const { appPath, mdOrder, pageUrl } = await toQr(agent);
      const phone = new Agent(f.t.app, '10.60.0.3');
      await phone.get(appPath);
      const declined = await phone.post(`${appPath}/decline`, {});
      assert.equal(declined.statusCode, 303);
      await f.t.app.payments.sandbox!.idle();
      assert.equal(await statusOf(mdOrder), 'declined');
      assert.match(
        textOf((await agent.get(pageUrl)).body),
        /Платёж не выполнен: оплата по QR-коду отклонена\. Деньги не списаны, на лицевой счёт ничего не зачислено\./,
      );
      assert.equal((await sbpPayments(mdOrder)).length, 0);
    });

    test('the QR lives 10 minutes: then the order expires, the page says so, the app cannot pay, nothing is credited', async () => {
      const agent = await customer();
      const { appPath, mdOrder, pageUrl } = await toQr(agent);
      const phone = await openApp(appPath); // opened in time, pressed too late
      f.t.clock.advance(9 * 60_000);
      assert.match(textOf((await agent.get(pageUrl)).body), /осталось 1 мин\./);
      f.t.clock.advance(61_000);
      const page = textOf((await agent.get(pageUrl)).body);
      assert.match(
        page,
        /Платёж не выполнен: QR-код больше не действует, время на оплату истекло\. Деньги не списаны, на лицевой счёт ничего не зачислено\./,
      );
      assert.equal(await statusOf(mdOrder), 'expired');
      const late = await phone.press();
      assert.equal(late.statusCode, 409);
      assert.match(textOf(late.body), /Оплата невозможна: QR-код больше не действует/);
      await f.t.app.payments.sandbox!.idle();
      assert.equal((await sbpPayments(mdOrder)).length, 0);
      assert.equal(await statusOf(mdOrder), 'expired');
      f.t.clock.advance(-(10 * 60_000 + 1000));
    });

    test('expiry found by the poller while the bank still waits: the portal rejects the QR (reject.do), the order expires', async () => {
      const agent = await customer();
      const { mdOrder, row } = await toQr(agent);
      // The bank's own clock runs late: at the portal's expiry the QR would still be payable.
      await f.t.db.kysely
        .updateTable('sandbox_sbp_qrs')
        .set((eb) => ({ expires_at: eb('expires_at', '+', 5 * 60_000) }))
        .where('md_order', '=', mdOrder)
        .execute();
      f.t.clock.advance(10 * 60_000);
      await f.t.app.payments.reconcile();
      assert.equal(await statusOf(mdOrder), 'expired');
      const bankSide = await f.t.db.kysely
        .selectFrom('sandbox_sbp_qrs')
        .selectAll()
        .where('md_order', '=', mdOrder)
        .executeTakeFirstOrThrow();
      assert.equal(bankSide.qr_id, row.qr_id);
      assert.deepEqual([bankSide.status, bankSide.reject_reason], ['REJECTED', 'merchant']);
      assert.equal((await sbpPayments(mdOrder)).length, 0);
      f.t.clock.advance(-10 * 60_000);
    });

    test('the race: the same notification 10× at once, the browser’s return and the poller credit exactly once', async () => {
      const agent = await customer();
      const { appPath, mdOrder, row } = await toQr(agent, '333');
      const bank = f.t.app.payments.sandbox!;
      const deliver = bank.deliver;
      bank.deliver = () => Promise.resolve(true); // held back: sent below, all at once
      try {
        assert.equal((await payInApp(appPath)).statusCode, 303);
        await bank.idle();
      } finally {
        bank.deliver = deliver;
      }
      assert.equal(await statusOf(mdOrder), 'registered');
      const params: Record<string, string> = {
        mdOrder,
        orderNumber: row.order_number,
        operation: 'deposited',
        status: '1',
      };
      params.checksum = callbackChecksum(params, bank.callbackKey);
      const notification = () =>
        f.t.app.inject({
          method: 'GET',
          url: `${CALLBACK_PATH}?${new URLSearchParams(params).toString()}`,
          remoteAddress: '127.0.0.1',
        });
      const answers = await Promise.all([
        ...Array.from({ length: 10 }, notification),
        agent.get(`${RETURN_PATH}?orderId=${mdOrder}&lang=ru`),
        f.t.app.payments.reconcile(),
        agent.get(`/cabinet/payment/${row.order_number}`),
      ]);
      const codes = answers.slice(0, 10).map((a) => (a as { statusCode: number }).statusCode);
      assert.deepEqual(codes, Array(10).fill(200));
      assert.equal(await statusOf(mdOrder), 'paid');
      assert.equal((await sbpPayments(mdOrder)).length, 1);
      const linked = await f.t.db.kysely
        .selectFrom('payment_orders')
        .innerJoin('payments', 'payments.id', 'payment_orders.payment_id')
        .select('payments.external_id')
        .where('payment_orders.bank_order_id', '=', mdOrder)
        .execute();
      assert.deepEqual(linked, [{ external_id: `sbp:${mdOrder}` }]);
      const audits = await f.t.db.kysely
        .selectFrom('audit_log')
        .select('details')
        .where('event', '=', 'payment')
        .where('outcome', '=', 'paid')
        .execute();
      assert.equal(audits.filter((a) => (a.details ?? '').includes(mdOrder)).length, 1);
    });

    test('two portal processes: the QR shown by one is paid through the other; both see it, credited once', async () => {
      const agent = await customer();
      const { appPath, mdOrder, pageUrl } = await toQr(agent, '120');
      const other = await secondInstance(f.t);
      try {
        // The bank app is served by the second process, which never saw the order.
        assert.equal((await payInApp(appPath, other.app)).statusCode, 303);
        await other.app.payments.sandbox!.idle();
        // Its notification reached its own portal process, which asked the bank (the database).
        assert.equal(await statusOf(mdOrder), 'paid');
        // The first process agrees, from the same bank state.
        assert.match(textOf((await agent.get(pageUrl)).body), /Оплата прошла\. Платёж сразу зачислен/);
        await f.t.app.payments.reconcile();
        assert.equal((await sbpPayments(mdOrder)).length, 1);
      } finally {
        await other.close();
      }
    });

    test('the card still goes to the bank’s card page; with PAYMENT_SBP=false there is no СБП at all', async () => {
      const agent = await customer();
      const settings = f.t.config.payments.sbp;
      settings.enabled = false;
      try {
        const form = await agent.get('/cabinet/payment');
        assert.doesNotMatch(textOf(form.body), /СБП/);
        const main = await agent.get('/cabinet');
        assert.match(main.body, /<a class="button" href="\/cabinet\/payment">Оплатить картой<\/a>/);
        // The payment history may still name СБП as the source of earlier payments.
        assert.doesNotMatch(main.body, /через СБП/);
        const forced = await order(agent, { amount: '980', method: 'sbp' });
        assert.match(String(forced.headers.location), /\/sandbox-bank\/pay\?mdOrder=/);
      } finally {
        settings.enabled = true;
      }
      const res = await order(agent, { amount: '980', method: 'card' });
      assert.match(String(res.headers.location), /\/sandbox-bank\/pay\?mdOrder=/);
      const plain = await order(agent, { amount: '980' });
      assert.match(String(plain.headers.location), /\/sandbox-bank\/pay\?mdOrder=/);
    });
  });
}
