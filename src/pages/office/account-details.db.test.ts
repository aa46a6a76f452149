import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import {
  Agent,
  addAccount,
  createTestApp,
  openCabinet,
  testDialects,
  textOf,
  type TestApp,
} from '../../../test/helpers.ts';
import { confirmPathOf, startSmtpSink, type SmtpSink } from '../../../test/mail-support.ts';
import { auditRows, staffAgent } from '../../../test/office-staff.ts';
import { closeMonth } from '../../features/billing/close-month.ts';
import { DEMO_ACCOUNT } from '../../tools/demo/demo-account.ts';

// The operators' actions on an account's details (issue 18): the number of residents, which the
// next closed month charges by, and (below) the bill e-mail on the customer's written request.
// Each needs a reason, is audited with before and after, returns to the account card, and is
// refused to other roles and without the CSRF token.

for (const dialect of await testDialects()) {
  describe(`office account details (${dialect})`, () => {
    let t: TestApp;
    let operator: Agent;
    let operatorId: number;
    let accountant: Agent;
    let demoId: number;
    let card: string;
    let sink: SmtpSink;

    before(async () => {
      sink = await startSmtpSink();
      t = await createTestApp(dialect, { env: { SMTP_URL: sink.url } });
      ({ agent: operator, id: operatorId } = await staffAgent(t, 'operator3', ['operator'], '10.82.0.1'));
      ({ agent: accountant } = await staffAgent(t, 'accountant3', ['accountant'], '10.82.0.2'));
      const demo = await t.db.kysely
        .selectFrom('accounts')
        .select('id')
        .where('number', '=', DEMO_ACCOUNT.number)
        .executeTakeFirstOrThrow();
      demoId = Number(demo.id);
      card = `/office/accounts/${demoId}`;
    });
    after(async () => {
      await t.close();
      await sink.close();
    });

    const residentsOf = async (id: number) =>
      (
        await t.db.kysely
          .selectFrom('accounts')
          .select('residents')
          .where('id', '=', id)
          .executeTakeFirstOrThrow()
      ).residents;

    test("the card links an operator to every operator's action, an accountant to recalculation only", async () => {
      const page = await operator.get(card);
      for (const action of ['reading', 'residents', 'email', 'resend-bill', 'unlock']) {
        assert.ok(page.body.includes(`href="${card}/${action}"`), action);
      }
      assert.ok(!page.body.includes(`href="${card}/recalculate"`));
      const links = [...(await accountant.get(card)).body.matchAll(/href="([^"]+)"/g)]
        .map((m) => m[1]!)
        .filter((href) => href.startsWith(`${card}/`) && !href.includes('/bills/'));
      assert.deepEqual(links, [`${card}/recalculate`]);
    });

    test('residents: refused input gets its message next to the field and stores nothing', async () => {
      const form = await operator.get(`${card}/residents`);
      assert.equal(form.statusCode, 200);
      assert.match(textOf(form.body), /Сейчас указано: 1\./);
      const cases: Array<[string, string]> = [
        ['', 'Укажите число проживающих.'],
        ['100', 'Число проживающих — целое число от 0 до 99.'],
        ['-1', 'Число проживающих — целое число от 0 до 99.'],
        ['2,5', 'Число проживающих — целое число от 0 до 99.'],
        ['1', 'Это число уже указано: 1.'],
      ];
      for (const [value, message] of cases) {
        const res = await operator.post(`${card}/residents`, { residents: value, reason: 'справка' });
        assert.equal(res.statusCode, 400, value);
        assert.ok(res.body.includes(`id="residents-error"`), value);
        assert.ok(textOf(res.body).includes(message), `${value}: ${textOf(res.body)}`);
        assert.ok(res.body.includes(`value="${value}"`) || value === '', value);
      }
      const noReason = await operator.post(`${card}/residents`, { residents: '3', reason: '  ' });
      assert.equal(noReason.statusCode, 400);
      assert.match(noReason.body, /id="residents-reason-error"[^>]*>Укажите причину/);
      assert.equal(await residentsOf(demoId), 1);
      assert.deepEqual(await auditRows(t, 'residents_change'), []);
    });

    test('residents: stored, audited with before and after, shown on the card', async () => {
      const res = await operator.post(`${card}/residents`, {
        residents: ' 3 ',
        reason: 'Справка о регистрации № 12 от 01.06.2026',
      });
      assert.equal(res.statusCode, 303);
      assert.equal(res.headers.location, card);
      assert.equal(await residentsOf(demoId), 3);
      const audit = await auditRows(t, 'residents_change');
      assert.deepEqual(
        audit.map((a) => [a.staffUserId, a.account, a.details]),
        [
          [
            operatorId,
            DEMO_ACCOUNT.number,
            {
              reason: 'Справка о регистрации № 12 от 01.06.2026',
              before: { residents: 1 },
              after: { residents: 3 },
            },
          ],
        ],
      );
      assert.match(textOf((await operator.get(card)).body), /Проживает 3 Счётчик/);
      assert.match(textOf((await operator.get(card)).body), /residents_change/);
    });

    test('residents: the next closed month charges the norm by the new number', async () => {
      const id = await addAccount(t.db, { number: '1705057211', surname: 'Нормов' });
      // No meter: the month is charged by the norm (п.42), norm × residents.
      await t.db.kysely.deleteFrom('meters').where('account_id', '=', id).execute();
      const res = await operator.post(`/office/accounts/${id}/residents`, {
        residents: '4',
        reason: 'заявление',
      });
      assert.equal(res.statusCode, 303);
      await closeMonth(t.db, {
        period: '2026-06',
        currentPeriod: '2026-07',
        limits: t.config.billing,
        readingsLastDay: t.config.readingsLastDay,
        now: () => t.clock.now(),
      });
      const text = textOf((await operator.get(`/office/accounts/${id}`)).body);
      assert.match(text, /по нормативу: [0-9\s]+ кВт·ч × 4 чел\./);
    });

    const subscription = () =>
      t.db.kysely
        .selectFrom('mail_subscriptions')
        .select(['email', 'subscribed', 'confirmed_at'])
        .where('account_id', '=', demoId)
        .executeTakeFirst();
    const cabinetText = async () =>
      (await openCabinet(t.app, '10.82.1.1', DEMO_ACCOUNT.number, DEMO_ACCOUNT.surname)).text;

    test('e-mail: refused input gets its message next to the field and stores nothing', async () => {
      const form = await operator.get(`${card}/email`);
      assert.equal(form.statusCode, 200);
      assert.match(textOf(form.body), /Адрес для квитанций не указан\./);
      const cases: Array<[Record<string, string>, string, string]> = [
        [{ email: '', subscribed: 'yes' }, 'email', 'Введите адрес электронной почты.'],
        [
          { email: 'ivanov.mail.ru', subscribed: 'yes' },
          'email',
          'В адресе электронной почты нет знака «@».',
        ],
        [{ email: 'ivanov@mail.ru', subscribed: 'yes', reason: '' }, 'email-reason', 'Укажите причину'],
        [{ action: 'delete' }, 'email', 'Адрес для квитанций не указан: удалять нечего.'],
      ];
      for (const [body, field, message] of cases) {
        const res = await operator.post(`${card}/email`, { reason: 'заявление № 7', ...body });
        assert.equal(res.statusCode, 400, message);
        assert.ok(res.body.includes(`id="${field}-error"`), message);
        assert.ok(textOf(res.body).includes(message), `${message}: ${textOf(res.body)}`);
      }
      assert.equal(await subscription(), undefined);
      assert.equal(sink.received.length, 0);
    });

    test('e-mail on a written request: stored unconfirmed, the link confirms it, audited masked', async () => {
      const reason = 'Заявление № 7 от 09.06.2026';
      const res = await operator.post(`${card}/email`, {
        email: ' Petrov@Mail.RU ',
        subscribed: 'yes',
        reason,
      });
      assert.equal(res.statusCode, 303);
      assert.equal(res.headers.location, card);
      assert.deepEqual(
        { ...(await subscription()), confirmed_at: null },
        {
          email: 'petrov@mail.ru',
          subscribed: 1,
          confirmed_at: null,
        },
      );
      assert.equal((await subscription())?.confirmed_at, null);
      assert.match(
        textOf((await operator.get(card)).body),
        /petrov@mail\.ru: подписан, адрес не подтверждён/,
      );
      assert.match(await cabinetText(), /Адрес petrov@mail\.ru ожидает подтверждения/);

      await sink.waitFor(1);
      assert.deepEqual(sink.received[0]!.rcpt, ['petrov@mail.ru']);
      const path = await confirmPathOf(sink.received[0]!);
      const phone = new Agent(t.app, '10.82.1.2');
      await phone.get(path);
      assert.equal((await phone.post(path, {})).statusCode, 200);
      assert.notEqual((await subscription())?.confirmed_at, null);
      assert.match(textOf((await operator.get(card)).body), /petrov@mail\.ru: подписан, адрес подтверждён/);

      // The same address and choice again: nothing to change.
      const same = await operator.post(`${card}/email`, {
        email: 'petrov@mail.ru',
        subscribed: 'yes',
        reason,
      });
      assert.equal(same.statusCode, 400);
      assert.match(textOf(same.body), /Этот адрес уже указан, с тем же выбором рассылки/);

      const change = (await auditRows(t, 'email_change')).at(-1)!;
      assert.equal(change.staffUserId, operatorId);
      assert.equal(change.account, DEMO_ACCOUNT.number);
      assert.deepEqual(change.details, {
        email: 'p***@mail.ru',
        previous: null,
        subscribed: true,
        reason,
        before: null,
        after: { email: 'p***@mail.ru', subscribed: true, confirmed: false },
      });
      const sent = (await auditRows(t, 'email_confirmation')).at(-1)!;
      assert.equal(sent.staffUserId, operatorId);
      assert.equal(sent.outcome, 'sent');
    });

    test('e-mail: bills switched off, then the address removed, on request; audited with before and after', async () => {
      const off = await operator.post(`${card}/email`, { email: 'petrov@mail.ru', reason: 'Заявление № 8' });
      assert.equal(off.statusCode, 303);
      assert.equal((await subscription())?.subscribed, 0);
      assert.notEqual((await subscription())?.confirmed_at, null, 'the address stays confirmed');
      const sub = (await auditRows(t, 'email_subscription')).at(-1)!;
      assert.equal(sub.staffUserId, operatorId);
      assert.equal(sub.outcome, 'off');
      assert.deepEqual(sub.details, {
        email: 'p***@mail.ru',
        via: 'office',
        reason: 'Заявление № 8',
        before: { email: 'p***@mail.ru', subscribed: true, confirmed: true },
        after: { email: 'p***@mail.ru', subscribed: false, confirmed: true },
      });

      const removed = await operator.post(`${card}/email`, { action: 'delete', reason: 'Заявление № 9' });
      assert.equal(removed.statusCode, 303);
      assert.equal(await subscription(), undefined);
      const del = (await auditRows(t, 'email_delete')).at(-1)!;
      assert.equal(del.staffUserId, operatorId);
      assert.deepEqual(del.details, {
        email: 'p***@mail.ru',
        reason: 'Заявление № 9',
        before: { email: 'p***@mail.ru', subscribed: false, confirmed: true },
        after: null,
      });
      assert.match(textOf((await operator.get(card)).body), /Адрес для квитанций не указан\./);
      // No audit row of these actions holds the whole address.
      const details = await t.db.kysely.selectFrom('audit_log').select('details').execute();
      assert.ok(details.every((d) => !(d.details ?? '').includes('petrov@')));
    });

    test('e-mail: the same unconfirmed address sends the link again; past the limit the operator is told', async () => {
      const id = await addAccount(t.db, { number: '1705057229', surname: 'Почтов' });
      const url = `/office/accounts/${id}/email`;
      const before = sink.received.length;
      const body = { email: 'pochtov@mail.ru', subscribed: 'yes', reason: 'Заявление № 10' };
      for (let i = 0; i < 3; i++) {
        const res = await operator.post(url, body);
        assert.equal(res.statusCode, 303, `post ${i + 1}`);
      }
      await sink.waitFor(before + 3);
      assert.deepEqual(
        sink.received.slice(before).map((m) => m.rcpt),
        [['pochtov@mail.ru'], ['pochtov@mail.ru'], ['pochtov@mail.ru']],
      );
      const limited = await operator.post(url, body);
      assert.equal(limited.statusCode, 200);
      assert.match(
        textOf(limited.body),
        /Адрес сохранён, но письмо со ссылкой для подтверждения не отправлено: .* Сохраните адрес ещё раз после \d\d:\d\d\./,
      );
      assert.match(
        textOf(limited.body),
        /Сейчас: pochtov@mail\.ru, не подтверждён, квитанции отправляются\./,
      );
      const outcomes = (await auditRows(t, 'email_confirmation'))
        .filter((a) => a.account === '1705057229')
        .map((a) => [a.staffUserId, a.outcome]);
      assert.deepEqual(outcomes, [
        [operatorId, 'sent'],
        [operatorId, 'sent'],
        [operatorId, 'sent'],
        [operatorId, 'limited'],
      ]);
    });

    test('other roles get 403; a post without the CSRF token is refused and stores nothing', async () => {
      for (const action of ['residents', 'email']) {
        assert.equal((await accountant.get(`${card}/${action}`)).statusCode, 403, action);
        assert.equal(
          (await accountant.post(`${card}/${action}`, { residents: '5', email: 'x@mail.ru', reason: 'x' }))
            .statusCode,
          403,
          action,
        );
      }
      assert.equal((await operator.get('/office/accounts/999999/residents')).statusCode, 404);
      assert.equal((await operator.get('/office/accounts/999999/email')).statusCode, 404);
      const saved = operator.csrf;
      operator.csrf = '';
      try {
        for (const action of ['residents', 'email']) {
          const res = await operator.post(`${card}/${action}`, {
            residents: '5',
            email: 'x@mail.ru',
            subscribed: 'yes',
            reason: 'без токена',
          });
          assert.equal(res.statusCode, 403, action);
        }
      } finally {
        operator.csrf = saved;
      }
      assert.equal(await residentsOf(demoId), 3);
      assert.equal(await subscription(), undefined);
    });
  });
}
