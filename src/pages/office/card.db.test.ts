import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import {
  Agent,
  createTestApp,
  openCabinet,
  testDialects,
  textOf,
  type TestApp,
} from '../../../test/helpers.ts';
import { staffAgent } from '../../../test/office-staff.ts';
import { DEMO_ACCOUNT } from '../../tools/demo/demo-account.ts';
import { reviewReadings } from '../../features/readings/readings.backoffice.ts';
import {
  changeStatus,
  insertOrder,
  markPaid,
  markRegistered,
} from '../../features/payments/payments.repository.ts';
import { CARD_ROWS } from './card.service.ts';

/** A section of the card's page (by its id), as text. */
function sectionOf(html: string, id: string): string {
  return textOf(new RegExp(`id="${id}"[\\s\\S]*?</section>`).exec(html)?.[0] ?? '');
}

/** The address of a pager's link (`rel="prev"` or `rel="next"`) in the nav `id`, if it has one. */
function linkOf(html: string, id: string, rel: 'prev' | 'next'): string | undefined {
  const nav = new RegExp(`<nav id="${id}"[\\s\\S]*?</nav>`).exec(html)?.[0] ?? '';
  const href = new RegExp(`<a href="([^"]*)" rel="${rel}"`).exec(nav)?.[1];
  return href?.replace(/&amp;/g, '&');
}

// The account card (/office/accounts/:id) on both databases: the customer's own view, and what
// only staff see; refused to customers, anonymous visitors and roles the matrix leaves out.

for (const dialect of await testDialects()) {
  describe(`office account card (${dialect})`, () => {
    let t: TestApp;
    let demoId: number;
    let operator: Agent;
    before(async () => {
      t = await createTestApp(dialect);
      const row = await t.db.kysely
        .selectFrom('accounts')
        .select('id')
        .where('number', '=', DEMO_ACCOUNT.number)
        .executeTakeFirstOrThrow();
      demoId = Number(row.id);
      operator = (await staffAgent(t, 'operator', ['operator'], '10.73.0.1')).agent;
    });
    after(async () => t.close());

    test('shows the customer view and the staff-only sections with the account’s own data', async () => {
      // A stranger's wrong surname, then the holder's login (with its consent) from another address.
      const stranger = new Agent(t.app, '10.73.9.9');
      assert.equal((await stranger.login(DEMO_ACCOUNT.number, 'Петров')).statusCode, 401);
      await openCabinet(t.app, '10.73.1.2', DEMO_ACCOUNT.number, DEMO_ACCOUNT.surname);
      // A reading the rules held, decided by an operator.
      const meter = await t.db.kysely
        .selectFrom('meters')
        .select('id')
        .where('account_id', '=', demoId)
        .executeTakeFirstOrThrow();
      const held = await t.db.kysely
        .insertInto('readings')
        .values({
          account_id: demoId,
          meter_id: Number(meter.id),
          reading_date: '2026-06-09',
          value1: 99999,
          channel: 'internet',
          status: 'review',
          reason: 'расход больше 50 000 кВт·ч',
          submitted_at: t.clock.now().getTime(),
          submitted_ip: '10.73.1.2',
        })
        .returning('id')
        .executeTakeFirstOrThrow();
      await reviewReadings(
        t.db.kysely,
        [{ id: Number(held.id), decision: 'rejected', note: 'опечатка клиента' }],
        {
          now: () => t.clock.now(),
          operator: 'petrova',
        },
      );

      const res = await operator.get(`/office/accounts/${demoId}`);
      assert.equal(res.statusCode, 200);
      const html = res.body;
      const text = textOf(html);
      const section = (id: string) =>
        textOf(new RegExp(`id="${id}"[\\s\\S]*?</section>`).exec(html)?.[0] ?? '');
      assert.match(text, /Лицевой счёт 1705057190/);
      assert.match(section('card-customer'), /Иванов Пётр Сергеевич/);
      assert.match(section('card-customer'), /Сальдо/);
      // Each month's charge with "Как рассчитано" lines, as the customer's history has them.
      assert.match(section('card-customer'), /2026 Май по показаниям 810 кВт·ч × 1,6100 ₽ = 1 304,10 ₽/);
      // The whole of the previous year, not only the main page's newest rows.
      assert.match(section('card-customer'), /2025 Январь/);
      const readings = section('card-readings');
      assert.match(readings, /99 999/);
      assert.match(readings, /расход больше 50 000 кВт·ч/);
      assert.match(readings, /отклонено/);
      assert.match(readings, /petrova, .*опечатка клиента/);
      assert.match(readings, /Интернет/);
      const logins = section('card-logins');
      assert.match(logins, /10\.73\.1\.2/);
      assert.match(logins, /10\.73\.9\.9/);
      assert.match(logins, /неверные данные/);
      assert.match(section('card-consents'), /10\.73\.1\.2/);
      assert.match(section('card-mail'), /Адрес для квитанций не указан|подписан/);
      assert.match(section('card-orders'), /Оплат через портал не было|Заказ/);
      assert.match(section('card-recalculations'), /Перерасчёт/);
      const audit = section('card-audit');
      assert.match(audit, /reading_review/);
      assert.match(audit, /login/);
      assert.match(audit, /success/);
      // Never the surname typed at a failed login.
      assert.doesNotMatch(html, /Петров/);
    });

    test('a reviewer and a lock-out older than the audit trail shown are still on the card', async () => {
      const at = t.clock.now().getTime();
      await t.db.kysely
        .insertInto('audit_log')
        .values({
          at: at + 1,
          event: 'login',
          outcome: 'locked',
          account_number: DEMO_ACCOUNT.number,
          ip: '10.73.8.8',
          details: '{"reason":"account"}',
        })
        .execute();
      await t.db.kysely
        .insertInto('audit_log')
        .values(
          Array.from({ length: 60 }, (_, i) => ({
            at: at + 10 + i,
            event: 'logout',
            outcome: 'success',
            account_number: DEMO_ACCOUNT.number,
            ip: '10.73.7.7',
            details: null,
          })),
        )
        .execute();
      const html = (await operator.get(`/office/accounts/${demoId}`)).body;
      const section = (id: string) =>
        textOf(new RegExp(`id="${id}"[\\s\\S]*?</section>`).exec(html)?.[0] ?? '');
      assert.doesNotMatch(
        section('card-audit'),
        /reading_review|10\.73\.8\.8/,
        'both are past the newest 50 events',
      );
      assert.match(section('card-readings'), /petrova, .*опечатка клиента/);
      assert.match(section('card-logins'), /10\.73\.8\.8/);
    });

    test('the audit trail pages back, without a script, to its oldest event', async () => {
      // The previous test left more than CARD_ROWS.audit events (60 logouts newer than the rest).
      const all = await t.db.kysely
        .selectFrom('audit_log')
        .select(['id', 'event', 'ip'])
        .where('account_number', '=', DEMO_ACCOUNT.number)
        .orderBy('at', 'desc')
        .orderBy('id', 'desc')
        .execute();
      assert.ok(all.length > CARD_ROWS.audit + 10, `${all.length} events`);
      let url: string | undefined = `/office/accounts/${demoId}`;
      const pages: string[] = [];
      let rows = 0;
      while (url) {
        const res = await operator.get(url);
        assert.equal(res.statusCode, 200, url);
        pages.push(res.body);
        const table =
          /<table class="history" id="card-audit-table">[\s\S]*?<\/table>/.exec(res.body)?.[0] ?? '';
        rows += (table.match(/<tr>/g) ?? []).length - 1; // the head's row
        url = linkOf(res.body, 'card-audit-pages', 'next');
        assert.ok(pages.length <= Math.ceil(all.length / CARD_ROWS.audit), 'no page twice');
      }
      assert.equal(pages.length, Math.ceil(all.length / CARD_ROWS.audit));
      assert.equal(rows, all.length, 'every event on exactly one page');
      const first = sectionOf(pages[0] ?? '', 'card-audit');
      assert.match(first, new RegExp(`1–${CARD_ROWS.audit} из ${all.length} событий`));
      assert.doesNotMatch(first, /reading_review|10\.73\.8\.8/);
      assert.equal(linkOf(pages[0] ?? '', 'card-audit-pages', 'prev'), undefined);
      // The older pages hold what the first one could not: the review and the lock-out.
      const older = pages
        .slice(1)
        .map((h) => sectionOf(h, 'card-audit'))
        .join(' ');
      assert.match(older, /reading_review/);
      assert.match(older, /10\.73\.8\.8/);
      // «Позже» from the second page is the first page again.
      const back = linkOf(pages[1] ?? '', 'card-audit-pages', 'prev');
      assert.ok(back);
      const again = (await operator.get(back)).body;
      assert.equal(sectionOf(again, 'card-audit-table'), sectionOf(pages[0] ?? '', 'card-audit-table'));
      // A position the card did not write shows the newest events.
      const bad = await operator.get(`/office/accounts/${demoId}?audit=after-x&charges=2025`);
      assert.equal(bad.statusCode, 200);
      assert.match(sectionOf(bad.body, 'card-audit'), new RegExp(`1–${CARD_ROWS.audit} из`));
    });

    test('every month ever charged is on the card, paged, each with its explanation', async () => {
      // Three years older than the customer's histories reach: 2022 to 2024.
      const old = Array.from({ length: 36 }, (_, i) => {
        const period = `${2022 + Math.floor(i / 12)}-${String((i % 12) + 1).padStart(2, '0')}`;
        const kwh = 100 + i;
        return {
          account_id: demoId,
          period,
          billed_on: `${period}-28`,
          reading_value: 1000 + i * 100,
          kwh,
          amount_kop: kwh * 150,
          odn_kwh: 0,
          odn_kop: 0,
          payments_kop: 0,
          debt_start_kop: 0,
          method: i === 5 ? 'average' : 'readings',
          debt_kop: 0,
          tariff_e5: 150_000,
          details: null,
        };
      });
      await t.db.kysely.insertInto('charges').values(old).execute();
      const periods = (
        await t.db.kysely
          .selectFrom('charges')
          .select('period')
          .where('account_id', '=', demoId)
          .orderBy('period', 'desc')
          .execute()
      ).map((r) => r.period);
      assert.ok(periods.length > 2 * CARD_ROWS.charges, `${periods.length} months`);
      const seen: string[] = [];
      const texts: string[] = [];
      let url: string | undefined = `/office/accounts/${demoId}`;
      while (url) {
        const res = await operator.get(url);
        assert.equal(res.statusCode, 200, url);
        for (const m of res.body.matchAll(/\/bills\/([0-9]{4}-[0-9]{2})\.pdf/g)) {
          seen.push(m[1] ?? '');
        }
        texts.push(sectionOf(res.body, 'card-customer'));
        url = linkOf(res.body, 'card-charges-pages', 'next');
        assert.ok(texts.length <= Math.ceil(periods.length / CARD_ROWS.charges), 'no page twice');
      }
      assert.deepEqual(seen, periods, 'every month once, newest first');
      assert.match(texts[0] ?? '', new RegExp(`1–${CARD_ROWS.charges} из ${periods.length} месяцев`));
      assert.match(texts[0] ?? '', /2026 Май/);
      assert.doesNotMatch(texts[0] ?? '', /2022 Январь/);
      const last = texts[texts.length - 1] ?? '';
      // The oldest months, with "Как рассчитано" from the row itself.
      assert.match(
        last,
        /2022 Январь по показаниям 100 кВт·ч × 1,5000 ₽ = 150,00 ₽, по показаниям \(1 000\)/,
      );
      assert.match(texts.join(' '), /2022 Июнь по среднему \(п\. 59\) 105 кВт·ч × 1,5000 ₽ = 157,50 ₽/);
      // Paging the charges keeps the audit trail where it was, and back.
      const audited = await operator.get(`/office/accounts/${demoId}`);
      const olderAudit = linkOf(audited.body, 'card-audit-pages', 'next');
      assert.ok(olderAudit);
      const both = await operator.get(olderAudit);
      const olderCharges = linkOf(both.body, 'card-charges-pages', 'next');
      assert.ok(olderCharges);
      assert.match(olderCharges, /audit=after-/);
      assert.match(olderCharges, /charges=after-/);
    });

    test('card orders show each bank state in Russian with its amount', async () => {
      const k = t.db.kysely;
      const now = t.clock.now().getTime();
      const order = (n: number, method: 'card' | 'sbp', amountKop: number) =>
        insertOrder(k, {
          method,
          orderNumber: `H8-${n}`,
          accountId: demoId,
          formKey: `h8-form-${n}`,
          gateway: 'sandbox',
          amountKop,
          description: 'Оплата электроэнергии',
          clientIp: '10.73.4.4',
          reading: null,
          receipt: '{}',
          now: now + n,
          expiresAt: now + n + 20 * 60_000,
        });
      const paid = await order(1, 'card', 123_456);
      assert.ok(await markRegistered(k, paid, 'bank-h8-1', 'https://bank.test/1', now + 10));
      assert.ok(
        await markPaid(k, paid, ['registered'], {
          paidOn: '2026-06-10',
          paidAt: now + 20,
          authRefNum: null,
          approvalCode: null,
          now: now + 20,
        }),
      );
      const declined = await order(2, 'card', 50_000);
      assert.ok(await markRegistered(k, declined, 'bank-h8-2', 'https://bank.test/2', now + 10));
      assert.ok(
        await changeStatus(k, declined, ['registered'], 'declined', 'недостаточно средств', now + 20),
      );
      const expired = await order(3, 'sbp', 77_777);
      assert.ok(await changeStatus(k, expired, ['new'], 'expired', null, now + 20));
      const waiting = await order(4, 'sbp', 200_000);
      assert.ok(await markRegistered(k, waiting, 'bank-h8-4', 'https://bank.test/4', now + 10));

      const html = (await operator.get(`/office/accounts/${demoId}`)).body;
      const table = /<table class="history" id="card-orders-table">[\s\S]*?<\/table>/.exec(html)?.[0];
      assert.ok(table, 'the orders are listed');
      const row = (number: string) => {
        const tr = [...table.matchAll(/<tr>[\s\S]*?<\/tr>/g)].find((m) => m[0].includes(`>${number}<`));
        assert.ok(tr, number);
        return textOf(tr[0]);
      };
      assert.match(row('H8-1'), /H8-1 карта 1 234,56 ₽ оплачен 10\.06\.2026/);
      assert.match(row('H8-2'), /H8-2 карта 500,00 ₽ отклонён \(недостаточно средств\)/);
      assert.match(row('H8-3'), /H8-3 СБП 777,77 ₽ истёк/);
      assert.match(row('H8-4'), /H8-4 СБП 2 000,00 ₽ зарегистрирован банком/);
      assert.doesNotMatch(row('H8-4'), /оплачен|истёк|отклонён/);
    });

    test('another account’s data does not leak into the card', async () => {
      const other = await t.db.kysely
        .insertInto('accounts')
        .values({
          number: '1000000099',
          settlement_code: '10',
          surname: 'Сидорова',
          first_name: 'Мария',
          patronymic: 'Петровна',
          object_address: 'Республика Хакасия, г. Абакан, ул. Мира, д. 3',
          delivery_address: 'Республика Хакасия, г. Абакан, ул. Мира, д. 3',
          area_e2: 4000,
          residents: 1,
          branch_id: 1,
          tariff_plan_id: 1,
          created_at: 0,
        })
        .returning('id')
        .executeTakeFirstOrThrow();
      const res = await operator.get(`/office/accounts/${Number(other.id)}`);
      assert.equal(res.statusCode, 200);
      assert.match(res.body, /Сидорова Мария Петровна/);
      assert.doesNotMatch(res.body, /1705057190|10\.73\.1\.2|опечатка клиента/);
      assert.match(textOf(res.body), /Входов не было/);
      assert.match(textOf(res.body), /Показаний нет/);
    });

    test('the card links each month’s bill, the PDF the customer gets; another month is 404', async () => {
      const card = await operator.get(`/office/accounts/${demoId}`);
      assert.match(card.body, new RegExp(`href="/office/accounts/${demoId}/bills/2026-05\\.pdf"`));
      const pdf = await operator.get(`/office/accounts/${demoId}/bills/2026-05.pdf`);
      assert.equal(pdf.statusCode, 200);
      assert.equal(pdf.headers['content-type'], 'application/pdf');
      assert.equal(pdf.rawPayload.subarray(0, 5).toString('latin1'), '%PDF-');
      assert.match(String(pdf.headers['content-disposition']), /1705057190-2026-05\.pdf/);
      for (const url of [
        `/office/accounts/${demoId}/bills/2031-01.pdf`,
        `/office/accounts/${demoId}/bills/2026-13.pdf`,
        `/office/accounts/${demoId}/bills/x.pdf`,
        '/office/accounts/999999/bills/2026-05.pdf',
      ]) {
        assert.equal((await operator.get(url)).statusCode, 404, url);
      }
      const { agent: customer } = await openCabinet(
        t.app,
        '10.73.3.2',
        DEMO_ACCOUNT.number,
        DEMO_ACCOUNT.surname,
      );
      const asCustomer = await customer.get(`/office/accounts/${demoId}/bills/2026-05.pdf`);
      assert.equal(asCustomer.statusCode, 303);
    });

    test('an unknown account is 404 with a message; a bad id is refused by the schema', async () => {
      const res = await operator.get('/office/accounts/999999');
      assert.equal(res.statusCode, 404);
      assert.match(textOf(res.body), /Лицевой счёт не найден/);
      for (const bad of ['abc', '0', '-1', '1e3', '99999999999999999999']) {
        const r = await operator.get(`/office/accounts/${bad}`);
        assert.ok(r.statusCode >= 400 && r.statusCode < 500, `${bad}: ${r.statusCode}`);
      }
    });

    test('customers and anonymous visitors get the login page; an admin gets 403; an accountant the card', async () => {
      const url = `/office/accounts/${demoId}`;
      const anonymous = new Agent(t.app, '10.73.2.1');
      const a = await anonymous.get(url);
      assert.equal(a.statusCode, 303);
      assert.equal(a.headers.location, '/office/login');
      const { agent: customer } = await openCabinet(
        t.app,
        '10.73.2.2',
        DEMO_ACCOUNT.number,
        DEMO_ACCOUNT.surname,
      );
      const c = await customer.get(url);
      assert.equal(c.statusCode, 303);
      assert.equal(c.headers.location, '/office/login');
      const admin = (await staffAgent(t, 'admin', ['admin'], '10.73.0.2')).agent;
      const ad = await admin.get(url);
      assert.equal(ad.statusCode, 403);
      assert.doesNotMatch(ad.body, /1705057190/);
      const accountant = (await staffAgent(t, 'accountant', ['accountant'], '10.73.0.3')).agent;
      assert.equal((await accountant.get(url)).statusCode, 200);
    });
  });
}
