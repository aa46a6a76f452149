// The payment page, on SQLite and PostgreSQL: the amount due, the same figure as the main page's
// summary, fills the sum (owed, overpaid, nothing owed); the terms come after the form, with
// «без комиссии» only when PAYMENT_NO_COMMISSION says so; and the result says what happened.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { addAccount, addMayNormCharge, testDialects, textOf } from '../../../test/helpers.ts';
import { dateInZone } from '../../domain/dates.ts';
import { formatRublesRu } from '../../domain/format.ts';
import { rublesInput } from '../../domain/money.ts';
import { loadMainPage } from '../../pages/main/main.service.ts';
import { keyOf, sandboxFixture } from './payments.fixture.db.test.ts';

/** The amount field's value ('' when it has none). */
const amountValue = (html: string) => {
  const input = /<input[^>]*id="payment-amount"[^>]*>/.exec(html)?.[0] ?? '';
  return /value="([^"]*)"/.exec(input)?.[1] ?? '';
};
const squash = (s: string) => s.replace(/[\s\u00a0\u202f]+/g, ' ');

for (const dialect of await testDialects()) {
  describe(`the payment page: the amount due, the terms and the result texts (${dialect})`, () => {
    const f = sandboxFixture(dialect);
    const { customer, toBank, pay, backToPortal } = f;

    /** The balance the main page's summary computes for the account today. */
    async function mainPageBalance(accountId: number): Promise<number> {
      const c = f.t.config;
      const model = await loadMainPage(f.t.db.kysely, accountId, dateInZone(f.t.clock.now(), c.timeZone), {
        readingsFirstDay: c.readingsFirstDay,
        readingsLastDay: c.readingsLastDay,
        paymentDueDay: c.billing.dueDay,
      });
      return model.summary.balanceKop;
    }

    test('owed: the page says «К оплате» with the main page’s figure and fills the sum with it, editable', async () => {
      const id = await addAccount(f.t.db, {
        number: '1000000203',
        surname: 'Должнова',
        serial: '900203',
        payments: [['2026-06-02', 5000]],
      });
      await addMayNormCharge(f.t.db, id);
      const due = await mainPageBalance(id);
      assert.equal(due, 11100, 'the May debt less the June payment');
      const agent = await customer('1000000203', 'Должнова', '10.50.0.23');
      const page = await agent.get('/cabinet/payment');
      assert.equal(page.statusCode, 200);
      assert.equal(amountValue(page.body), rublesInput(due));
      assert.match(
        squash(textOf(page.body)),
        new RegExp(`К оплате ${squash(formatRublesRu(due))} — эта сумма уже подставлена в поле`),
      );
      // The main page shows the very same sum at its top.
      const main = squash(textOf((await agent.get('/cabinet')).body));
      assert.ok(main.includes(`К оплате ${squash(formatRublesRu(due))}`), 'the main page agrees');
      // The field is the customer's: another sum is ordered as typed.
      const { mdOrder } = await toBank(agent, '100,50');
      assert.equal(Number((await f.orderRow(mdOrder)).amount_kop), 10050);
    });

    test('overpaid, with a reading since the bill (the demo account): the main page’s figure, no debt, the field empty', async () => {
      const due = await mainPageBalance(f.demoId);
      assert.ok(due < 0, `the demo account has paid ahead (${due})`);
      const page = await (await customer()).get('/cabinet/payment');
      assert.equal(amountValue(page.body), '');
      assert.match(
        squash(textOf(page.body)),
        new RegExp(
          `Задолженности нет\\. Переплата ${squash(formatRublesRu(-due))} будет учтена в следующем счёте`,
        ),
      );
    });

    test('a sum refused is shown back as typed, even emptied, not the prefilled one', async () => {
      const agent = await customer();
      const form = (await agent.get('/cabinet/payment')).body;
      const res = await agent.post('/cabinet/payment', { key: keyOf(form), amount: '' });
      assert.equal(res.statusCode, 400);
      assert.equal(amountValue(res.body), '');
    });

    test('overpaid: no debt, the overpayment named, the field empty', async () => {
      const id = await addAccount(f.t.db, {
        number: '1000000201',
        surname: 'Авансова',
        serial: '900201',
        payments: [['2026-06-01', 50000]],
      });
      assert.equal(await mainPageBalance(id), -50000);
      const agent = await customer('1000000201', 'Авансова', '10.50.0.21');
      const page = await agent.get('/cabinet/payment');
      assert.equal(amountValue(page.body), '');
      assert.match(
        squash(textOf(page.body)),
        new RegExp(
          `Задолженности нет\\. Переплата ${squash(formatRublesRu(50000))} будет учтена в следующем счёте`,
        ),
      );
      assert.doesNotMatch(textOf(page.body), /К оплате/);
    });

    test('nothing owed: no debt, the field empty', async () => {
      const id = await addAccount(f.t.db, { number: '1000000202', surname: 'Нулева', serial: '900202' });
      assert.equal(await mainPageBalance(id), 0);
      const agent = await customer('1000000202', 'Нулева', '10.50.0.22');
      const page = await agent.get('/cabinet/payment');
      assert.equal(amountValue(page.body), '');
      const text = textOf(page.body);
      assert.match(text, /Задолженности нет\. Вы можете внести аванс/);
      assert.doesNotMatch(text, /Переплата|К оплате/);
    });

    test('the terms come after the sum: Мир, Visa, Mastercard and 3-D Secure; «без комиссии» only when configured', async () => {
      const agent = await customer();
      const settings = f.t.config.payments;
      const off = (await agent.get('/cabinet/payment')).body;
      const text = textOf(off);
      assert.ok(
        off.indexOf('id="payment-amount"') < off.indexOf('id="payment-cards"'),
        'the field comes first',
      );
      assert.match(text, /Принимаются карты Мир, Visa и Mastercard\./);
      assert.match(
        text,
        /поддерживает технологию 3-D Secure, он попросит подтвердить платёж одноразовым кодом/,
      );
      assert.match(text, /в соответствии с требованиями платёжных систем Мир, Visa и Mastercard/);
      assert.doesNotMatch(text, /Verified|SecureCode|Secure Code|Visa Int|MasterCard Europe/);
      assert.doesNotMatch(text, /комисси/);
      settings.noCommission = true;
      try {
        const on = textOf((await agent.get('/cabinet/payment')).body);
        assert.match(on, /Принимаются карты Мир, Visa и Mastercard без комиссии\./);
      } finally {
        settings.noCommission = false;
      }
    });

    test('the result says the payment was credited at once when it was', async () => {
      const agent = await customer();
      const { mdOrder } = await toBank(agent, '980');
      const { result } = await backToPortal(agent, await pay(agent, mdOrder, '4111111111111111'));
      const text = textOf(result.body);
      assert.match(text, /Оплата прошла\. Платёж сразу зачислен на Ваш лицевой счёт/);
      assert.doesNotMatch(text, /второй рабочий день/);
    });

    test('credited later (the notification lost, the poller found it): the result names the day', async () => {
      const agent = await customer();
      const { mdOrder } = await toBank(agent, '640');
      const bank = f.t.app.payments.sandbox!;
      const deliver = bank.deliver;
      bank.deliver = () => Promise.resolve(true); // the notification is lost on its way
      try {
        const paid = await pay(agent, mdOrder, '4111111111111111');
        assert.equal(paid.statusCode, 303);
        await bank.idle();
      } finally {
        bank.deliver = deliver;
      }
      assert.equal((await f.orderRow(mdOrder)).status, 'registered');
      f.t.clock.advance(26 * 3600_000);
      await f.t.app.payments.reconcile();
      const row = await f.orderRow(mdOrder);
      assert.equal(row.status, 'paid');
      const later = await customer(); // the first session has timed out meanwhile
      const result = textOf((await later.get(`/cabinet/payment/${row.order_number}`)).body);
      assert.match(result, /Оплата прошла\. Платёж зачислен на Ваш лицевой счёт 11\.06\.2026/);
      assert.doesNotMatch(result, /сразу/);
      f.t.clock.advance(-26 * 3600_000);
    });

    test('declined: the result says nothing was taken and nothing credited', async () => {
      const agent = await customer();
      const { mdOrder } = await toBank(agent, '300');
      await pay(agent, mdOrder, '4000 0000 0000 0002');
      await pay(agent, mdOrder, '4000 0000 0000 0002');
      const third = await pay(agent, mdOrder, '4000 0000 0000 0002');
      const { result } = await backToPortal(agent, third);
      assert.match(
        textOf(result.body),
        /Платёж не выполнен: банк отклонил операцию\. Деньги с карты не списаны, на лицевой счёт ничего не зачислено\./,
      );
    });
  });
}
