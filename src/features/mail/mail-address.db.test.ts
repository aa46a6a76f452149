import { describe, test, before } from 'node:test';
import assert from 'node:assert/strict';
import { Agent, cookieHeader, TEST_NOW, testDialects, textOf, type TestApp } from '../../../test/helpers.ts';
import { DEMO_ACCOUNT } from '../../tools/demo/demo-account.ts';
import { confirmPathOf, parse, type SmtpSink } from '../../../test/mail-support.ts';
import { HOUR, mailFixture, people } from './mail-fixture.db.test.ts';

// The customer's side: the form on the main page, the confirmation link, the rate limit,
// unticking and deleting, CSRF.

for (const dialect of await testDialects()) {
  describe(`bills by e-mail: the address and its confirmation (${dialect})`, () => {
    const f = mailFixture(dialect);
    const { session, subscription, sentTo, saveAndGetLink } = f;
    let t: TestApp;
    let sink: SmtpSink;
    before(() => {
      t = f.t;
      sink = f.sink;
    });

    test('the form on the main page: the seed texts and buttons, after the reading form', async () => {
      const { html } = await session('demo');
      const text = textOf(html);
      assert.match(
        text,
        /Чтобы получать квитанции с начислениями по электронной почте, добавьте Ваш электронный адрес:/,
      );
      assert.match(
        text,
        /Отправка квитанций производится после проведения расчетов в конце каждого месяца\./,
      );
      assert.match(text, /Я хочу получать квитанцию на свой электронный адрес/);
      assert.match(
        html,
        /<button type="submit" name="action" value="save" class="button primary">Сохранить информацию<\/button>/,
      );
      assert.match(
        html,
        /<button type="submit" name="action" value="delete" class="button">Удалить e-mail<\/button>/,
      );
      assert.match(html, /<input type="checkbox" id="mail-subscribed" name="subscribed" value="yes"\/>/);
      assert.match(html, /<form method="post" action="\/cabinet\/email"/);
      assert.ok(
        html.indexOf('id="reading-form"') < html.indexOf('id="mail-form"'),
        'the e-mail form follows the reading form',
      );
      assert.doesNotMatch(text, /ожидает подтверждения|подтверждён/);
    });

    test('invalid addresses: a Russian message next to the field, the input kept, nothing stored or sent', async () => {
      const { agent } = await session('b');
      const sent = sink.received.length;
      const cases: Array<[string, RegExp]> = [
        ['', /Введите адрес электронной почты/],
        ['petrova', /нет знака «@»/],
        ['petrova@@mail.ru', /один знак «@»/],
        ['petrova@localhost', /имя почтового сервера/],
        ['petrova@mail', /имя почтового сервера/],
        ['.petrova@mail.ru', /точка не может стоять первой/],
        ['petr ova@mail.ru', /пробелов/],
        [`${'p'.repeat(250)}@mail.ru`, /слишком длинный/],
        ['"><script>alert(1)</script>@x.ru', /допускаются буквы, цифры/],
        ['a@b.ru\r\nBcc: victim@x.ru', /пробелов/],
      ];
      for (const [value, message] of cases) {
        const res = await agent.post('/cabinet/email', { email: value, subscribed: 'yes', action: 'save' });
        assert.equal(res.statusCode, 400, value);
        const m = /id="mail-email-error"[^>]*>([^<]*)</.exec(res.body);
        assert.ok(m, `no message for "${value}"`);
        assert.match(m[1]!, message, value);
        // The summary above the form, focused, links to the field with the same message.
        const summary =
          /<div class="error-summary" id="mail-errors" [^>]*autofocus[^>]*>.*?<a href="#mail-email">([^<]*)<\/a>/.exec(
            res.body,
          );
        assert.equal(summary?.[1], m[1], value);
        assert.match(res.body, /<div class="field has-error">/);
        assert.match(res.body, /aria-invalid="true"/);
        assert.doesNotMatch(res.body, /<script>alert/);
        const field = /<input id="mail-email"[^>]*value="([^"]*)"/.exec(res.body)?.[1];
        assert.equal(textOf(field ?? ''), value.replace(/\s+/g, ' ').trim(), 'the typed value is kept');
        assert.match(
          res.body,
          /id="mail-subscribed" name="subscribed" value="yes" checked/,
          'the checkbox is kept',
        );
      }
      assert.equal(await subscription('b'), undefined);
      assert.equal(sink.received.length, sent);
    });

    test('confirmation end to end: the link from the received message, single use, nothing reveals whose', async () => {
      const { agent } = await session('demo');
      const before = sink.received.length;
      const res = await agent.post('/cabinet/email', {
        email: '  Ivanov.P@Mail.RU ',
        subscribed: 'yes',
        action: 'save',
      });
      assert.equal(res.statusCode, 303);
      assert.equal(res.headers.location, '/cabinet?mail=sent#mail-form');
      let page = textOf((await agent.get(String(res.headers.location))).body);
      assert.match(page, /На указанный адрес отправлено письмо со ссылкой для подтверждения/);
      assert.match(page, /Адрес ivanov\.p@mail\.ru ожидает подтверждения/);
      assert.match(page, /Отправить письмо ещё раз/);
      assert.equal((await subscription('demo'))?.confirmed_at, null);

      await sink.waitFor(before + 1);
      const msg = sink.received[before]!;
      assert.deepEqual(msg.rcpt, ['ivanov.p@mail.ru']);
      assert.equal(msg.from, 'noreply@khakensb.test');
      const mail = await parse(msg);
      assert.equal(mail.subject, 'Подтвердите адрес для квитанций по электронной почте');
      assert.deepEqual(
        (Array.isArray(mail.to) ? mail.to : [mail.to]).flatMap((a) => a?.value.map((v) => v.address)),
        ['ivanov.p@mail.ru'],
      );
      // The address may be a stranger's (a typo): the e-mail names neither the account nor the person.
      assert.doesNotMatch(`${mail.text}${String(mail.html)}`, /1705057190|Иванов/);
      assert.match(mail.text ?? '', /действует 24 часа/);
      const path = await confirmPathOf(msg);

      // Followed on another device, not logged in: a page with a button; the GET changes nothing.
      const phone = new Agent(t.app, '10.60.0.1');
      const get = await phone.get(path);
      assert.equal(get.statusCode, 200);
      assert.equal(get.headers['cache-control'], 'no-store');
      assert.match(
        textOf(get.body),
        /Подтвердите, что квитанции с начислениями можно отправлять на адрес i\*\*\*@mail\.ru/,
      );
      assert.doesNotMatch(get.body, /1705057190|Иванов|ivanov\.p@/);
      assert.equal((await subscription('demo'))?.confirmed_at, null);
      // A POST without the CSRF token is refused.
      const bare = await t.app.inject({
        method: 'POST',
        url: path,
        payload: '',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
      });
      assert.equal(bare.statusCode, 403);
      assert.equal((await subscription('demo'))?.confirmed_at, null);

      const ok = await phone.post(path, {});
      assert.equal(ok.statusCode, 200);
      assert.match(textOf(ok.body), /Адрес подтверждён Адрес i\*\*\*@mail\.ru подтверждён/);
      assert.notEqual((await subscription('demo'))?.confirmed_at, null);
      // Single use.
      assert.equal((await phone.post(path, {})).statusCode, 404);
      assert.equal((await phone.get(path)).statusCode, 404);

      page = textOf((await agent.get('/cabinet')).body);
      assert.match(
        page,
        /Адрес ivanov\.p@mail\.ru подтверждён\. Квитанции отправляются на него после закрытия каждого месяца/,
      );
      assert.doesNotMatch(page, /ожидает подтверждения/);

      const audit = await t.db.kysely
        .selectFrom('audit_log')
        .selectAll()
        .where('event', 'like', 'email%')
        .where('account_number', '=', DEMO_ACCOUNT.number)
        .execute();
      assert.deepEqual(
        audit.map((a) => `${a.event}:${a.outcome}`),
        ['email_change:pending', 'email_confirmation:sent', 'email_confirm:confirmed'],
      );
      for (const a of audit) {
        assert.match(a.details ?? '', /"i\*\*\*@mail\.ru"/);
        assert.doesNotMatch(a.details ?? '', /ivanov\.p@/);
      }
      assert.equal(audit[0]!.ip, '10.50.90.1');
    });

    test('a link expires after 24 hours; a changed address kills the earlier link', async () => {
      const { agent } = await session('c');
      const old = await saveAndGetLink(agent, 'sidorov@mail.test');
      const newer = await saveAndGetLink(agent, 'sidorov2@mail.test');
      assert.equal((await agent.get(old)).statusCode, 404, 'the link of the replaced address');
      assert.equal((await subscription('c'))?.email, 'sidorov2@mail.test');
      try {
        t.clock.advance(24 * HOUR + 1000);
        const phone = new Agent(t.app, '10.60.0.2');
        assert.equal((await phone.get(newer)).statusCode, 404);
        await phone.get('/cabinet'); // a CSRF token for the POST
        assert.equal((await phone.post(newer, {})).statusCode, 404);
        assert.equal((await subscription('c'))?.confirmed_at, null);
      } finally {
        t.clock.set(TEST_NOW);
      }
    });

    test('IDOR: another logged-in account gets the same 404 as an unknown link; the owner is sent back to the page', async () => {
      const owner = await session('d');
      const path = await saveAndGetLink(owner.agent, 'kuznetsova@mail.test');
      const other = await session('e');
      const unknown = await other.agent.get(`/mail/confirm/${'A'.repeat(43)}`);
      const foreign = await other.agent.get(path);
      assert.equal(foreign.statusCode, 404);
      assert.equal(unknown.statusCode, 404);
      assert.equal(textOf(foreign.body), textOf(unknown.body), 'nothing tells the two apart');
      assert.doesNotMatch(foreign.body, /kuznetsova|k\*\*\*|1000000103/);
      const post = await other.agent.post(path, {});
      assert.equal(post.statusCode, 404);
      assert.equal((await subscription('d'))?.confirmed_at, null);
      assert.equal(await subscription('e'), undefined);

      assert.equal((await owner.agent.get(path)).statusCode, 200);
      const mine = await owner.agent.post(path, {});
      assert.equal(mine.statusCode, 303);
      assert.equal(mine.headers.location, '/cabinet?mail=confirmed#mail-form');
      assert.match(
        textOf((await owner.agent.get(String(mine.headers.location))).body),
        /Адрес подтверждён\. Адрес kuznetsova@mail\.test подтверждён/,
      );
    });

    test('re-sending the confirmation is rate-limited: 3 an hour per account', async () => {
      const { agent } = await session('f');
      await saveAndGetLink(agent, 'popova@mail.test');
      const sent = () => sentTo('popova@mail.test').length;
      for (const n of [2, 3]) {
        const res = await agent.post('/cabinet/email', { action: 'resend' });
        assert.equal(res.headers.location, '/cabinet?mail=sent#mail-form');
        await sink.waitFor(sink.received.length);
        assert.equal(sent(), n);
      }
      const limited = await agent.post('/cabinet/email', { action: 'resend' });
      assert.equal(limited.headers.location, '/cabinet?mail=limited#mail-form');
      assert.match(
        textOf((await agent.get(String(limited.headers.location))).body),
        /Письмо для подтверждения не отправлено: за последние 60 мин\. их было уже 3/,
      );
      // A changed address is stored, but its e-mail waits for the limit too.
      const changed = await agent.post('/cabinet/email', {
        email: 'popova2@mail.test',
        subscribed: 'yes',
        action: 'save',
      });
      assert.equal(changed.headers.location, '/cabinet?mail=limited#mail-form');
      assert.equal(sentTo('popova2@mail.test').length, 0);
      assert.equal((await subscription('f'))?.email, 'popova2@mail.test');
      const events = await t.db.kysely
        .selectFrom('audit_log')
        .select('outcome')
        .where('event', '=', 'email_confirmation')
        .where('account_number', '=', people.f.number)
        .execute();
      assert.deepEqual(
        events.map((e) => e.outcome),
        ['sent', 'sent', 'sent', 'limited', 'limited'],
      );
      try {
        t.clock.advance(HOUR + 1000);
        const later = await session('f'); // the idle timeout ended the old session
        const again = await later.agent.post('/cabinet/email', { action: 'resend' });
        assert.equal(again.headers.location, '/cabinet?mail=sent#mail-form');
      } finally {
        t.clock.set(TEST_NOW);
      }
    });

    test('unticking keeps the address and stops the bills; "Удалить e-mail" removes it from the database', async () => {
      const { agent } = await session('demo'); // confirmed above
      let res = await agent.post('/cabinet/email', { email: 'ivanov.p@mail.ru', action: 'save' });
      assert.equal(res.headers.location, '/cabinet?mail=saved#mail-form');
      const row = await subscription('demo');
      assert.equal(row?.email, 'ivanov.p@mail.ru');
      assert.equal(Number(row?.subscribed), 0);
      assert.notEqual(row?.confirmed_at, null, 'the address stays confirmed');
      const page = await agent.get(String(res.headers.location));
      assert.match(
        textOf(page.body),
        /Информация сохранена\. Адрес ivanov\.p@mail\.ru подтверждён\. Отправка квитанций на него выключена/,
      );
      assert.match(page.body, /id="mail-subscribed" name="subscribed" value="yes"\/>/, 'unticked');
      res = await agent.post('/cabinet/email', {
        email: 'IVANOV.P@mail.ru',
        subscribed: 'yes',
        action: 'save',
      });
      assert.equal(
        res.headers.location,
        '/cabinet?mail=saved#mail-form',
        'the same address: no new confirmation',
      );
      assert.equal(Number((await subscription('demo'))?.subscribed), 1);

      res = await agent.post('/cabinet/email', {
        email: 'ivanov.p@mail.ru',
        subscribed: 'yes',
        action: 'delete',
      });
      assert.equal(res.headers.location, '/cabinet?mail=deleted#mail-form');
      assert.equal(await subscription('demo'), undefined);
      const after = await agent.get(String(res.headers.location));
      assert.match(textOf(after.body), /Электронный адрес удалён/);
      assert.match(after.body, /<input id="mail-email" name="email" type="email"[^>]*\svalue(?:="")?[\s/>]/);
      assert.equal(
        (await agent.post('/cabinet/email', { action: 'delete' })).headers.location,
        '/cabinet?mail=none#mail-form',
      );
      const events = await t.db.kysely
        .selectFrom('audit_log')
        .select(['event', 'outcome'])
        .where('account_number', '=', DEMO_ACCOUNT.number)
        .where('event', 'in', ['email_subscription', 'email_delete'])
        .execute();
      assert.deepEqual(
        events.map((e) => `${e.event}:${e.outcome}`),
        ['email_subscription:off', 'email_subscription:on', 'email_delete:deleted'],
      );
    });

    test('CSRF: the form without the token or from another site changes nothing', async () => {
      const { agent } = await session('g');
      const bare = await t.app.inject({
        method: 'POST',
        url: '/cabinet/email',
        payload: 'email=volkov%40mail.test&subscribed=yes&action=save',
        headers: { 'content-type': 'application/x-www-form-urlencoded', cookie: cookieHeader(agent.jar) },
      });
      assert.equal(bare.statusCode, 403);
      const foreign = await agent.post(
        '/cabinet/email',
        { email: 'volkov@mail.test', action: 'save' },
        { origin: 'https://evil.example' },
      );
      assert.equal(foreign.statusCode, 403);
      const crossSite = await agent.post(
        '/cabinet/email',
        { action: 'delete' },
        { 'sec-fetch-site': 'cross-site' },
      );
      assert.equal(crossSite.statusCode, 403);
      assert.equal(await subscription('g'), undefined);
      // Without a session: the login page, saying the form was not sent.
      const anon = new Agent(t.app, '10.60.0.3');
      await anon.get('/cabinet');
      const res = await anon.post('/cabinet/email', { email: 'volkov@mail.test', action: 'save' });
      assert.equal(res.statusCode, 401);
      assert.match(textOf(res.body), /Сеанс завершён .* Данные формы не отправлены/);
      assert.match(res.body, /name="surname"/);
    });
  });
}
