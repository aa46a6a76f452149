import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { Agent, testDialects, textOf } from '../../../test/helpers.ts';
import { parse } from '../../../test/mail-support.ts';
import { GOOD, OTHER, profileFixture } from './profile-support.test.ts';

// A profile from a session of the manual's login: the form, the e-mail, the confirmation link,
// the login by e-mail and password, the logout; and every refusal of the form.

/** The message next to a field of a form (`create-email`, `login-password`, …). */
function fieldError(html: string, id: string): string | undefined {
  const m = new RegExp(`id="${id}-error"[^>]*>([^<]*)<`).exec(html);
  return m?.[1];
}

for (const dialect of await testDialects()) {
  describe(`profile: create, confirm, log in (${dialect})`, () => {
    const f = profileFixture(dialect);

    test('creation → e-mail → confirmation → login → logout', async () => {
      const agent = await f.cabinet('demo');
      const cabinet = await agent.get('/cabinet');
      assert.match(cabinet.body, /<a class="profile-link" href="\/cabinet\/profile">Профиль<\/a>/);
      const form = await agent.get('/cabinet/profile');
      assert.equal(form.statusCode, 200);
      assert.match(textOf(form.body), /Профиль: вход по e-mail/);
      assert.match(form.body, /<form method="post" action="\/cabinet\/profile"/);

      const before = f.sink.received.length;
      const res = await agent.post('/cabinet/profile', {
        email: ' Anna.K@Mail.RU ',
        password: GOOD,
        repeat: GOOD,
      });
      assert.equal(res.statusCode, 303);
      assert.equal(res.headers.location, '/cabinet/profile?done=sent');
      assert.match(
        textOf((await agent.get('/cabinet/profile?done=sent')).body),
        /отправлено письмо со ссылкой/,
      );

      const row = await f.profileRow('anna.k@mail.ru');
      assert.ok(row, 'the profile is stored, its address parsed as the bills’ form parses it');
      assert.equal(row.email_confirmed_at, null);
      const attached = await f.t.db.kysely
        .selectFrom('profile_accounts')
        .selectAll()
        .where('profile_id', '=', row.id)
        .execute();
      assert.deepEqual(
        attached.map((a) => [Number(a.account_id), a.attached_by]),
        [[f.ids.demo, 'login']],
      );
      const stored = await f.t.db.kysely
        .selectFrom('profiles')
        .select('password_hash')
        .where('id', '=', row.id)
        .executeTakeFirstOrThrow();
      assert.match(stored.password_hash ?? '', /^\$argon2id\$/);

      await f.sink.waitFor(before + 1);
      const msg = f.sink.received[before]!;
      assert.deepEqual(msg.rcpt, ['anna.k@mail.ru']);
      const mail = await parse(msg);
      assert.equal(mail.subject, 'Подтвердите адрес для входа в Личный кабинет');
      assert.doesNotMatch(`${mail.text}${String(mail.html)}`, /1705057190|Иванов/);
      const link = await f.linkOf(msg);

      // Not confirmed yet: the right password is told so, with the way to send the link again.
      const early = await f.login('anna.k@mail.ru', GOOD);
      assert.equal(early.status, 401);
      assert.match(textOf(early.body), /ещё не подтверждён/);
      assert.match(early.body, /href="\/profile\/resend"/);
      assert.equal(early.agent.jar.sid, undefined);

      // The link, followed on another device: a page with a button; the GET changes nothing.
      const phone = new Agent(f.t.app, '10.73.0.1');
      const page = await phone.get(link);
      assert.equal(page.statusCode, 200);
      assert.match(textOf(page.body), /Подтвердите, что по адресу a\*\*\*@mail\.ru можно входить/);
      assert.equal((await f.profileRow('anna.k@mail.ru'))?.email_confirmed_at, null);
      const ok = await phone.post(link, {});
      assert.equal(ok.statusCode, 303);
      assert.equal(ok.headers.location, '/profile/login?notice=confirmed');
      assert.notEqual((await f.profileRow('anna.k@mail.ru'))?.email_confirmed_at, null);
      assert.equal((await phone.post(link, {})).statusCode, 404, 'single use');
      assert.equal((await phone.get(link)).statusCode, 404);

      // The login: a wrong password first, then the right one.
      const wrong = await f.login('anna.k@mail.ru', 'не тот пароль совсем', '10.74.0.1');
      assert.equal(wrong.status, 401);
      assert.match(textOf(wrong.body), /Неверный адрес электронной почты или пароль\. Осталось 4 попытки\./);
      assert.match(wrong.body, /value="anna\.k@mail\.ru"/, 'the address is kept');
      const login = await f.login('Anna.K@mail.ru', GOOD, '10.74.0.1');
      assert.equal(login.status, 303);
      const sid = login.agent.jar.sid;
      assert.ok(sid);
      const session = await f.t.db.kysely
        .selectFrom('sessions')
        .selectAll()
        .where('profile_id', '=', row.id)
        .executeTakeFirstOrThrow();
      assert.equal(Number(session.account_id), f.ids.demo);
      assert.match(textOf((await login.agent.get('/cabinet')).body), /Лицевой счет 1705057190/);
      const profile = await login.agent.get('/cabinet/profile');
      assert.match(textOf(profile.body), /Адрес для входа: anna\.k@mail\.ru/);
      for (const href of [
        '/cabinet/profile/accounts',
        '/cabinet/profile/passkeys',
        '/cabinet/profile/tokens',
      ]) {
        assert.match(profile.body, new RegExp(`href="${href}"`));
      }
      assert.match(textOf(profile.body), /Счета профиля Ключи входа \(passkeys\) Токены API/);
      assert.match(textOf(profile.body), /Сменить пароль/);

      // The existing logout ends it: the old cookie no longer opens the cabinet.
      assert.equal((await login.agent.post('/logout', {})).statusCode, 303);
      const replay = await new Agent(f.t.app).get('/cabinet', { cookie: `sid=${sid}` });
      assert.match(textOf(replay.body), /Введите номер лицевого счёта и фамилию/);

      const audit = await f.t.db.kysely
        .selectFrom('audit_log')
        .select(['event', 'outcome', 'details'])
        .where('event', 'like', 'profile%')
        .execute();
      const events = audit.map((a) => `${a.event}:${a.outcome}`);
      for (const e of [
        'profile_create:created',
        'profile_mail:sent',
        'profile_confirm:confirmed',
        'profile_login:unconfirmed',
        'profile_login:failure',
        'profile_login:success',
      ]) {
        assert.ok(events.includes(e), `${e} in ${events.join(' ')}`);
      }
      const all = JSON.stringify(audit);
      assert.ok(!all.includes(GOOD) && !all.includes('anna.k@mail.ru'), 'no password, no full address');
    });

    test('the cabinet login page links to the login by e-mail or passkey', async () => {
      const page = await new Agent(f.t.app).get('/cabinet');
      assert.match(page.body, /<a href="\/profile\/login">Войти по e-mail или ключом входа<\/a>/);
      assert.match(
        (await new Agent(f.t.app).get('/profile/login')).body,
        /href="\/profile\/forgot">Забыли пароль\?/,
      );
    });

    test('refusals: a Russian message next to the field, the address kept, no password echoed, nothing stored or sent', async () => {
      const agent = await f.cabinet('b');
      await agent.get('/cabinet/profile');
      const sent = f.sink.received.length;
      const cases: Array<[Record<string, string>, string, RegExp]> = [
        [
          { email: 'petrova@mail.ru', password: 'Корот-7', repeat: 'Корот-7' },
          'create-password',
          /слишком короткий: нужно не меньше 10/,
        ],
        [
          { email: 'petrova@mail.ru', password: 'qwertyuiop', repeat: 'qwertyuiop' },
          'create-password',
          /часто используемых/,
        ],
        [
          { email: 'petrova@mail.ru', password: 'password123', repeat: 'password123' },
          'create-password',
          /часто используемых/,
        ],
        [
          { email: 'petrova@mail.ru', password: 'xx-petrova-2024', repeat: 'xx-petrova-2024' },
          'create-password',
          /не должен содержать логин/,
        ],
        [
          { email: 'petrova@mail.ru', password: GOOD, repeat: `${GOOD}!` },
          'create-repeat',
          /Пароли не совпадают/,
        ],
        [{ email: 'petrova@mail.ru', password: '', repeat: '' }, 'create-password', /Придумайте пароль/],
        [{ email: 'petrova', password: GOOD, repeat: GOOD }, 'create-email', /нет знака «@»/],
        [{ email: '', password: GOOD, repeat: GOOD }, 'create-email', /Введите адрес/],
        [
          { email: '"><script>alert(1)</script>@x.ru', password: GOOD, repeat: GOOD },
          'create-email',
          /допускаются буквы, цифры/,
        ],
        [{ email: 'a@b.ru\r\nBcc: victim@x.ru', password: GOOD, repeat: GOOD }, 'create-email', /пробелов/],
        [
          { email: 'petrova@mail.ru', password: 'я'.repeat(201), repeat: 'я'.repeat(201) },
          'create-password',
          /слишком длинный/,
        ],
      ];
      for (const [body, field, message] of cases) {
        const res = await agent.post('/cabinet/profile', body);
        assert.equal(res.statusCode, 400, JSON.stringify(body));
        assert.match(fieldError(res.body, field) ?? '', message, JSON.stringify(body));
        assert.match(res.body, /class="error-summary"/);
        assert.doesNotMatch(res.body, /<script>alert/);
        const kept = /<input id="create-email"[^>]*value="([^"]*)"/.exec(res.body)?.[1];
        assert.equal(
          textOf(kept ?? ''),
          body.email!.replace(/\s+/g, ' ').trim(),
          'the typed address is kept',
        );
        if (body.password) {
          assert.ok(!res.body.includes(body.password), 'the password is not sent back');
        }
      }
      assert.equal(await f.profileRow('petrova@mail.ru'), undefined);
      assert.equal(f.sink.received.length, sent);
    });

    async function profileCount(): Promise<number> {
      const r = await f.t.db.kysely
        .selectFrom('profiles')
        .select((eb) => eb.fn.countAll().as('n'))
        .executeTakeFirstOrThrow();
      return Number(r.n);
    }

    test('an address some profile has: the same answer, no second profile, its owner gets a notice', async () => {
      await f.confirmed('c', 'owner@mail.ru');
      const n = await profileCount();
      const agent = await f.cabinet('d');
      await agent.get('/cabinet/profile');
      const before = f.sink.received.length;
      const res = await agent.post('/cabinet/profile', {
        email: 'OWNER@mail.ru',
        password: GOOD,
        repeat: GOOD,
      });
      assert.equal(res.statusCode, 303);
      assert.equal(
        res.headers.location,
        '/cabinet/profile?done=sent',
        'the same redirect as for a new address',
      );
      const fresh = await f.cabinet('d', '10.75.0.2');
      await fresh.get('/cabinet/profile');
      const other = await fresh.post('/cabinet/profile', {
        email: 'someone-new@mail.ru',
        password: GOOD,
        repeat: GOOD,
      });
      assert.equal(other.headers.location, res.headers.location);
      assert.equal(
        textOf((await agent.get(String(res.headers.location))).body),
        textOf((await fresh.get(String(other.headers.location))).body),
      );
      assert.equal(await profileCount(), n + 1, 'only someone-new@ made a profile');
      await f.sink.waitFor(before + 2);
      const notice = f.sink.received.slice(before).find((m) => m.rcpt.includes('owner@mail.ru'));
      assert.ok(notice);
      const mail = await parse(notice);
      assert.equal(mail.subject, 'Попытка создать второй профиль с Вашим адресом');
      assert.doesNotMatch(mail.text ?? '', /\/profile\/(confirm|reset)\//, 'a notice carries no link');
      const owner = await f.profileRow('owner@mail.ru');
      const accounts = await f.t.db.kysely
        .selectFrom('profile_accounts')
        .select('account_id')
        .where('profile_id', '=', owner!.id)
        .execute();
      assert.deepEqual(
        accounts.map((a) => Number(a.account_id)),
        [f.ids.c],
        'd’s account was not attached to c’s profile',
      );
      // The owner's profile still opens with its own password.
      assert.equal((await f.login('owner@mail.ru', GOOD, '10.75.0.9')).status, 303);
    });

    test('an address whose profile used up its e-mails: still the answer a new address gets', async () => {
      await f.confirmed('c', 'spent@mail.ru');
      const forgetter = await f.cabinet('d', '10.75.1.1');
      await forgetter.get('/profile/forgot');
      // «Забыли пароль?» answers alike for any address, but sends, and uses up the profile's limit.
      for (let i = 0; i < f.t.config.mail.confirmLimit + 1; i++) {
        await forgetter.post('/profile/forgot', { email: 'spent@mail.ru' });
      }
      const agent = await f.cabinet('d', '10.75.1.2');
      await agent.get('/cabinet/profile');
      const res = await agent.post('/cabinet/profile', {
        email: 'spent@mail.ru',
        password: GOOD,
        repeat: GOOD,
      });
      assert.equal(res.headers.location, '/cabinet/profile?done=sent', 'not a refusal that names the limit');
    });

    test('an address never confirmed is free again once its link has expired (24 h)', async () => {
      const { mail: first } = await f.create('b', 'typo@mail.ru');
      const firstLink = await f.linkOf(first);
      // Within the 24 hours the address stays taken: the notice goes out, not a second profile.
      const early = await f.create('c', 'typo@mail.ru');
      assert.match((await parse(early.mail)).subject ?? '', /Попытка создать второй профиль/);
      f.t.clock.advance(24 * 3_600_000 + 1000);
      const { mail } = await f.create('c', 'typo@mail.ru', OTHER);
      assert.equal((await parse(mail)).subject, 'Подтвердите адрес для входа в Личный кабинет');
      const row = await f.profileRow('typo@mail.ru');
      const accounts = await f.t.db.kysely
        .selectFrom('profile_accounts')
        .select('account_id')
        .where('profile_id', '=', row!.id)
        .execute();
      assert.deepEqual(
        accounts.map((a) => Number(a.account_id)),
        [f.ids.c],
        'nothing of the old profile is kept',
      );
      const phone = new Agent(f.t.app, '10.78.0.1');
      await phone.get('/profile/login');
      assert.equal((await phone.post(firstLink, {})).statusCode, 404, 'the old link is void');
      const link = await f.linkOf(mail);
      await phone.get(link);
      assert.equal((await phone.post(link, {})).statusCode, 303);
      assert.equal(
        (await f.login('typo@mail.ru', GOOD, '10.78.0.2')).status,
        401,
        'the old password is not it',
      );
      assert.equal((await f.login('typo@mail.ru', OTHER, '10.78.0.2')).status, 303);
    });

    test('a profile with no attached account gets a message instead of a session', async () => {
      await f.confirmed('b', 'lonely@mail.ru');
      const row = await f.profileRow('lonely@mail.ru');
      await f.t.db.kysely.deleteFrom('profile_accounts').where('profile_id', '=', row!.id).execute();
      const res = await f.login('lonely@mail.ru', GOOD, '10.76.0.1');
      assert.equal(res.status, 401);
      assert.match(textOf(res.body), /В профиле нет ни одного лицевого счёта/);
      assert.equal(res.agent.jar.sid, undefined);
    });

    test('a profile session changes the password: the current one asked, the other sessions end', async () => {
      await f.confirmed('c', 'changer@mail.ru');
      const one = await f.login('changer@mail.ru', GOOD, '10.77.0.1');
      const two = await f.login('changer@mail.ru', GOOD, '10.77.0.2');
      await one.agent.get('/cabinet/profile');
      const wrong = await one.agent.post('/cabinet/profile/password', {
        current: 'не он',
        password: 'Новый-пароль-2026',
        repeat: 'Новый-пароль-2026',
      });
      assert.equal(wrong.statusCode, 400);
      assert.match(fieldError(wrong.body, 'password-current') ?? '', /Текущий пароль введён неверно/);
      const weak = await one.agent.post('/cabinet/profile/password', {
        current: GOOD,
        password: 'qwertyuiop',
        repeat: 'qwertyuiop',
      });
      assert.match(fieldError(weak.body, 'password-password') ?? '', /часто используемых/);
      const ok = await one.agent.post('/cabinet/profile/password', {
        current: GOOD,
        password: 'Новый-пароль-2026',
        repeat: 'Новый-пароль-2026',
      });
      assert.equal(ok.statusCode, 303);
      assert.equal(ok.headers.location, '/cabinet/profile?done=password');
      assert.equal((await one.agent.get('/cabinet')).statusCode, 200, 'this session stays');
      assert.match(
        textOf((await two.agent.get('/cabinet')).body),
        /Введите номер лицевого счёта и фамилию/,
        'the other one ended',
      );
      assert.equal((await f.login('changer@mail.ru', GOOD, '10.77.0.3')).status, 401);
      assert.equal((await f.login('changer@mail.ru', 'Новый-пароль-2026', '10.77.0.3')).status, 303);
    });

    test('guesses of the current password sent at once: five are checked, the rest refused', async () => {
      await f.confirmed('c', 'burst@mail.ru');
      const { agent } = await f.login('burst@mail.ru', GOOD, '10.79.1.1');
      await agent.get('/cabinet/profile');
      const burst = await Promise.all(
        Array.from({ length: 12 }, (_, i) =>
          agent.post('/cabinet/profile/password', { current: `залп-${i}`, password: OTHER, repeat: OTHER }),
        ),
      );
      const said = burst.map((res) => fieldError(res.body, 'password-current') ?? '');
      assert.equal(said.filter((m) => /введён неверно/.test(m)).length, 5, said.join(' | '));
      assert.equal(said.filter((m) => /Слишком много неверных паролей/.test(m)).length, 7, said.join(' | '));
    });

    test('the current password cannot be guessed from an open session: five wrong ones lock the change', async () => {
      await f.confirmed('d', 'guessed@mail.ru');
      const { agent } = await f.login('guessed@mail.ru', GOOD, '10.79.0.1');
      await agent.get('/cabinet/profile');
      const change = (current: string) =>
        agent.post('/cabinet/profile/password', { current, password: OTHER, repeat: OTHER });
      for (let i = 1; i <= 5; i++) {
        const res = await change(`догадка-${i}`);
        assert.match(fieldError(res.body, 'password-current') ?? '', /Текущий пароль введён неверно/);
      }
      const locked = await change(GOOD);
      assert.equal(locked.statusCode, 400);
      assert.match(
        fieldError(locked.body, 'password-current') ?? '',
        /Слишком много неверных паролей\. Повторите попытку через 15 мин\./,
      );
      assert.equal(
        (await f.login('guessed@mail.ru', GOOD, '10.79.0.2')).status,
        303,
        'the password is unchanged',
      );
    });
  });
}
