// Card payments with the sandbox bank, on SQLite and PostgreSQL: the order form. Its texts, the
// sum and its validation, the optional reading (checked, confirmed, stored once paid), one order per
// form however often it is posted, CSRF, and any input answered without a 5xx.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { cookieHeader, testDialects, textOf } from '../../../test/helpers.ts';
import { amountError, keyOf, meterOf, sandboxFixture } from './payments.fixture.db.test.ts';

for (const dialect of await testDialects()) {
  describe(`card payments with the sandbox bank: the order form (${dialect})`, () => {
    const f = sandboxFixture(dialect);
    const { customer, order, toBank, pay, backToPortal, orders, orderRow } = f;

    test('the main page links to the payment page with its texts; the sum is required', async () => {
      const agent = await customer();
      const main = await agent.get('/cabinet');
      assert.match(
        main.body,
        /<a class="button" href="\/cabinet\/payment">Оплатить картой или через СБП<\/a>/,
      );
      const page = await agent.get('/cabinet/payment');
      assert.equal(page.statusCode, 200);
      const text = textOf(page.body);
      assert.match(text, /Если банк, выпустивший карту, поддерживает технологию 3-D Secure/);
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
        /Показание прибора учета № 168077 \(необязательно\) Предыдущее принятое показание от 2026-06-03: 28 470/,
      );
      assert.match(page.body, /<label for="payment-amount">Сумма платежа, руб\. \*<\/label>/);
      assert.equal(page.headers['cache-control'], 'no-store');
      const anonymous = await f.t.app.inject({ url: '/cabinet/payment' });
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
        const summary =
          /<div class="error-summary" id="payment-errors" [^>]*autofocus[^>]*>.*?<a href="#payment-amount">([^<]*)<\/a>/.exec(
            res.body,
          );
        assert.equal(summary?.[1], amountError(res.body), `the summary links to the sum: ${typed}`);
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
        /Проверьте правильность ввода нового показания! Показание 28 000 меньше, чем Ваше прошлое принятое показание 28 470\. Расход составляет 99 530 кВтч/,
      );
      assert.match(small.body, /name="confirm_reading" value="yes"/);

      const { mdOrder } = await toBank(agent, '980', { meter, v1: '28000', confirm_reading: 'yes' });
      const { result } = await backToPortal(agent, await pay(agent, mdOrder, '4111111111111111'));
      assert.match(textOf(result.body), /Лицевой счет, показание 1705057190 28 000/);
      const reading = await f.t.db.kysely
        .selectFrom('readings')
        .select(['value1', 'channel', 'status', 'reason'])
        .where('account_id', '=', f.demoId)
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
      await f.t.app.payments.sandbox!.idle();
      assert.equal((await orderRow(mdOrder)).status, 'declined');
      const n = await f.t.db.kysely.selectFrom('readings').select('id').where('value1', '=', 28900).execute();
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
      const bare = await f.t.app.inject({
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
  });
}
