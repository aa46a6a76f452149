import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { Agent, testDialects, textOf } from '../../../test/helpers.ts';
import { parse } from '../../../test/mail-support.ts';
import { addToken } from '../../../test/api-support.ts';
import { addProfile } from '../../../test/profile-support.ts';
import { insertPasskey } from './passkey.repository.ts';
import { GOOD, OTHER, people, profileFixture } from './profile-support.test.ts';

// The profile login's throttles, and the password reset by an e-mail link.

const MIN = 60_000;

function formError(html: string): string {
  return textOf(/<div class="error-summary"[\s\S]*?<\/div>/.exec(html)?.[0] ?? '');
}

for (const dialect of await testDialects()) {
  describe(`profile login throttles and password reset (${dialect})`, () => {
    const f = profileFixture(dialect);

    test('an unknown address gets the same answer as a wrong password, and counts the same', async () => {
      await f.confirmed('b', 'known@mail.ru');
      const known = await f.login('known@mail.ru', 'совсем-не-тот-пароль', '10.80.0.1');
      const unknown = await f.login('nobody-here@mail.ru', 'совсем-не-тот-пароль', '10.80.0.2');
      assert.equal(known.status, 401);
      assert.equal(unknown.status, 401);
      assert.equal(formError(known.body), formError(unknown.body));
      assert.match(
        formError(unknown.body),
        /Неверный адрес электронной почты или пароль\. Осталось 4 попытки\./,
      );
      assert.equal(
        known.body.replace(/(value|data-csrf)="[^"]*"/g, ''),
        unknown.body.replace(/(value|data-csrf)="[^"]*"/g, ''),
        'the pages differ in the typed address and tokens only',
      );
    });

    test('the consent box is asked at every login, and the consent recorded for the account', async () => {
      await f.confirmed('b', 'consent@mail.ru');
      const agent = new Agent(f.t.app, '10.85.0.1');
      await agent.get('/profile/login');
      const form = await agent.get('/profile/login');
      assert.match(form.body, /<input id="login-consent" name="consent" type="checkbox" value="yes"\/>/);
      assert.match(form.body, /href="\/privacy"/);
      const refused = await agent.post('/profile/login', { email: 'consent@mail.ru', password: GOOD });
      assert.equal(refused.statusCode, 400);
      assert.match(refused.body, /id="login-consent-error"[^>]*>Чтобы войти, подтвердите согласие/);
      assert.match(refused.body, /value="consent@mail\.ru"/);
      const count = async () =>
        Number(
          (
            await f.t.db.kysely
              .selectFrom('consents')
              .select((eb) => eb.fn.countAll().as('n'))
              .where('account_id', '=', f.ids.b!)
              .where('ip', '=', '10.85.0.1')
              .executeTakeFirstOrThrow()
          ).n,
        );
      assert.equal(await count(), 0);
      const ok = await agent.post('/profile/login', {
        email: 'consent@mail.ru',
        password: GOOD,
        consent: 'yes',
      });
      assert.equal(ok.statusCode, 303);
      assert.equal(await count(), 1);
    });

    test('thirty wrong passwords sent at once: five are checked, the rest refused unchecked', async () => {
      await f.confirmed('d', 'race@mail.ru');
      const agent = new Agent(f.t.app, '10.81.9.1');
      await agent.get('/profile/login');
      const answers = await Promise.all(
        Array.from({ length: 30 }, (_, i) =>
          agent.post('/profile/login', {
            consent: 'yes',
            email: 'race@mail.ru',
            password: `неверный-${i}-пароль`,
          }),
        ),
      );
      const codes = answers.map((r) => r.statusCode);
      assert.equal(codes.filter((c) => c === 401).length, 5, codes.join(' '));
      assert.equal(codes.filter((c) => c === 429).length, 25, codes.join(' '));
      const checked = await f.t.db.kysely
        .selectFrom('profile_login_attempts')
        .select((eb) => eb.fn.countAll<number>().as('n'))
        .where('ip', '=', '10.81.9.1')
        .executeTakeFirstOrThrow();
      assert.equal(Number(checked.n), 5, 'one attempt counted per password checked');
    });

    test('five failures lock the browser out, the right password too, and the page says when', async () => {
      await f.confirmed('c', 'locked@mail.ru');
      const agent = new Agent(f.t.app, '10.81.0.1');
      await agent.get('/profile/login');
      for (let i = 1; i <= 5; i++) {
        const res = await agent.post('/profile/login', {
          consent: 'yes',
          email: 'locked@mail.ru',
          password: `неверный-${i}-пароль`,
        });
        assert.equal(res.statusCode, 401, `attempt ${i}`);
        if (i === 5) {
          // 05:00 UTC is 12:00 in Krasnoyarsk; the window is 15 minutes.
          assert.match(formError(res.body), /Попытки входа исчерпаны: повторите после 12:15/);
        }
      }
      const refused = await agent.post('/profile/login', {
        consent: 'yes',
        email: 'locked@mail.ru',
        password: GOOD,
      });
      assert.equal(refused.statusCode, 429);
      assert.equal(refused.headers['retry-after'], String(15 * 60));
      assert.match(
        formError(refused.body),
        /Слишком много неудачных попыток входа\. Повторите попытку после 12:15/,
      );
      assert.equal(agent.jar.sid, undefined);
      const locked = await f.t.db.kysely
        .selectFrom('audit_log')
        .select('details')
        .where('event', '=', 'profile_login')
        .where('outcome', '=', 'locked')
        .where('ip', '=', '10.81.0.1')
        .execute();
      assert.equal(locked.length, 1);
      assert.ok(!JSON.stringify(locked).includes('locked@mail.ru'));
      // An unknown address is locked exactly the same way.
      const other = new Agent(f.t.app, '10.81.0.2');
      await other.get('/profile/login');
      for (let i = 1; i <= 5; i++) {
        await other.post('/profile/login', {
          consent: 'yes',
          email: 'ghost@mail.ru',
          password: `неверный-${i}-пароль`,
        });
      }
      assert.equal(
        (await other.post('/profile/login', { consent: 'yes', email: 'ghost@mail.ru', password: GOOD }))
          .statusCode,
        429,
      );

      f.t.clock.advance(15 * MIN + 1000);
      assert.equal(
        (await agent.post('/profile/login', { consent: 'yes', email: 'locked@mail.ru', password: GOOD }))
          .statusCode,
        303,
      );
    });

    test('«Забыли пароль?»: the same answer for any address; the link works once, ends the sessions', async () => {
      await f.confirmed('d', 'forgetful@mail.ru');
      const session = await f.login('forgetful@mail.ru', GOOD, '10.82.0.1');
      assert.equal(session.status, 303);

      const agent = new Agent(f.t.app, '10.82.0.2');
      await agent.get('/profile/forgot');
      const before = f.sink.received.length;
      const known = await agent.post('/profile/forgot', { email: 'Forgetful@mail.ru' });
      const unknown = await agent.post('/profile/forgot', { email: 'stranger@mail.ru' });
      assert.equal(known.statusCode, 200);
      assert.equal(unknown.statusCode, 200);
      assert.equal(
        textOf(known.body).replace(/\S+@mail\.ru/g, ''),
        textOf(unknown.body).replace(/\S+@mail\.ru/g, ''),
      );
      assert.match(
        textOf(known.body),
        /Если с этим адресом есть подтверждённый профиль, на него отправлено письмо/,
      );
      const bad = await agent.post('/profile/forgot', { email: 'не адрес' });
      assert.equal(bad.statusCode, 400);
      assert.match(bad.body, /id="forgot-email-error"[^>]*>[^<]*пробелов/);

      await f.sink.waitFor(before + 1);
      await new Promise((r) => setTimeout(r, 200));
      const sent = f.sink.received.slice(before);
      assert.deepEqual(
        sent.map((m) => m.rcpt),
        [['forgetful@mail.ru']],
        'one message, to the known address only',
      );
      const mail = await parse(sent[0]!);
      assert.equal(mail.subject, 'Новый пароль для входа в Личный кабинет');
      assert.match(mail.text ?? '', /действует 30 минут/);
      const link = await f.linkOf(sent[0]!);
      assert.match(link, /^\/profile\/reset\//);

      // What else signs in to the profile, and another profile's token, which must stay.
      const profileId = (await f.profileRow('forgetful@mail.ru'))!.id;
      const now = f.t.clock.now().getTime();
      await insertPasskey(f.t.db.kysely, {
        profileId,
        credentialId: 'Y3JlZGVudGlhbA',
        publicKey: 'AAAA',
        counter: 0,
        transports: [],
        userHandle: 'aGFuZGxl',
        name: 'Чужой ключ',
        at: now,
      });
      await addToken(f.t.db, profileId, { now });
      const bystander = await addProfile(f.t.db, { email: 'bystander@mail.ru', accounts: [people.c.number] });
      await addToken(f.t.db, bystander.profileId, { now });

      const phone = new Agent(f.t.app, '10.82.0.3');
      const form = await phone.get(link);
      assert.equal(form.statusCode, 200);
      assert.match(
        textOf(form.body),
        /ключи входа \(passkeys\) удаляются, а токены доступа для программ отзываются/,
      );
      const weak = await phone.post(link, { password: 'qwertyuiop', repeat: 'qwertyuiop' });
      assert.equal(weak.statusCode, 400);
      assert.match(weak.body, /id="reset-password-error"[^>]*>[^<]*часто используемых/);
      const mismatch = await phone.post(link, { password: OTHER, repeat: `${OTHER}x` });
      assert.match(mismatch.body, /id="reset-repeat-error"[^>]*>[^<]*Пароли не совпадают/);
      const done = await phone.post(link, { password: OTHER, repeat: OTHER });
      assert.equal(done.statusCode, 303);
      assert.equal(done.headers.location, '/profile/login?notice=reset');
      assert.equal(
        (await phone.post(link, { password: OTHER, repeat: OTHER })).statusCode,
        404,
        'single use',
      );
      assert.equal((await phone.get(link)).statusCode, 404);
      const left = async (table: 'passkeys' | 'api_tokens', id: number) =>
        (
          await f.t.db.kysely
            .selectFrom(table)
            .select('profile_id')
            .where('profile_id', '=', id)
            .$if(table === 'api_tokens', (q) => q.where('revoked_at', 'is', null))
            .execute()
        ).length;
      assert.equal(await left('passkeys', profileId), 0, 'the passkey is gone');
      assert.equal(await left('api_tokens', profileId), 0, 'the token is revoked');
      assert.equal(await left('api_tokens', bystander.profileId), 1, "another profile's token stays");

      assert.match(
        textOf((await session.agent.get('/cabinet')).body),
        /Введите номер лицевого счёта и фамилию/,
        'the session from before the reset has ended',
      );
      assert.equal((await f.login('forgetful@mail.ru', GOOD, '10.82.0.4')).status, 401);
      assert.equal((await f.login('forgetful@mail.ru', OTHER, '10.82.0.4')).status, 303);
      const audit = await f.t.db.kysely
        .selectFrom('audit_log')
        .select(['outcome', 'details'])
        .where('event', '=', 'profile_password')
        .execute();
      assert.ok(audit.some((a) => a.outcome === 'reset'));
      assert.ok(!JSON.stringify(audit).includes(OTHER));
    });

    test('a reset link expires after 30 minutes', async () => {
      await f.confirmed('demo', 'late@mail.ru');
      const agent = new Agent(f.t.app, '10.83.0.1');
      await agent.get('/profile/forgot');
      const before = f.sink.received.length;
      await agent.post('/profile/forgot', { email: 'late@mail.ru' });
      await f.sink.waitFor(before + 1);
      const link = await f.linkOf(f.sink.received[before]!);
      f.t.clock.advance(29 * MIN);
      assert.equal((await agent.get(link)).statusCode, 200);
      f.t.clock.advance(MIN);
      const page = await agent.get(link);
      assert.equal(page.statusCode, 404);
      assert.match(textOf(page.body), /истёк срок её действия \(30 минут\)/);
      assert.equal((await agent.post(link, { password: OTHER, repeat: OTHER })).statusCode, 404);
      assert.equal(
        (await f.login('late@mail.ru', GOOD, '10.83.0.2')).status,
        303,
        'the old password still works',
      );
    });

    test('the confirmation link can be sent again, within the limit, with the same answer for any address', async () => {
      const { mail: first } = await f.create('b', 'pending@mail.ru');
      const agent = new Agent(f.t.app, '10.84.0.1');
      await agent.get('/profile/resend');
      const before = f.sink.received.length;
      const res = await agent.post('/profile/resend', { email: 'pending@mail.ru' });
      const other = await agent.post('/profile/resend', { email: 'known@mail.ru' });
      assert.equal(res.statusCode, 200);
      assert.equal(
        textOf(res.body).replace(/\S+@mail\.ru/g, ''),
        textOf(other.body).replace(/\S+@mail\.ru/g, ''),
      );
      await f.sink.waitFor(before + 1);
      await new Promise((r) => setTimeout(r, 200));
      const again = f.sink.received.slice(before);
      assert.deepEqual(
        again.map((m) => m.rcpt),
        [['pending@mail.ru']],
        'a confirmed profile gets no link',
      );
      // MAIL_CONFIRM_LIMIT (3) e-mails per profile per hour: the creation's and two more.
      await agent.post('/profile/resend', { email: 'pending@mail.ru' });
      await f.sink.waitFor(before + 2);
      await agent.post('/profile/resend', { email: 'pending@mail.ru' });
      await new Promise((r) => setTimeout(r, 300));
      assert.equal(f.sentTo('pending@mail.ru').length, 3, 'the fourth is not sent');
      const limited = await f.t.db.kysely
        .selectFrom('audit_log')
        .select('outcome')
        .where('event', '=', 'profile_mail')
        .where('outcome', '=', 'limited')
        .execute();
      assert.equal(limited.length, 1);
      // Every link works until one is used; then the others are void.
      const second = await f.linkOf(again[0]!);
      const one = await f.linkOf(first);
      const phone = new Agent(f.t.app, '10.84.0.2');
      await phone.get(second);
      assert.equal((await phone.post(second, {})).statusCode, 303);
      await phone.get('/profile/login');
      assert.equal((await phone.post(one, {})).statusCode, 404);
    });
  });
}
