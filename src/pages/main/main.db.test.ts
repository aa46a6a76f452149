import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import {
  Agent,
  addAccount,
  addMayNormCharge,
  createTestApp,
  openCabinet,
  testDialects,
  textOf,
  type TestApp,
} from '../../../test/helpers.ts';
import { DEMO_ACCOUNT } from '../../tools/demo/demo-account.ts';
import { formatRubles } from '../../domain/format.ts';
import { loadSlipDocument } from '../../features/billing/bill-document.ts';
import { slipQrPayload } from '../../features/billing/pdf/bill-qr.ts';

const HOSTILE_SURNAME = "О'Хара<script>alert(1)</script>";
const HOSTILE_ADDRESS = 'г. Абакан, ул. "Кавычки" & <b>Теги</b>, д. 5\'';

for (const dialect of await testDialects()) {
  describe(`the customer's main page (${dialect})`, () => {
    let t: TestApp;
    before(async () => {
      t = await createTestApp(dialect); // today: 2026-06-10 in Krasnoyarsk
      await addAccount(t.db, {
        number: '1000000017',
        surname: HOSTILE_SURNAME,
        address: HOSTILE_ADDRESS,
        serial: '777555',
        payments: [['2026-03-03', 123_456]],
      });
    });
    after(async () => t.close());

    const page = (account: string, surname: string) =>
      openCabinet(t.app, `10.20.${Number(account.slice(-2))}.1`, account, surname);

    test('the top answers what is owed and what to do now, before the seed sections', async () => {
      const { html, text } = await page(DEMO_ACCOUNT.number, DEMO_ACCOUNT.surname);
      // 2026-06-10: the May bill left an overpayment; the window opens on the 15th; the meter's
      // verification ended on 2026-06-01.
      assert.match(
        text.replace(/\u00a0/g, ' '),
        /Личный кабинет для физических лиц Главное Переплата 738,65 ₽ — будет учтена в следующем счёте Последнее показание: 28 470 от 3 июня 2026 г\. Передайте показания с 15 по 25 июня Срок поверки счётчика истёк 01\.06\.2026: поверьте или замените счётчик Передать показания Оплатить Справочная информация о потребителе/,
      );
      assert.match(html, /<a class="button primary" href="#reading-form">Передать показания<\/a>/);
      assert.match(html, /<section class="panel" id="reading-form"/);
      // No bill yet and a payment: an overpayment; no readings yet.
      const other = await page('1000000017', HOSTILE_SURNAME);
      assert.match(
        other.text,
        /Главное Переплата 1\s234,56 ₽ — будет учтена в следующем счёте Показаний пока нет/,
      );
    });

    test('the demo account reproduces the seed: reference information', async () => {
      const { html, text } = await page(DEMO_ACCOUNT.number, DEMO_ACCOUNT.surname);
      assert.match(text, /Главная → Физическим лицам → Личный кабинет/);
      assert.match(text, /Лицевой счет 1705057190/);
      assert.match(text, /Ф\.И\.О\. Иванов Пётр Сергеевич/);
      assert.match(text, /Адрес Республика Хакасия, г\. Черногорск, ул\. Бограда 71/);
      assert.match(text, /Номер счетчика 168077/);
      assert.match(text, /Значность счетчика 5/);
      assert.match(text, /Количество прописанных человек 1/);
      assert.match(text, /Тариф, РУБ 1,61000/);
      // −1092.85 at the end of May, plus 220 kWh × 1.61 since the billed reading 28250 → 28470.
      assert.match(text, /Сумма к оплате на дату передачи показания\* −738,65 руб\./);
      assert.match(html, /<tr class="balance overpaid">/);
      assert.match(text, /\*Окончательный расчет будет произведен в последний день текущего месяца!/);
      assert.match(html, /<a href="\/offices">обратитесь в ближайший офис/);
      assert.match(text, /выход/);
    });

    test('the verification warning sits between the reference information and the charges', async () => {
      const { html, text } = await page(DEMO_ACCOUNT.number, DEMO_ACCOUNT.surname);
      assert.match(
        text,
        /ВНИМАНИЕ! .*дата истечения межповерочного интервала Вашего прибора учета электрической энергии наступила 2026-06-01/,
      );
      assert.match(text, /п\.п\. 59, 60 Правил предоставления коммунальных услуг/);
      const ref = html.indexOf('Справочная информация о потребителе');
      const warn = html.indexOf('ВНИМАНИЕ!');
      const charges = html.indexOf('История начислений');
      assert.ok(ref < warn && warn < charges);
    });

    test('the bill of a closed month is a PDF for its owner only; other months get a page', async () => {
      const { agent } = await page(DEMO_ACCOUNT.number, DEMO_ACCOUNT.surname);
      const pdf = await agent.get('/cabinet/bills/2026-02.pdf');
      assert.equal(pdf.statusCode, 200);
      assert.equal(pdf.headers['content-type'], 'application/pdf');
      assert.equal(pdf.headers['content-disposition'], 'inline; filename="1705057190-2026-02.pdf"');
      assert.equal(pdf.rawPayload.subarray(0, 5).toString(), '%PDF-');
      const dl = await agent.get('/cabinet/bills/2026-02.pdf?download=1');
      assert.equal(dl.headers['content-disposition'], 'attachment; filename="1705057190-2026-02.pdf"');
      for (const missing of ['2026-07.pdf', '2026-13.pdf', 'x.pdf', '..%2F..%2Fetc.pdf']) {
        const res = await agent.get(`/cabinet/bills/${missing}`);
        assert.equal(res.statusCode, 404, missing);
        assert.match(textOf(res.body), /Квитанции за этот период нет/);
      }
      assert.equal((await t.app.inject({ url: '/cabinet/bills/2026-02.pdf' })).statusCode, 303);
      // Another customer asking for the same month gets nothing of the demo account's.
      const other = await page('1000000017', HOSTILE_SURNAME);
      assert.equal((await other.agent.get('/cabinet/bills/2026-02.pdf')).statusCode, 404);
    });

    test('the printable slip: requisites, today, the last new reading, the sum blank, a QR code; and as PDF', async () => {
      const { agent, html } = await page(DEMO_ACCOUNT.number, DEMO_ACCOUNT.surname);
      assert.match(html, /<a class="button" href="\/cabinet\/slip">Распечатать квитанцию<\/a>/);
      const res = await agent.get('/cabinet/slip');
      assert.equal(res.statusCode, 200);
      const text = textOf(res.body);
      assert.match(text, /КВИТАНЦИЯ ОПЛАТУ ЗА ПОТРЕБЛЕННУЮ ЭЛЕКТРОЭНЕРГИЮ, СОГЛАСНО ЖК РФ/);
      assert.match(text, /р\/сч 40702810171020110607 · Отделение № 8602 Сбербанка России · БИК 049514608/);
      assert.match(
        text,
        /Абонент №: 1705057190 Ф\.И\.О\.: Иванов Пётр Сергеевич Адрес: Республика Хакасия, г\. Черногорск, ул\. Бограда 71/,
      );
      // Today (10.06.2026) and the reading of 2026-06-03, sent after the last bill (May); the sum is blank.
      assert.match(
        res.body,
        /<td>10\.06\.2026<\/td><td class="slip-reading">28\u00a0470<\/td><td class="slip-sum"><\/td>/,
      );
      assert.equal((res.body.match(/class="qr slip-qr"/g) ?? []).length, 1);
      const pdf = await agent.get('/cabinet/slip.pdf');
      assert.equal(pdf.statusCode, 200);
      assert.equal(pdf.headers['content-type'], 'application/pdf');
      // An account with no reading since its last bill gets an empty reading field, as the seed says.
      const other = await page('1000000017', HOSTILE_SURNAME);
      const empty = await other.agent.get('/cabinet/slip');
      assert.match(empty.body, /<td class="slip-reading"><\/td><td class="slip-sum"><\/td>/);
      assert.doesNotMatch(empty.body, /1705057190|Бограда/);
    });

    test('the slip of an account whose stored address holds a tab and a line break is served, the QR with spaces', async () => {
      const id = await addAccount(t.db, {
        number: '1000000072',
        surname: 'Табова',
        address: 'г. Абакан,\tул. Щетинкина\r\n12',
        serial: '720072',
      });
      const { agent } = await page('1000000072', 'Табова');
      const res = await agent.get('/cabinet/slip');
      assert.equal(res.statusCode, 200);
      assert.match(textOf(res.body), /Адрес: г\. Абакан, ул\. Щетинкина 12/);
      const pdf = await agent.get('/cabinet/slip.pdf');
      assert.equal(pdf.statusCode, 200);
      assert.equal(pdf.headers['content-type'], 'application/pdf');
      const slip = await loadSlipDocument(t.db.kysely, id, '2026-06-10');
      assert.ok(slip);
      assert.match(slipQrPayload(slip), /\|PayerAddress=г\. Абакан, ул\. Щетинкина 12\|/);
    });

    test('a surname with quotes and markup, and an address with quotes, are shown escaped', async () => {
      const { html, text } = await page('1000000017', "о'хара<script>alert(1)</script>");
      assert.doesNotMatch(html, /<script>alert/);
      assert.doesNotMatch(html, /<b>Теги<\/b>/);
      assert.match(html, /О'Хара&lt;script>alert\(1\)&lt;\/script>|О&#39;Хара&lt;script&gt;/);
      assert.ok(text.includes(`${HOSTILE_SURNAME} Анна Ивановна`), text);
      assert.ok(text.includes(HOSTILE_ADDRESS));
    });

    test("one account never sees another's data", async () => {
      const a = await page('1000000017', HOSTILE_SURNAME);
      assert.doesNotMatch(a.text, /168077|Бограда|2 000,00|Иванов Пётр/);
      assert.match(a.text, /777555/);
      assert.match(a.text, /1 234,56/);
      assert.doesNotMatch(a.text, /ВНИМАНИЕ!/); // its meter is verified until 2036
      const b = await page(DEMO_ACCOUNT.number, DEMO_ACCOUNT.surname);
      assert.doesNotMatch(b.text, /777555|Кавычки|1 234,56/);
    });

    test('a debt is red', async () => {
      const { html, text } = await page('1000000017', HOSTILE_SURNAME);
      // No charges yet and 1234.56 paid: an overpayment.
      assert.match(text, /Сумма к оплате на дату передачи показания\* −1 234,56 руб\./);
      assert.match(html, /class="balance overpaid"/);
      const id = await addAccount(t.db, { number: '2000000018', surname: 'Должникова', serial: '100200' });
      await addMayNormCharge(t.db, id);
      const d = await page('2000000018', 'должникова');
      assert.match(d.text, /Сумма к оплате на дату передачи показания\* 161,00 руб\. \(долг\)/);
      assert.match(d.html, /class="balance debt"/);
      assert.match(d.text, /2026-05-31 по нормативу 0,00 161,00 2026 Май/);
      // At the top: the amount and the day it is due, the 10th of the month after the bill's.
      assert.match(
        d.html,
        /<p class="summary-balance debt">К оплате <strong>161,00\u00a0₽<\/strong> до 10 июня<\/p>/,
      );
    });

    test("the balance is the same whether the history it needs is inside the page's two years or older", async () => {
      // One history shifted by whole years: inside the page's lists (from 2025-01-01) and before them;
      // and once more with more payments since the bill than the page reads (its six and one), whose
      // sum must come from all of them.
      const price = await t.db.kysely
        .selectFrom('tariff_prices')
        .innerJoin('tariff_plans', 'tariff_plans.id', 'tariff_prices.plan_id')
        .select(['price_e5', 'valid_from'])
        .where('tariff_plans.code', '=', 'single')
        .where('valid_from', '<=', '2026-06-10')
        .orderBy('valid_from', 'desc')
        .executeTakeFirstOrThrow();
      for (const [number, surname, year, extra] of [
        ['2000000026', 'Давняя', 2022, 0],
        ['2000000034', 'Недавняя', 2025, 0],
        ['2000000042', 'Частая', 2026, 8],
      ] as const) {
        const expected = 50_00 - 20_00 - extra * 1_00 + Math.round((100 * Number(price.price_e5)) / 1000);
        const small = Array.from(
          { length: extra },
          (_, i) => [`${year}-04-0${i + 1}`, 1_00] as [string, number],
        );
        const id = await addAccount(t.db, {
          number,
          surname,
          serial: '300400',
          payments: [
            [`${year}-03-15`, 7_77], // before the billing date: already in the closed debt
            ...small,
            [`${year}-05-01`, 20_00],
          ],
        });
        const meter = await t.db.kysely
          .selectFrom('meters')
          .select('id')
          .where('account_id', '=', id)
          .executeTakeFirstOrThrow();
        const reading = async (date: string, value: number, status: 'accepted' | 'rejected') => {
          const r = await t.db.kysely
            .insertInto('readings')
            .values({
              account_id: id,
              meter_id: Number(meter.id),
              reading_date: date,
              value1: value,
              value2: null,
              value3: null,
              channel: 'customer',
              status,
              reason: null,
              submitted_at: 0,
              submitted_ip: null,
              submission_key: null,
              billing_period: null,
            })
            .returning('id')
            .executeTakeFirstOrThrow();
          return Number(r.id);
        };
        const billed = await reading(`${year}-03-20`, 1000, 'accepted');
        await reading(`${year}-06-20`, 1100, 'accepted');
        await reading(`${year}-07-20`, 5000, 'rejected');
        await t.db.kysely
          .insertInto('charges')
          .values({
            account_id: id,
            period: `${year}-03`,
            billed_on: `${year}-03-31`,
            reading_id: billed,
            reading_value: 1000,
            kwh: 100,
            amount_kop: 50_00,
            odn_kwh: 0,
            odn_kop: 0,
            method: 'readings',
            payments_kop: 0,
            debt_start_kop: 0,
            debt_kop: 50_00,
            tariff_e5: Number(price.price_e5),
            details: null,
          })
          .execute();
        const { text } = await page(number, surname);
        assert.ok(
          text.includes(
            `Сумма к оплате на дату передачи показания* ${formatRubles(expected).replace(/\s/g, ' ')} руб. (долг)`,
          ),
          `${year}: ${text.slice(0, 600)}`,
        );
        // The reading form offers the latest accepted reading, not the newer rejected one.
        assert.ok(
          text.includes(`Расход, кВт*ч ${year}-06-20 1 100 `),
          `${year}: the form's previous reading`,
        );
      }
    });

    test('the offices page lists every office from the database', async () => {
      const res = await t.app.inject({ url: '/offices' });
      assert.equal(res.statusCode, 200);
      const offices = await t.db.kysely
        .selectFrom('offices')
        .select(['address', 'phones', 'hours'])
        .execute();
      assert.ok(offices.length >= 3);
      for (const o of offices) {
        assert.ok(res.body.includes(o.address), o.address);
        assert.ok(res.body.includes(o.phones), o.phones);
        assert.ok(res.body.includes(o.hours), o.hours);
      }
      assert.match(res.body, /<div id="offices-map" class="offices-map" hidden/);
    });
  });
}

for (const dialect of await testDialects()) {
  describe(`"Как рассчитано" and the consumption chart (${dialect})`, () => {
    test('each charge explains itself with the customer numbers; the chart marks estimated months', async () => {
      const t = await createTestApp(dialect);
      try {
        const agent = new Agent(t.app, '10.21.0.1');
        await agent.login(DEMO_ACCOUNT.number, DEMO_ACCOUNT.surname);
        const html = (await agent.get('/cabinet')).body;
        const text = textOf((await agent.get('/cabinet/history/charges')).body);
        // May 2026 (the seed's May 2014): 28 250 − 27 440 = 810 kWh × 1.61 = 1 304.10.
        assert.match(
          text,
          /2026 Май Как рассчитано 810 кВт·ч × 1,6100 ₽ = 1 304,10 ₽, по показаниям 27 440 → 28 250/,
        );
        // August 2025 had no reading: charged by the average, settled in September.
        assert.match(
          text,
          /2025 Август Как рассчитано \d+ кВт·ч × 1,6100 ₽ = [\d ]+,\d\d ₽ Показания за месяц не переданы\./,
        );
        assert.match(
          text,
          /по показаниям 24 501 → 25 100, за вычетом \d+ кВт·ч, начисленных ранее по среднему/,
        );
        assert.match(html, /<svg class="consumption-chart"/);
        assert.equal((html.match(/class="bar estimated"/g) ?? []).length, 1); // August 2025
        assert.ok((html.match(/class="bar"/g) ?? []).length >= 15);
        assert.match(html, /<title>2026-05: 810 кВт·ч<\/title>/);
      } finally {
        await t.close();
      }
    });
  });
}
