import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import fc from 'fast-check';
import { pino } from 'pino';
import {
  Agent,
  addAccount,
  cookieHeader,
  createTestApp,
  TEST_NOW,
  testDialects,
  textOf,
  type TestApp,
} from '../../../test/helpers.ts';
import { DEMO_ACCOUNT } from '../../tools/demo/demo-account.ts';
import { buildApp } from '../../app/app.ts';
import { closeMonth } from '../billing/close-month.ts';
import { loadBillDocument } from '../billing/bill-document.ts';
import { formatRubles } from '../../domain/format.ts';
import { systemClock, type Clock } from '../../platform/clock.ts';
import type { MailConfig } from './mail.config.ts';
import { runMailWorker, type WorkerStats } from './mail.worker.ts';
import { createMailTransport } from './transport.ts';
import { enqueueBillMailing, enqueueReminders, mailingProgress, MailingRefused } from './mailing.ts';
import {
  confirmPathOf,
  parse,
  startSmtpSink,
  subscribeAccounts,
  type SmtpSink,
} from '../../../test/mail-support.ts';

const HOUR = 3_600_000;

/** How mailparser gives the List-* headers. */
type ListHeaders = { unsubscribe?: { url?: string }; 'unsubscribe-post'?: { name?: string } };

for (const dialect of await testDialects()) {
  describe(`bills by e-mail (${dialect})`, () => {
    let t: TestApp;
    let sink: SmtpSink;
    const ids: Record<string, number> = {};
    const people = {
      demo: { number: DEMO_ACCOUNT.number, surname: DEMO_ACCOUNT.surname },
      b: { number: '1000000101', surname: 'Петрова' },
      c: { number: '1000000102', surname: 'Сидоров' },
      d: { number: '1000000103', surname: 'Кузнецова' },
      e: { number: '1000000104', surname: 'Смирнов' },
      f: { number: '1000000105', surname: 'Попова' },
      g: { number: '1000000106', surname: 'Волков' },
      h: { number: '1000000107', surname: 'Зайцева' },
    } as const;
    type Who = keyof typeof people;

    before(async () => {
      sink = await startSmtpSink({
        onRcpt: (address) => {
          if (address.startsWith('perm-')) {
            return { code: 550, message: `5.1.1 <${address}>: Recipient address rejected` };
          }
          if (address.startsWith('always-')) {
            return { code: 451, message: `4.7.1 <${address}>: try again later` };
          }
          if (address.startsWith('tmp-')) {
            tmpTries++;
            if (tmpTries <= 2) {
              return { code: 421, message: '4.3.2 Service not available, closing channel' };
            }
          }
          return null;
        },
      });
      t = await createTestApp(dialect, {
        env: { SMTP_URL: sink.url, MAIL_FROM: 'ОАО «Хакасэнергосбыт» <noreply@khakensb.test>' },
      });
      const demo = await t.db.kysely
        .selectFrom('accounts')
        .select('id')
        .where('number', '=', DEMO_ACCOUNT.number)
        .executeTakeFirstOrThrow();
      ids.demo = Number(demo.id);
      for (const [k, p] of Object.entries(people)) {
        if (k === 'demo') {
          continue;
        }
        ids[k] = await addAccount(t.db, {
          number: p.number,
          surname: p.surname,
          serial: `77${p.number.slice(-4)}`,
        });
      }
      // June closed, so that every account has a bill to mail.
      await closeMonth(t.db, {
        period: '2026-06',
        currentPeriod: '2026-07',
        limits: t.config.billing,
        readingsLastDay: t.config.readingsLastDay,
        now: () => t.clock.now(),
      });
    });
    after(async () => {
      await t.close();
      await sink.close();
    });
    let tmpTries = 0;

    async function session(who: Who) {
      const p = people[who];
      const agent = new Agent(t.app, `10.50.${p.number.slice(-2)}.1`);
      assert.equal((await agent.login(p.number, p.surname)).statusCode, 303);
      const page = await agent.get('/cabinet');
      assert.equal(page.statusCode, 200);
      return { agent, html: page.body };
    }
    const subscription = (who: Who) =>
      t.db.kysely
        .selectFrom('mail_subscriptions')
        .selectAll()
        .where('account_id', '=', ids[who]!)
        .executeTakeFirst();
    const sentTo = (address: string) => sink.received.filter((m) => m.rcpt.includes(address));

    /** Saves an address through the form and returns the path of the link in the e-mail that arrives. */
    async function saveAndGetLink(agent: Agent, email: string, subscribed = true): Promise<string> {
      const before = sink.received.length;
      const res = await agent.post('/cabinet/email', {
        email,
        ...(subscribed ? { subscribed: 'yes' } : {}),
        action: 'save',
      });
      assert.equal(res.statusCode, 303, res.body);
      assert.equal(res.headers.location, '/cabinet?mail=sent#mail-form');
      await sink.waitFor(before + 1);
      return confirmPathOf(sink.received[before]!);
    }

    function drain(overrides: Partial<MailConfig> = {}, clock: Clock = systemClock): Promise<WorkerStats> {
      const mail = { ...t.config.mail, pollMs: 50, retryBaseMs: 40, retryMaxMs: 200, ...overrides };
      const transport = createMailTransport(mail);
      return runMailWorker({
        db: t.db,
        transport,
        mail,
        publicUrl: t.config.publicUrl,
        dueDay: t.config.billing.dueDay,
        timeZone: t.config.timeZone,
        readingsLastDay: t.config.readingsLastDay,
        clock,
        drain: true,
      }).finally(() => transport.close());
    }

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
        ['петрова@mail.ru', /латинские буквы/],
        ['petrova@localhost', /имя почтового сервера/],
        ['petrova@mail', /имя почтового сервера/],
        ['.petrova@mail.ru', /точка не может стоять первой/],
        ['petr ova@mail.ru', /пробелов/],
        [`${'p'.repeat(250)}@mail.ru`, /слишком длинный/],
        ['"><script>alert(1)</script>@x.ru', /латинские буквы/],
        ['a@b.ru\r\nBcc: victim@x.ru', /пробелов/],
      ];
      for (const [value, message] of cases) {
        const res = await agent.post('/cabinet/email', { email: value, subscribed: 'yes', action: 'save' });
        assert.equal(res.statusCode, 400, value);
        const m = /id="mail-email-error"[^>]*>([^<]*)</.exec(res.body);
        assert.ok(m, `no message for "${value}"`);
        assert.match(m[1]!, message, value);
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

    test('the monthly mailing: one message per confirmed, subscribed account, exactly one recipient, the PDF and the summary', async () => {
      await t.db.kysely.deleteFrom('mail_subscriptions').execute();
      const emails = await subscribeAccounts(t.db, [ids.demo!, ids.b!, ids.c!, ids.d!, ids.e!]);
      // d: changed its address and has not confirmed it; e: unticked the box.
      await t.db.kysely
        .updateTable('mail_subscriptions')
        .set({ confirmed_at: null })
        .where('account_id', '=', ids.d!)
        .execute();
      await t.db.kysely
        .updateTable('mail_subscriptions')
        .set({ subscribed: 0 })
        .where('account_id', '=', ids.e!)
        .execute();
      await assert.rejects(
        enqueueBillMailing(t.db.kysely, { period: '2026-07', now: new Date() }),
        MailingRefused,
      );

      const queued = await enqueueBillMailing(t.db.kysely, { now: new Date() });
      assert.deepEqual(queued, { period: '2026-06', queued: 3 });
      const before = sink.received.length;
      const stats = await drain();
      assert.equal(stats.sent, 3);
      const got = sink.received.slice(before);
      assert.equal(got.length, 3);
      for (const who of ['demo', 'b', 'c'] as const) {
        const to = emails.get(ids[who]!)!;
        const mine = got.filter((m) => m.rcpt.includes(to));
        assert.equal(mine.length, 1, `one message to ${who}`);
        const msg = mine[0]!;
        assert.deepEqual(msg.rcpt, [to], 'exactly one recipient, the account’s own');
        const mail = await parse(msg);
        const number = people[who].number;
        const doc = (await loadBillDocument(t.db.kysely, ids[who]!, '2026-06', t.config.billing.dueDay))!;
        assert.equal(mail.subject, `Квитанция за июнь 2026 г., лицевой счёт ${number}`);
        assert.equal(mail.to && !Array.isArray(mail.to) ? mail.to.text : '', to);
        assert.equal(mail.cc, undefined);
        assert.equal(mail.bcc, undefined);
        assert.equal(mail.attachments.length, 1);
        const pdf = mail.attachments[0]!;
        assert.equal(pdf.filename, `${number}-2026-06.pdf`);
        assert.equal(pdf.contentType, 'application/pdf');
        assert.equal(pdf.content.subarray(0, 5).toString('latin1'), '%PDF-');
        const sum = `${formatRubles(doc.toPayKop)} руб.`;
        for (const body of [mail.text ?? '', textOf(String(mail.html))]) {
          assert.match(body, /Расчётный период:? июнь 2026 г\./);
          assert.ok(body.includes(`Сумма к оплате: ${sum}`) || body.includes(`Сумма к оплате ${sum}`), body);
          assert.match(body, /Оплатить до:? 10\.07\.2026/);
          assert.match(body, /Отписаться/);
        }
        assert.match(mail.messageId ?? '', /^<bill-2026-06-\d+@khakensb\.test>$/);
        const list = mail.headers.get('list') as ListHeaders | undefined;
        assert.equal(list?.['unsubscribe-post']?.name, 'List-Unsubscribe=One-Click');
        assert.match(
          list?.unsubscribe?.url ?? '',
          /^http:\/\/localhost:3000\/mail\/unsubscribe\/[A-Za-z0-9_-]{43}$/,
        );
        assert.ok((mail.text ?? '').includes(list.unsubscribe!.url!), 'the same link in the body');
      }
      for (const who of ['d', 'e'] as const) {
        assert.equal(sentTo(emails.get(ids[who]!)!).length, 0, `nothing to ${who}`);
      }

      // Queued once: running again adds and sends nothing.
      assert.equal((await enqueueBillMailing(t.db.kysely, { period: '2026-06', now: new Date() })).queued, 0);
      assert.equal((await drain()).sent, 0);
      const p = await mailingProgress(t.db.kysely, { kind: 'bill' });
      assert.deepEqual(p?.counts, { queued: 0, sending: 0, sent: 3, failed: 0, cancelled: 0 });
      // d confirms later: the next run queues its bill only.
      await t.db.kysely
        .updateTable('mail_subscriptions')
        .set({ confirmed_at: Date.now() })
        .where('account_id', '=', ids.d!)
        .execute();
      assert.equal((await enqueueBillMailing(t.db.kysely, { period: '2026-06', now: new Date() })).queued, 1);
      assert.equal((await drain()).sent, 1);
      assert.equal(sentTo(emails.get(ids.d!)!).length, 1);
    });

    test('a message is cancelled when the address was unsubscribed or changed after it was queued', async () => {
      await t.db.kysely.deleteFrom('mail_outbox').execute();
      await t.db.kysely.deleteFrom('mail_subscriptions').execute();
      const emails = await subscribeAccounts(t.db, [ids.f!, ids.g!]);
      await enqueueBillMailing(t.db.kysely, { period: '2026-06', now: new Date() });
      await t.db.kysely
        .updateTable('mail_subscriptions')
        .set({ subscribed: 0 })
        .where('account_id', '=', ids.f!)
        .execute();
      await t.db.kysely
        .updateTable('mail_subscriptions')
        .set({ email: 'new-volkov@mail.test', confirmed_at: null })
        .where('account_id', '=', ids.g!)
        .execute();
      const stats = await drain();
      assert.deepEqual([stats.sent, stats.cancelled], [0, 2]);
      assert.equal(sentTo(emails.get(ids.f!)!).length, 0);
      assert.equal(sentTo('new-volkov@mail.test').length, 0);
    });

    test('one-click unsubscribe: a POST without session or CSRF token, as mail providers send it', async () => {
      await t.db.kysely.deleteFrom('mail_outbox').execute();
      await t.db.kysely.deleteFrom('mail_subscriptions').execute();
      const emails = await subscribeAccounts(t.db, [ids.demo!, ids.b!, ids.c!]);
      await enqueueBillMailing(t.db.kysely, { period: '2026-06', now: new Date() });
      const before = sink.received.length;
      await drain();
      const urlOf = async (who: 'demo' | 'b') => {
        const msg = sink.received.slice(before).find((m) => m.rcpt.includes(emails.get(ids[who]!)!))!;
        const list = (await parse(msg)).headers.get('list') as { unsubscribe: { url: string } };
        return new URL(list.unsubscribe.url).pathname;
      };
      const demoPath = await urlOf('demo');
      // The link in the body opens a page with a button; the GET changes nothing.
      const page = await t.app.inject({ method: 'GET', url: demoPath });
      assert.equal(page.statusCode, 200);
      assert.match(
        textOf(page.body),
        /Больше не отправлять квитанции с начислениями на адрес 1\*\*\*@mail\.test \?/,
      );
      assert.equal(Number((await subscription('demo'))?.subscribed), 1);

      const oneClick = await t.app.inject({
        method: 'POST',
        url: demoPath,
        payload: 'List-Unsubscribe=One-Click',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
      });
      assert.equal(oneClick.statusCode, 200);
      assert.match(textOf(oneClick.body), /Вы отписались/);
      let row = await subscription('demo');
      assert.equal(Number(row?.subscribed), 0);
      assert.equal(row?.email, emails.get(ids.demo!), 'the address stays');
      // Again: still 200, nothing more recorded.
      assert.equal(
        (
          await t.app.inject({
            method: 'POST',
            url: demoPath,
            payload: 'List-Unsubscribe=One-Click',
            headers: { 'content-type': 'application/x-www-form-urlencoded' },
          })
        ).statusCode,
        200,
      );
      // Multipart, as RFC 8058 allows.
      const bPath = await urlOf('b');
      const boundary = 'x1y2z3';
      const multipart = await t.app.inject({
        method: 'POST',
        url: bPath,
        payload: `--${boundary}\r\nContent-Disposition: form-data; name="List-Unsubscribe"\r\n\r\nOne-Click\r\n--${boundary}--\r\n`,
        headers: { 'content-type': `multipart/form-data; boundary=${boundary}` },
      });
      assert.equal(multipart.statusCode, 200);
      row = await subscription('b');
      assert.equal(Number(row?.subscribed), 0);
      // Unknown or malformed tokens: 404, nothing changes.
      for (const bad of [
        `/mail/unsubscribe/${'B'.repeat(43)}`,
        '/mail/unsubscribe/short',
        `/mail/unsubscribe/${'%27'.repeat(30)}`,
      ]) {
        assert.equal(
          (
            await t.app.inject({
              method: 'POST',
              url: bad,
              payload: 'List-Unsubscribe=One-Click',
              headers: { 'content-type': 'application/x-www-form-urlencoded' },
            })
          ).statusCode,
          404,
          bad,
        );
        assert.equal((await t.app.inject({ method: 'GET', url: bad })).statusCode, 404, bad);
      }
      const audit = await t.db.kysely
        .selectFrom('audit_log')
        .select(['outcome', 'details', 'account_number'])
        .where('event', '=', 'email_subscription')
        .where('details', 'like', '%one_click%')
        .execute();
      assert.deepEqual(
        audit.map((a) => a.account_number).sort(),
        [DEMO_ACCOUNT.number, people.b.number].sort(),
      );
      assert.ok(audit.every((a) => !a.details!.includes('@mail.test"') || a.details!.includes('***')));
      // The next mailing leaves them out.
      await t.db.kysely.deleteFrom('mail_outbox').execute();
      assert.equal((await enqueueBillMailing(t.db.kysely, { period: '2026-06', now: new Date() })).queued, 1);
    });

    test('SMTP errors: temporary ones retried with back-off, permanent ones recorded as failed, addresses masked', async () => {
      await t.db.kysely.deleteFrom('mail_outbox').execute();
      await t.db.kysely.deleteFrom('mail_subscriptions').execute();
      await subscribeAccounts(t.db, [ids.f!, ids.g!, ids.h!]);
      const set = (who: Who, email: string) =>
        t.db.kysely
          .updateTable('mail_subscriptions')
          .set({ email })
          .where('account_id', '=', ids[who]!)
          .execute();
      await set('f', 'tmp-popova@mail.test');
      await set('g', 'perm-volkov@mail.test');
      await set('h', 'always-zaitseva@mail.test');
      await enqueueBillMailing(t.db.kysely, { period: '2026-06', now: new Date() });
      tmpTries = 0;
      const started = Date.now();
      const stats = await drain({ maxAttempts: 3, retryBaseMs: 60, retryMaxMs: 1000 });
      assert.ok(Date.now() - started >= 60 + 120, 'the retries waited (60 ms, then 120 ms)');
      const rows = await t.db.kysely
        .selectFrom('mail_outbox')
        .select(['account_id', 'status', 'attempts', 'last_error'])
        .execute();
      assert.deepEqual([stats.sent, stats.failed, stats.retried], [1, 2, 4]);
      const of = (who: Who) => rows.find((r) => Number(r.account_id) === ids[who])!;
      assert.deepEqual([of('f').status, Number(of('f').attempts), of('f').last_error], ['sent', 3, null]);
      assert.deepEqual([of('g').status, Number(of('g').attempts)], ['failed', 1]);
      assert.match(of('g').last_error!, /550/);
      assert.match(of('g').last_error!, /p\*\*\*@mail\.test/);
      assert.doesNotMatch(of('g').last_error!, /perm-volkov/);
      assert.deepEqual([of('h').status, Number(of('h').attempts)], ['failed', 3]);
      assert.match(of('h').last_error!, /451/);
      assert.equal(sentTo('tmp-popova@mail.test').length, 1);
      assert.equal(sentTo('perm-volkov@mail.test').length, 0);
      const p = await mailingProgress(t.db.kysely, { period: '2026-06', kind: 'bill' });
      assert.deepEqual([p?.counts.sent, p?.counts.failed, p?.failures.length], [1, 2, 2]);
      assert.ok(p!.failures.every((f) => !/perm-volkov|always-zaitseva/.test(f.error)));
    });

    test('reminders: while the readings window is open, to subscribers without a reading this month', async () => {
      await t.db.kysely.deleteFrom('mail_outbox').execute();
      await t.db.kysely.deleteFrom('mail_subscriptions').execute();
      const emails = await subscribeAccounts(t.db, [ids.demo!, ids.b!, ids.c!]);
      const clock = { now: () => new Date('2026-06-20T05:00:00Z') };
      const opts = { reminderDay: 15, readingsLastDay: 25, now: clock.now() };
      await assert.rejects(enqueueReminders(t.db.kysely, { ...opts, today: '2026-06-10' }), /not open today/);
      await assert.rejects(enqueueReminders(t.db.kysely, { ...opts, today: '2026-06-26' }), /not open today/);
      // The demo account sent a reading on 3 June; b and c have none.
      const res = await enqueueReminders(t.db.kysely, { ...opts, today: '2026-06-20' });
      assert.deepEqual(res, { period: '2026-06', queued: 2 });
      // c sends one before the worker gets there: its reminder is cancelled.
      const meter = await t.db.kysely
        .selectFrom('meters')
        .select('id')
        .where('account_id', '=', ids.c!)
        .executeTakeFirstOrThrow();
      await t.db.kysely
        .insertInto('readings')
        .values({
          account_id: ids.c!,
          meter_id: Number(meter.id),
          reading_date: '2026-06-20',
          value1: 500,
          value2: null,
          value3: null,
          channel: 'internet',
          status: 'accepted',
          reason: null,
          submitted_at: 0,
          submitted_ip: null,
          billing_period: '2026-06',
        })
        .execute();
      const before = sink.received.length;
      const stats = await drain({}, clock);
      assert.deepEqual([stats.sent, stats.cancelled], [1, 1]);
      const got = sink.received.slice(before);
      assert.equal(got.length, 1);
      assert.deepEqual(got[0]!.rcpt, [emails.get(ids.b!)]);
      const mail = await parse(got[0]!);
      assert.equal(mail.subject, 'Передайте показания счётчика за июнь 2026 г.');
      assert.match(
        mail.text ?? '',
        /По лицевому счёту 1000000101 ещё нет показаний счётчика № 770101 за июнь 2026 г\./,
      );
      assert.match(mail.text ?? '', /до 25\.06\.2026 включительно/);
      assert.equal(
        (mail.headers.get('list') as ListHeaders | undefined)?.['unsubscribe-post']?.name,
        'List-Unsubscribe=One-Click',
      );
      assert.equal(
        (await enqueueReminders(t.db.kysely, { ...opts, today: '2026-06-21' })).queued,
        0,
        'one reminder a month',
      );
    });

    test('any input to the form and the links: a 303 or a 4xx with a message, never a 5xx', async () => {
      const { agent } = await session('h');
      await fc.assert(
        fc.asyncProperty(
          fc.record({
            email: fc.oneof(fc.string({ maxLength: 80 }), fc.emailAddress(), fc.constant('x'.repeat(3000))),
            subscribed: fc.option(fc.string({ maxLength: 5 }), { nil: undefined }),
            action: fc.option(
              fc.oneof(fc.constantFrom('save', 'delete', 'resend'), fc.string({ maxLength: 30 })),
              { nil: undefined },
            ),
          }),
          async (form) => {
            const body: Record<string, string> = { email: form.email };
            if (form.subscribed !== undefined) {
              body.subscribed = form.subscribed;
            }
            if (form.action !== undefined) {
              body.action = form.action;
            }
            const before = await subscription('h');
            const res = await agent.post('/cabinet/email', body);
            assert.ok([303, 400].includes(res.statusCode), `status ${res.statusCode}`);
            if (res.statusCode === 400) {
              assert.deepEqual(await subscription('h'), before, 'a refused form stores nothing');
              assert.match(textOf(res.body), /Запрос содержит неверные данные|электронн|@|адрес/i);
            }
          },
        ),
        { numRuns: 80 },
      );
      await fc.assert(
        fc.asyncProperty(
          fc.string({ maxLength: 120 }),
          fc.constantFrom('confirm', 'unsubscribe'),
          fc.boolean(),
          async (token, kind, post) => {
            const url = `/mail/${kind}/${encodeURIComponent(token)}`;
            const res = post
              ? await agent.post(url, { 'List-Unsubscribe': 'One-Click' })
              : await agent.get(url);
            assert.ok(res.statusCode >= 400 && res.statusCode < 500, `${url}: ${res.statusCode}`);
          },
        ),
        { numRuns: 80 },
      );
    });

    test('logs hold no full address and no link token (security.md row 13)', async () => {
      const lines: string[] = [];
      const stream = new Writable({
        write(chunk: Buffer, _enc, cb) {
          lines.push(chunk.toString());
          cb();
        },
      });
      const app = await buildApp({
        config: t.config,
        db: t.db,
        clock: t.clock,
        logger: pino({ level: 'info' }, stream),
      });
      try {
        const agent = new Agent(app, '10.60.0.9');
        assert.equal((await agent.login(people.e.number, people.e.surname)).statusCode, 303);
        await agent.get('/cabinet');
        const before = sink.received.length;
        await agent.post('/cabinet/email', {
          email: 'smirnov.logs@mail.test',
          subscribed: 'yes',
          action: 'save',
        });
        await sink.waitFor(before + 1);
        const path = await confirmPathOf(sink.received[before]!);
        await agent.get(path);
        await agent.post(path, {});
        assert.notEqual((await subscription('e'))?.confirmed_at, null);
        await app.inject({ method: 'GET', url: `/mail/unsubscribe/${'C'.repeat(43)}` });
        const log = lines.join('');
        assert.ok(log.includes('"url":"/cabinet/email"'), 'the log is on');
        assert.ok(!log.includes('smirnov.logs@'), 'no full address');
        assert.ok(!log.includes(path.split('/').pop()!), 'no confirmation token');
        assert.ok(!log.includes('C'.repeat(43)), 'no unsubscribe token');
      } finally {
        await app.close();
      }
    });
  });
}

describe('bills by e-mail without the database (sqlite)', () => {
  test('the form and the links answer 503 with Retry-After and no internals', async () => {
    const t = await createTestApp('sqlite');
    try {
      const agent = new Agent(t.app, '10.61.0.1');
      assert.equal((await agent.login(DEMO_ACCOUNT.number, DEMO_ACCOUNT.surname)).statusCode, 303);
      await agent.get('/cabinet');
      t.db.sqlite!.close();
      const token = 'D'.repeat(43);
      const answers = [
        await agent.post('/cabinet/email', { email: 'ivanov@mail.ru', subscribed: 'yes', action: 'save' }),
        await agent.get(`/mail/confirm/${token}`),
        await agent.get(`/mail/unsubscribe/${token}`),
        await t.app.inject({
          method: 'POST',
          url: `/mail/unsubscribe/${token}`,
          payload: 'List-Unsubscribe=One-Click',
          headers: { 'content-type': 'application/x-www-form-urlencoded' },
        }),
      ];
      for (const res of answers) {
        assert.equal(res.statusCode, 503);
        assert.equal(res.headers['retry-after'], '30');
        assert.match(textOf(res.body), /Сервис временно недоступен/);
        assert.doesNotMatch(res.body, /at .*\.ts:\d+|SqliteError|TypeError|stack/i);
      }
    } finally {
      await t.app.close();
    }
  });
});
