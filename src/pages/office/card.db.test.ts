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
