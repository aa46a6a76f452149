import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import {
  addAccount,
  createTestApp,
  openCabinet,
  testDialects,
  textOf,
  type TestApp,
} from '../../../test/helpers.ts';
import { DEMO_ACCOUNT } from '../../tools/demo/demo-account.ts';

for (const dialect of await testDialects()) {
  describe(`the customer's histories (${dialect})`, () => {
    let t: TestApp;
    before(async () => {
      t = await createTestApp(dialect); // today: 2026-06-10 in Krasnoyarsk
      await addAccount(t.db, {
        number: '1000000025',
        surname: 'Петрова',
        payments: [['2026-03-03', 123_456]],
      });
    });
    after(async () => t.close());

    const page = (account: string, surname: string) =>
      openCabinet(t.app, `10.30.${Number(account.slice(-2))}.1`, account, surname);

    test('histories: the six newest rows of each, newest first, and «Показать все»', async () => {
      const { html, text } = await page(DEMO_ACCOUNT.number, DEMO_ACCOUNT.surname);
      assert.match(
        text,
        /История платежей Дата Сумма руб\. Источник 2026-05-26 600,00 Банк 2026-05-16 1 000,00 Банк 2026-04-17 700,00 Банк 2026-03-24 500,00 Банк 2026-02-27 860,00 Банк 2026-01-16 1 500,00 Банк Показать все История переданных показаний/,
      );
      assert.match(
        text,
        /Статус 2026-06-03 28 470 Интернет принято 2026-05-15 28 250 Интернет принято 2026-04-21 27 440 Интернет принято 2026-03-21 27 439 Квитанция принято 2026-03-20 27 220 Интернет принято 2026-02-26 27 130 Квитанция принято Показать все История начислений/,
      );
      assert.match(
        text,
        /Дата выставления счета Показание прибора учета Начислено ОДН, руб\. Долг в рублях Квитанция с начислениями за период в формате PDF/,
      );
      const charges = [
        ...text.matchAll(/(\d{4}-\d\d-\d\d) ([\d ]+) 0,00 (−?[\d ]+,\d\d) (\d{4} [А-Яа-я]+) Как рассчитано/g),
      ];
      assert.deepEqual(
        charges.map((m) => m.slice(1).join(' ')),
        [
          '2026-05-31 28 250 −1 092,85 2026 Май',
          '2026-04-30 27 440 −796,95 2026 Апрель',
          '2026-03-31 27 439 −98,56 2026 Март',
          '2026-02-28 27 130 −96,05 2026 Февраль',
          '2026-01-31 26 600 −89,35 2026 Январь',
          '2025-12-31 26 400 1 088,65 2025 Декабрь',
        ],
      );
      assert.match(html, /<a href="\/cabinet\/bills\/2026-02\.pdf">2026 Февраль<\/a>/);
      for (const kind of ['payments', 'readings', 'charges']) {
        assert.match(
          html,
          new RegExp(`<a href="/cabinet/history/${kind}" aria-describedby="${kind}-title">Показать все</a>`),
        );
      }
      // Older rows are one link away.
      assert.doesNotMatch(text, /2025-02-05|2025-01-25 20 120|2025 Ноябрь/);
    });

    test('«Показать все»: each history whole for two years, newest first, for its owner only', async () => {
      const { agent } = await page(DEMO_ACCOUNT.number, DEMO_ACCOUNT.surname);
      const history = async (kind: string) => {
        const res = await agent.get(`/cabinet/history/${kind}`);
        assert.equal(res.statusCode, 200, kind);
        assert.equal(res.headers['cache-control'], 'no-store');
        return textOf(res.body);
      };
      const payments = await history('payments');
      assert.match(payments, /История платежей — /);
      assert.match(
        payments,
        /Главная → Физическим лицам → Личный кабинет → История платежей История платежей Дата Сумма руб\. Источник 2026-05-26 600,00 Банк .* 2025-04-08 1 600,00 Банк 2025-02-05 2 000,00 Банк Вернуться на главную страницу Личного кабинета/,
      );
      const readings = await history('readings');
      assert.match(readings, /2026-06-03 28 470 Интернет принято .* 2025-06-26 24 500 Потребитель принято/);
      assert.match(
        readings,
        /2025-01-25 20 120 Сетевая компания принято 2025-01-21 20 104 Интернет принято Вернуться/,
      );
      const charges = await history('charges');
      assert.match(
        charges,
        /2026-05-31 28 250 0,00 −1 092,85 2026 Май .* 2026-02-28 27 130 0,00 −96,05 2026 Февраль/,
      );
      assert.match(charges, /2025 Январь Как рассчитано [^\n]* Вернуться/);
      // Only the current and the previous year.
      for (const whole of [payments, readings, charges]) {
        assert.doesNotMatch(whole, /2024-\d\d-\d\d|2024 [А-Я]/);
        assert.doesNotMatch(whole, /Показать все/);
      }
      // Another customer's histories hold nothing of the demo account's.
      const other = await page('1000000025', 'Петрова');
      const theirs = await other.agent.get('/cabinet/history/payments');
      assert.match(
        textOf(theirs.body),
        /История платежей Дата Сумма руб\. Источник 2026-03-03 1 234,56 Банк Вернуться/,
      );
      // Without a session: the login page; an unknown history: not found.
      const anonymous = await t.app.inject({ url: '/cabinet/history/payments' });
      assert.equal(anonymous.statusCode, 303);
      assert.equal(anonymous.headers.location, '/cabinet?next=%2Fcabinet%2Fhistory%2Fpayments');
      const unknown = await agent.get('/cabinet/history/bills');
      assert.equal(unknown.statusCode, 404);
      assert.match(textOf(unknown.body), /Страница не найдена/);
    });
  });
}
