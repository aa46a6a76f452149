// Card payments with the sandbox bank (the default gateway), on SQLite and PostgreSQL: the order
// form and its validation, the sandbox's cards, 3-D Secure, 3 attempts and 20 minutes (moved by the
// injected clock), crediting exactly once, the result page and its check, and who may see them.
import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { PNG } from 'pngjs';
import {
  Agent,
  addAccount,
  cookieHeader,
  createTestApp,
  testDialects,
  textOf,
  type TestApp,
} from '../../../test/helpers.ts';
import { DEMO_ACCOUNT } from '../../tools/demo/demo-account.ts';
import { callbackChecksum } from './checksum.ts';

const keyOf = (html: string) => /name="key" value="([^"]+)"/.exec(html)![1]!;
const meterOf = (html: string) => /name="meter" value="(\d+)"/.exec(html)?.[1] ?? '';
const amountError = (html: string) => /id="payment-amount-error"[^>]*>([^<]*)</.exec(html)?.[1];
const pathOf = (url: string) => {
  const u = new URL(url, 'http://localhost:3000');
  return u.pathname + u.search;
};

for (const dialect of await testDialects()) {
  describe(`card payments with the sandbox bank (${dialect})`, () => {
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

    test('the main page links to the seed payment page with its texts; the sum is required', async () => {
      const agent = await customer();
      const main = await agent.get('/cabinet');
      assert.match(
        main.body,
        /<a class="button" href="\/cabinet\/payment">Оплатить картой Visa, MasterCard<\/a>/,
      );
      const page = await agent.get('/cabinet/payment');
      assert.equal(page.statusCode, 200);
      const text = textOf(page.body);
      assert.match(text, /Verified By Visa или MasterCard Secure Code/);
      assert.match(text, /Настоящий сайт поддерживает 256-битное шифрование/);
      assert.match(text, /\* Поле для ввода суммы заполняется обязательно!/);
      assert.match(
        text,
        /Внимание! Для заполнения полей платежной формы и нажатия кнопки «Оплатить» Банком дается 20 минут и 3 попытки!/,
      );
      assert.match(
        text,
        /никакие персональные данные, введенные Вами на платежных страницах, не сохраняются на сервере ОАО «Хакасэнергосбыт»!/,
      );
      assert.match(
        text,
        /Показание прибора учета № 168077 \(необязательно\) Предыдущее принятое показание от 2026-06-03: 28470/,
      );
      assert.match(page.body, /<label for="payment-amount">Сумма платежа, руб\. \*<\/label>/);
      assert.equal(page.headers['cache-control'], 'no-store');
      const anonymous = await t.app.inject({ url: '/cabinet/payment' });
      assert.equal(anonymous.statusCode, 303);
    });

    test('sums: "980", "980,50" and "980.50" are accepted and registered in kopecks', async () => {
      const agent = await customer();
      for (const [typed, kop] of [
        ['980', 98000],
        ['980,50', 98050],
        ['980.50', 98050],
        [' 1 234,5 ', 123450],
      ] as const) {
        const { mdOrder, page } = await toBank(agent, typed);
        assert.equal(Number((await orderRow(mdOrder)).amount_kop), kop, typed);
        // textOf turns the no-break space between thousands into a plain one.
        assert.match(
          textOf(page.body),
          new RegExp(
            `Сумма ${(kop / 100)
              .toFixed(2)
              .replace('.', ',')
              .replace(/\B(?=(\d{3})+,)/g, ' ')} ₽`,
          ),
        );
      }
    });

    test('sums: zero, negative, three decimals, words and absurd sums are refused next to the field, the value kept, nothing registered', async () => {
      const agent = await customer();
      const form = (await agent.get('/cabinet/payment')).body;
      const before = await orders();
      const cases: Array<[string, RegExp]> = [
        ['', /Введите сумму в рублях/],
        ['0', /Сумма платежа должна быть больше нуля/],
        ['0,00', /Сумма платежа должна быть больше нуля/],
        ['-980', /Сумма платежа должна быть больше нуля/],
        ['980,505', /не может быть больше двух знаков после запятой/],
        ['девятьсот', /Сумма записывается цифрами/],
        ['1e5', /Сумма записывается цифрами/],
        ['0,50', /Минимальная сумма платежа — 1,00/],
        ['300000,01', /Сумма одного платежа не может быть больше 300\s000,00/],
        ['99999999999', /Сумма слишком велика/],
      ];
      for (const [typed, message] of cases) {
        const res = await order(agent, { amount: typed }, form);
        assert.equal(res.statusCode, 400, typed);
        assert.match(amountError(res.body) ?? '(no message)', message, typed);
        assert.match(res.body, /id="payment-amount"[^>]*aria-invalid="true"/);
        if (typed) {
          assert.ok(res.body.includes(`value="${typed}"`), `"${typed}" is kept`);
        }
        assert.equal(keyOf(res.body), keyOf(form), 'the form keeps its key');
      }
      assert.equal(await orders(), before);
    });

    test('the reading: checked by the readings rules; a suspicious one is confirmed; once paid it is stored (channel Интернет)', async () => {
      const agent = await customer();
      const form = (await agent.get('/cabinet/payment')).body;
      const meter = meterOf(form);
      const bad = await order(agent, { amount: '980', meter, v1: '28 47a' }, form);
      assert.equal(bad.statusCode, 400);
      assert.match(bad.body, /id="payment-v1-error"[^>]*>Показание записывается только цифрами/);
      assert.match(bad.body, /value="28 47a"/);
      assert.equal(amountError(bad.body), undefined, 'the sum was fine');

      const small = await order(agent, { amount: '980', meter, v1: '28000' }, form);
      assert.equal(small.statusCode, 400);
      assert.match(
        textOf(small.body),
        /Проверьте правильность ввода нового показания! Показание 28000 меньше, чем Ваше прошлое принятое показание 28470\. Расход составляет 99530 кВтч/,
      );
      assert.match(small.body, /name="confirm_reading" value="yes"/);

      const { mdOrder } = await toBank(agent, '980', { meter, v1: '28000', confirm_reading: 'yes' });
      const { result } = await backToPortal(agent, await pay(agent, mdOrder, '4111111111111111'));
      assert.match(textOf(result.body), /Лицевой счет, показание 1705057190 28000/);
      const reading = await t.db.kysely
        .selectFrom('readings')
        .select(['value1', 'channel', 'status', 'reason'])
        .where('account_id', '=', demoId)
        .orderBy('id', 'desc')
        .executeTakeFirstOrThrow();
      assert.deepEqual(
        { ...reading, value1: Number(reading.value1) },
        { value1: 28000, channel: 'internet', status: 'review', reason: 'rollover' },
      );
      assert.equal((await orderRow(mdOrder)).reading_status, 'stored');
    });

    test('a reading with a declined payment is not stored', async () => {
      const agent = await customer();
      const form = (await agent.get('/cabinet/payment')).body;
      const { mdOrder } = await toBank(agent, '980', { meter: meterOf(form), v1: '28900' });
      for (let i = 0; i < 3; i++) {
        await pay(agent, mdOrder, '4000 0000 0000 0002');
      }
      await t.app.payments.sandbox!.idle();
      assert.equal((await orderRow(mdOrder)).status, 'declined');
      const n = await t.db.kysely.selectFrom('readings').select('id').where('value1', '=', 28900).execute();
      assert.equal(n.length, 0);
    });

    test('the same form posted twice (or at once) is one order and the same bank page', async () => {
      const agent = await customer();
      const form = (await agent.get('/cabinet/payment')).body;
      const before = await orders();
      const results = await Promise.all(
        Array.from({ length: 4 }, () => order(agent, { amount: '500' }, form)),
      );
      const again = await order(agent, { amount: '500' }, form);
      const locations = new Set([...results, again].map((r) => String(r.headers.location)));
      assert.deepEqual(
        [...results, again].map((r) => r.statusCode),
        [303, 303, 303, 303, 303],
      );
      assert.equal(locations.size, 1);
      assert.equal(await orders(), before + 1);
    });

    test('CSRF: the order form without its token or from another site is refused', async () => {
      const agent = await customer();
      const form = (await agent.get('/cabinet/payment')).body;
      const before = await orders();
      const bare = await t.app.inject({
        method: 'POST',
        url: '/cabinet/payment',
        payload: `key=${keyOf(form)}&amount=980`,
        headers: { 'content-type': 'application/x-www-form-urlencoded', cookie: cookieHeader(agent.jar) },
      });
      assert.equal(bare.statusCode, 403);
      const foreign = await agent.post(
        '/cabinet/payment',
        { key: keyOf(form), amount: '980' },
        { origin: 'https://evil.example' },
      );
      assert.equal(foreign.statusCode, 403);
      const crossSite = await agent.post(
        '/cabinet/payment',
        { key: keyOf(form), amount: '980' },
        { 'sec-fetch-site': 'cross-site' },
      );
      assert.equal(crossSite.statusCode, 403);
      assert.equal(await orders(), before);
    });

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
      assert.equal((await t.app.inject({ url: '/sandbox-bank/bank.svg' })).statusCode, 200);
      const text = textOf(page.body);
      assert.match(text, /4111 1111 1111 1111 Visa: оплата проходит/);
      assert.match(
        text,
        /5555 5555 5555 5599 MasterCard: банк запросит код 3-D Secure 12345678, затем оплата проходит/,
      );
      assert.match(text, /4000 0000 0000 0002 Visa: банк отклоняет оплату/);
      assert.match(text, /Срок действия — любой в будущем \(например, 12\/30\), CVC 123/);
      assert.match(text, /Осталось времени 20 мин\. Осталось попыток 3/);
      const css = await t.app.inject({ url: '/sandbox-bank/bank.css' });
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
        (await t.app.inject({ url: '/sandbox-bank/pay?mdOrder=00000000-0000-4000-8000-000000000000' }))
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
        /Оплата электроэнергии при помощи карты Visa, MasterCard Результаты платежа Сумма платежа\(руб\): 980\.00/,
      );
      assert.match(
        text,
        /ВНИМАНИЕ! Денежные средства зачисляются на Ваш лицевой счет после получения информации от платежных систем Visa\/MasterCard на второй рабочий день после проведения платежа/,
      );
      assert.match(text, /Запрос успешно обработан Дата платежа 10\.06\.2026/);
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
        /История платежей Дата Сумма руб\..* 2026-06-10 980\.00/,
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
      assert.match(textOf(result.body), /Сумма платежа\(руб\): 250\.75 .*Запрос успешно обработан/);
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
      t.clock.advance(19 * 60_000 + 59_000);
      const still = await agent.get(`/sandbox-bank/pay?mdOrder=${mdOrder}`);
      assert.equal(still.statusCode, 200);
      assert.match(textOf(still.body), /Осталось времени 1 мин\./);
      t.clock.advance(1000);
      const late = await pay(agent, mdOrder, '4111 1111 1111 1111');
      const { result } = await backToPortal(agent, late);
      assert.match(textOf(result.body), /Платёж не выполнен: время на оплату истекло/);
      const row = await orderRow(mdOrder);
      assert.equal(row.status, 'expired');
      assert.equal(row.status_reason, 'bank_timeout');
      assert.equal((await cardPayments()).filter((p) => p.external_id === `card:${mdOrder}`).length, 0);
      t.clock.set('2026-06-10T05:00:00.000Z');
    });

    test('exactly once: the sandbox notification 10× at once + the return + the poller → one payment', async () => {
      const agent = await customer();
      const bank = t.app.payments.sandbox!;
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
            t.app.inject({ url: `/payments/callback?${new URLSearchParams(params).toString()}` }),
          ),
          agent.get(pathOf(String(paid.headers.location))),
          t.app.payments.reconcile(),
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

    test("IDOR: another account's result page, check and return link are 404; so is a check of an unpaid order", async () => {
      const agent = await customer();
      const { mdOrder } = await toBank(agent, '123');
      const { resultUrl } = await backToPortal(agent, await pay(agent, mdOrder, '4111111111111111'));
      await addAccount(t.db, { number: '1000000033', surname: 'Соседова', serial: '333333' });
      const other = await customer('1000000033', 'Соседова', '10.50.0.9');
      for (const url of [
        resultUrl,
        `${resultUrl}/check.png`,
        `${resultUrl}/check.png?download=1`,
        `/cabinet/payment/return?orderId=${mdOrder}`,
      ]) {
        const res = await other.get(url);
        assert.equal(res.statusCode, 404, url);
        assert.doesNotMatch(res.body, /1705057190|123\.00/);
      }
      const unpaid = await toBank(agent, '124');
      const row = await orderRow(unpaid.mdOrder);
      assert.equal((await agent.get(`/cabinet/payment/${row.order_number}/check.png`)).statusCode, 404);
      assert.equal((await agent.get('/cabinet/payment/LK000000-NOSUCHXX')).statusCode, 404);
      assert.equal((await other.get(`/cabinet/payment/${row.order_number}`)).statusCode, 404);
      assert.equal(
        (
          await cardPayments(
            Number(
              (
                await t.db.kysely
                  .selectFrom('accounts')
                  .select('id')
                  .where('number', '=', '1000000033')
                  .executeTakeFirstOrThrow()
              ).id,
            ),
          )
        ).length,
        0,
      );
    });

    test('audit: every state change of a payment, with account and outcome, never card data', async () => {
      const events = await t.db.kysely
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

    test('any input to the order form: a 4xx with a message or a redirect to the bank, never a 5xx', async () => {
      const agent = await customer();
      const form = (await agent.get('/cabinet/payment')).body;
      await fc.assert(
        fc.asyncProperty(
          fc.record({
            key: fc.oneof(fc.constant(keyOf(form)), fc.uuid(), fc.string({ maxLength: 120 })),
            amount: fc.oneof(
              fc.string({ maxLength: 30 }),
              fc.integer({ min: -1e12, max: 1e12 }).map(String),
              fc.double({ noNaN: false }).map(String),
              fc.constantFrom('980', '980,50', '980.50', '0', '-1', '1,001', '9'.repeat(60), '1e3', '١٢٣'),
            ),
            meter: fc.oneof(
              fc.constant(meterOf(form)),
              fc.string({ maxLength: 25 }),
              fc.constant('99999999999999'),
            ),
            v1: fc.oneof(fc.constant(''), fc.string({ maxLength: 60 }), fc.nat().map(String)),
            confirm_reading: fc.option(fc.constantFrom('yes', 'no'), { nil: undefined }),
          }),
          async (f) => {
            const body: Record<string, string> = { key: f.key, amount: f.amount, meter: f.meter, v1: f.v1 };
            if (f.confirm_reading) {
              body.confirm_reading = f.confirm_reading;
            }
            const res = await agent.post('/cabinet/payment', body);
            assert.ok([303, 400].includes(res.statusCode), `${res.statusCode} for ${JSON.stringify(body)}`);
            // A suspicious reading (smaller than the last one) is refused with the confirmation warning.
            if (res.statusCode === 400) {
              assert.match(res.body, /field-error|form-error|reading-check|Неверный запрос/);
            }
          },
        ),
        { numRuns: 60 },
      );
    });

    test('any notification: refused or confirmed with the bank, never a 5xx, never a credit without the bank', async () => {
      const before = (await cardPayments()).length;
      const key = t.app.payments.sandbox!.callbackKey;
      const { mdOrder } = await toBank(await customer(), '10');
      await fc.assert(
        fc.asyncProperty(
          fc.dictionary(fc.string({ maxLength: 20 }), fc.string({ maxLength: 80 }), { maxKeys: 8 }),
          fc.constantFrom('none', 'real', 'forged'),
          fc.constantFrom('approved', 'deposited', 'declinedByTimeout', 'reversed', 'refunded'),
          async (junk, sign, operation) => {
            const params: Record<string, string> = {
              ...junk,
              mdOrder: sign === 'none' ? (junk.mdOrder ?? '') : mdOrder,
              operation,
              status: '1',
            };
            if (sign !== 'none') {
              params.checksum = callbackChecksum(params, sign === 'real' ? key : 'forged-key-forged-key');
            }
            const res = await t.app.inject({
              url: `/payments/callback?${new URLSearchParams(params).toString()}`,
            });
            assert.ok(res.statusCode < 500, `${res.statusCode} for ${JSON.stringify(params)}`);
          },
        ),
        { numRuns: 80 },
      );
      // Random query strings, repeated keys and raw bytes.
      for (const q of ['mdOrder=a&mdOrder=b', '%ff%fe=1', 'checksum=' + 'A'.repeat(64), 'x='.repeat(50)]) {
        const res = await t.app.inject({ url: `/payments/callback?${q}` });
        assert.ok(res.statusCode < 500, `${res.statusCode} for ${q}`);
      }
      assert.equal((await cardPayments()).length, before, 'the order was never paid at the bank: no credit');
      assert.equal((await orderRow(mdOrder)).status, 'registered');
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
