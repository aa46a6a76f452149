// Card payments with the sandbox bank (the default gateway), on SQLite and PostgreSQL: the bank's
// page and its cards, 3-D Secure, 3 attempts and 20 minutes (moved by the injected clock), crediting
// exactly once, the result page and its check, the audit trail, and any input to the bank's page.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { PNG } from 'pngjs';
import { testDialects, textOf } from '../../../test/helpers.ts';
import { DEMO_ACCOUNT } from '../../tools/demo/demo-account.ts';
import { callbackChecksum } from './checksum.ts';
import { pathOf, sandboxFixture } from './payments.fixture.db.test.ts';

for (const dialect of await testDialects()) {
  describe(`card payments with the sandbox bank: the bank's page and the outcomes (${dialect})`, () => {
    const f = sandboxFixture(dialect);
    const { customer, toBank, pay, backToPortal, cardPayments, orderRow } = f;

    test("the sandbox bank's page: apart from the portal (own CSP and layout), test cards listed, no card data echoed", async () => {
      const agent = await customer();
      const { mdOrder, page } = await toBank(agent, '980');
      const csp = String(page.headers['content-security-policy']);
      assert.match(csp, /default-src 'none'/);
      assert.match(csp, /style-src 'self'/);
      assert.match(csp, /form-action 'self' http:\/\/localhost:3000/);
      assert.doesNotMatch(csp, /script-src/);
      assert.doesNotMatch(page.body, /<script|site\.css/);
      assert.match(page.body, /<link rel="stylesheet" href="\/sandbox-bank\/bank\.css"\/>/);
      assert.equal((await f.t.app.inject({ url: '/sandbox-bank/bank.svg' })).statusCode, 200);
      const text = textOf(page.body);
      assert.match(text, /4111 1111 1111 1111 Visa: оплата проходит/);
      assert.match(
        text,
        /5555 5555 5555 5599 MasterCard: банк запросит код 3-D Secure 12345678, затем оплата проходит/,
      );
      assert.match(text, /4000 0000 0000 0002 Visa: банк отклоняет оплату/);
      assert.match(text, /Срок действия — любой в будущем \(например, 12\/30\), CVC 123/);
      assert.match(text, /Осталось времени 20 мин\. Осталось попыток 3/);
      const css = await f.t.app.inject({ url: '/sandbox-bank/bank.css' });
      assert.equal(css.statusCode, 200);
      assert.match(String(css.headers['content-type']), /text\/css/);
      // A malformed number costs no attempt and is not shown back.
      const typo = await pay(agent, mdOrder, '4111 1111 1111 1112');
      assert.equal(typo.statusCode, 400);
      assert.match(typo.body, /id="bank-pan-error"[^>]*>Номер карты введён с ошибкой/);
      assert.doesNotMatch(typo.body, /4111 1111 1111 1112|4111111111111112/);
      assert.match(textOf(typo.body), /Осталось попыток 3/);
      const expired = await pay(agent, mdOrder, '4111111111111111', '123', '01/20');
      assert.match(expired.body, /Срок действия карты истёк/);
      assert.equal(
        (await f.t.app.inject({ url: '/sandbox-bank/pay?mdOrder=00000000-0000-4000-8000-000000000000' }))
          .statusCode,
        404,
      );
    });

    test('4111 1111 1111 1111: paid, credited once, shown in the history, with the seed result page and a PNG check', async () => {
      const agent = await customer();
      const before = (await cardPayments()).length;
      const { mdOrder } = await toBank(agent, '980');
      const { resultUrl, result } = await backToPortal(
        agent,
        await pay(agent, mdOrder, '4111 1111 1111 1111'),
      );
      const row = await orderRow(mdOrder);
      assert.equal(row.status, 'paid');
      assert.match(resultUrl, new RegExp(`^/cabinet/payment/${row.order_number}$`));
      const text = textOf(result.body);
      assert.match(
        text,
        /Оплата электроэнергии банковской картой Результаты платежа Сумма платежа\(руб\): 980,00/,
      );
      assert.doesNotMatch(text, /второй рабочий день/);
      assert.match(
        text,
        /Оплата прошла\. Платёж сразу зачислен на Ваш лицевой счёт.* Дата платежа 10\.06\.2026/,
      );
      assert.match(
        text,
        new RegExp(`Номер транзакции ${row.order_number} Лицевой счет, показание 1705057190`),
      );
      assert.match(text, /Сохранить изображение на локальный компьютер/);
      assert.match(
        result.body,
        new RegExp(
          `<img class="check-image" src="/cabinet/payment/${row.order_number}/check\\.png" width="640" height="400" alt="Электронный чек\\.`,
        ),
      );
      const png = await agent.get(`${resultUrl}/check.png`);
      assert.equal(png.statusCode, 200);
      assert.equal(png.headers['content-type'], 'image/png');
      assert.equal(png.headers['cache-control'], 'no-store');
      const image = PNG.sync.read(png.rawPayload);
      assert.equal(image.width, 640);
      assert.equal(image.height, 400);
      let dark = 0;
      for (let i = 0; i < image.data.length; i += 4) {
        if (image.data[i]! < 80 && image.data[i + 1]! < 80) {
          dark++;
        }
      }
      assert.ok(dark > 2000, `text is drawn (${dark} dark pixels)`);
      const download = await agent.get(`${resultUrl}/check.png?download=1`);
      assert.match(
        String(download.headers['content-disposition']),
        /^attachment; filename="check-LK\d{6}-[A-Z2-9]{8}\.png"$/,
      );
      const pays = await cardPayments();
      assert.equal(pays.length, before + 1);
      assert.equal(pays.filter((p) => p.external_id === `card:${mdOrder}`).length, 1);
      assert.match(
        textOf((await agent.get('/cabinet')).body),
        /История платежей Дата Сумма руб\..* 2026-06-10 980,00/,
      );
    });

    test('5555 5555 5555 5599: asks for the 3-D Secure code 12345678; a wrong code costs an attempt; then paid', async () => {
      const agent = await customer();
      const { mdOrder } = await toBank(agent, '250,75');
      const acs = await pay(agent, mdOrder, '5555555555555599');
      assert.equal(acs.statusCode, 200);
      assert.match(
        textOf(acs.body),
        /Подтверждение платежа \(3-D Secure\) Банк, выпустивший карту 555555\*\*\*\*\*\*5599, просит подтвердить платёж одноразовым кодом/,
      );
      assert.equal((await orderRow(mdOrder)).status, 'registered');
      const wrong = await agent.post('/sandbox-bank/3ds', { mdOrder, code: '00000000' });
      assert.equal(wrong.statusCode, 400);
      assert.match(textOf(wrong.body), /Неверный код подтверждения\. Осталось попыток: 2\./);
      const ok = await agent.post('/sandbox-bank/3ds', { mdOrder, code: '12345678' });
      const { result } = await backToPortal(agent, ok);
      assert.match(textOf(result.body), /Сумма платежа\(руб\): 250,75 .*Оплата прошла/);
      assert.equal((await orderRow(mdOrder)).status, 'paid');
    });

    test('3 attempts: declined cards, a wrong CVC or unknown cards use them up; the third failure ends the order', async () => {
      const agent = await customer();
      const { mdOrder } = await toBank(agent, '300');
      const first = await pay(agent, mdOrder, '4000 0000 0000 0002');
      assert.match(
        textOf(first.body),
        /Операция отклонена банком, выпустившим карту\. Осталось попыток: 2\./,
      );
      const second = await pay(agent, mdOrder, '4111 1111 1111 1111', '999');
      assert.match(textOf(second.body), /неверный CVC\. Осталось попыток: 1\./);
      const third = await pay(agent, mdOrder, '5105 1051 0510 5100');
      const { result } = await backToPortal(agent, third);
      assert.match(textOf(result.body), /Платёж не выполнен: банк отклонил операцию/);
      const row = await orderRow(mdOrder);
      assert.equal(row.status, 'declined');
      // The bank's page is closed for good: the right card now only leads back.
      const late = await pay(agent, mdOrder, '4111 1111 1111 1111');
      assert.equal(late.statusCode, 303);
      assert.equal((await cardPayments()).filter((p) => p.external_id === `card:${mdOrder}`).length, 0);
    });

    test('20 minutes: after them the bank declines by timeout, notifies, and the order expires', async () => {
      const agent = await customer();
      const { mdOrder } = await toBank(agent, '400');
      f.t.clock.advance(19 * 60_000 + 59_000);
      const still = await agent.get(`/sandbox-bank/pay?mdOrder=${mdOrder}`);
      assert.equal(still.statusCode, 200);
      assert.match(textOf(still.body), /Осталось времени 1 мин\./);
      f.t.clock.advance(1000);
      const late = await pay(agent, mdOrder, '4111 1111 1111 1111');
      const { result } = await backToPortal(agent, late);
      assert.match(textOf(result.body), /Платёж не выполнен: время на оплату истекло/);
      const row = await orderRow(mdOrder);
      assert.equal(row.status, 'expired');
      assert.equal(row.status_reason, 'bank_timeout');
      assert.equal((await cardPayments()).filter((p) => p.external_id === `card:${mdOrder}`).length, 0);
      f.t.clock.set('2026-06-10T05:00:00.000Z');
    });

    test('exactly once: the sandbox notification 10× at once + the return + the poller → one payment', async () => {
      const agent = await customer();
      const bank = f.t.app.payments.sandbox!;
      const delivered: Array<Record<string, string>> = [];
      const deliver = bank.deliver;
      bank.deliver = (_url, params) => {
        delivered.push(params);
        return Promise.resolve(true);
      };
      try {
        const { mdOrder } = await toBank(agent, '777,77');
        const paid = await pay(agent, mdOrder, '4111111111111111');
        await bank.idle();
        assert.equal(delivered.length, 1);
        const params = delivered[0]!;
        assert.equal(params.operation, 'deposited');
        assert.equal(params.checksum, callbackChecksum(params, bank.callbackKey));
        const results = await Promise.all([
          ...Array.from({ length: 10 }, () =>
            f.t.app.inject({ url: `/payments/callback?${new URLSearchParams(params).toString()}` }),
          ),
          agent.get(pathOf(String(paid.headers.location))),
          f.t.app.payments.reconcile(),
        ]);
        assert.deepEqual(
          results.slice(0, 10).map((r) => (r as { statusCode: number }).statusCode),
          Array(10).fill(200),
        );
        const pays = (await cardPayments()).filter((p) => p.external_id === `card:${mdOrder}`);
        assert.equal(pays.length, 1);
        assert.equal(Number(pays[0]!.amount_kop), 77777);
      } finally {
        bank.deliver = deliver;
      }
    });

    test('audit: every state change of a payment, with account and outcome, never card data', async () => {
      const events = await f.t.db.kysely
        .selectFrom('audit_log')
        .select(['event', 'outcome', 'account_number', 'details'])
        .where('event', '=', 'payment')
        .execute();
      const outcomes = new Set(events.map((e) => e.outcome));
      for (const o of ['registered', 'paid', 'declined', 'expired']) {
        assert.ok(outcomes.has(o), `an audit event for ${o}`);
      }
      for (const e of events) {
        assert.equal(e.account_number, DEMO_ACCOUNT.number);
        // Only these facts about an order are ever recorded (row 13): no card data fields at all.
        const keys = Object.keys(JSON.parse(e.details ?? '{}') as object);
        const allowed = [
          'order',
          'bankOrder',
          'amountKop',
          'gateway',
          'method',
          'reading',
          'from',
          'source',
          'reason',
          'bankAmountKop',
          'bankDepositedKop',
          'bankCurrency',
        ];
        assert.deepEqual(
          keys.filter((k) => !allowed.includes(k)),
          [],
          e.details ?? '',
        );
      }
    });

    test("any input to the bank's page: never a 5xx", async () => {
      const agent = await customer();
      const { mdOrder } = await toBank(agent, '15');
      await fc.assert(
        fc.asyncProperty(
          fc.record({
            mdOrder: fc.oneof(fc.constant(mdOrder), fc.uuid(), fc.string({ maxLength: 70 })),
            pan: fc.oneof(
              fc.string({ maxLength: 40 }),
              fc.constantFrom('4111111111111111', '4111 1111 1111 1112'),
            ),
            expiry: fc.string({ maxLength: 12 }),
            cvc: fc.string({ maxLength: 6 }),
          }),
          async (f) => {
            const res = await agent.post('/sandbox-bank/pay', f);
            assert.ok(res.statusCode < 500, `${res.statusCode}`);
          },
        ),
        { numRuns: 40 },
      );
    });
  });
}
