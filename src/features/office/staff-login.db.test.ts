import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { generate } from 'otplib';
import {
  Agent,
  createTestApp,
  openCabinet,
  testDialects,
  textOf,
  type TestApp,
} from '../../../test/helpers.ts';
import { DEMO_ACCOUNT } from '../../tools/demo/demo-account.ts';
import { addStaff, enrollPath } from './staff-admin.service.ts';
import type { Role } from './rights.ts';

const MIN = 60_000;
const PASSWORD = 'тихий вечер у реки 42';

/** The TOTP code of `secret` at the test clock's time. */
function codeAt(t: TestApp, secret: string): Promise<string> {
  return generate({ secret, epoch: Math.floor(t.clock.now().getTime() / 1000) });
}

/** Adds a staff user through the service, as the CLI does; returns the enrollment path. */
async function newStaff(t: TestApp, login: string, roles: Role[]): Promise<string> {
  const r = await addStaff(
    { db: t.db.kysely, clock: t.clock },
    { login, fullName: `Сотрудник ${login}`, roles, reason: '' },
    { staffUserId: null, ip: '127.0.0.1' },
    { requireReason: false },
  );
  assert.equal(r.kind, 'ok');
  return enrollPath(r.kind === 'ok' ? r.token : '');
}

/** Walks the enrollment pages; returns the TOTP secret and the recovery codes shown. */
async function enroll(t: TestApp, agent: Agent, path: string): Promise<{ secret: string; codes: string[] }> {
  const token = path.split('/').pop()!;
  assert.equal((await agent.get(path)).statusCode, 200);
  const step2 = await agent.post('/office/enroll/password', {
    token,
    password: PASSWORD,
    password2: PASSWORD,
  });
  assert.equal(step2.statusCode, 200, textOf(step2.body));
  const secret = /id="totp-secret">([^<]+)</.exec(step2.body)![1]!.replace(/\s/g, '');
  const done = await agent.post('/office/enroll/code', { token, code: await codeAt(t, secret) });
  assert.equal(done.statusCode, 200, textOf(done.body));
  const codes = [...done.body.matchAll(/<li><code>([a-z0-9-]+)<\/code><\/li>/g)].map((m) => m[1]!);
  // The code used to enroll cannot log in: the next login comes a time step later.
  t.clock.advance(30_000);
  return { secret, codes };
}

/** Logs in with the password and then `code`; returns the second step's response. */
async function login(agent: Agent, loginName: string, code: string, password = PASSWORD) {
  await agent.get('/office/login');
  const first = await agent.post('/office/login', { login: loginName, password });
  if (first.statusCode !== 303) {
    return first;
  }
  await agent.get('/office/login/code');
  return agent.post('/office/login/code', { code });
}

for (const dialect of await testDialects()) {
  describe(`staff enrollment and login (${dialect})`, () => {
    let t: TestApp;
    before(async () => {
      t = await createTestApp(dialect);
    });
    after(async () => t.close());

    test('enrollment refuses weak passwords next to the field, then shows a QR code and 10 codes once', async () => {
      const path = await newStaff(t, 'ivanova', ['operator']);
      const token = path.split('/').pop()!;
      const agent = new Agent(t.app, '10.70.0.1');
      const page = await agent.get(path);
      assert.equal(page.statusCode, 200);
      assert.match(textOf(page.body), /ваш логин — ivanova/);
      for (const [password, password2, message] of [
        ['Qz7!мост', 'Qz7!мост', /не меньше 12 символов/],
        ['password1234', 'password1234', /часто используемых паролей/],
        ['ivanova-2026-весна', 'ivanova-2026-весна', /не должен содержать логин/],
        [PASSWORD, `${PASSWORD}!`, /Пароли не совпадают/],
      ] as const) {
        const res = await agent.post('/office/enroll/password', { token, password, password2 });
        assert.equal(res.statusCode, 400);
        assert.match(res.body, /<p class="field-error" id="enroll-password2?-error" role="alert">/);
        assert.match(textOf(res.body), message);
        // A refused password is never echoed back.
        assert.doesNotMatch(res.body, new RegExp(password.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')));
      }
      const step2 = await agent.post('/office/enroll/password', {
        token,
        password: PASSWORD,
        password2: PASSWORD,
      });
      assert.equal(step2.statusCode, 200);
      assert.match(step2.body, /<img class="qr" src="data:image\/svg\+xml;base64,/);
      const secret = /id="totp-secret">([^<]+)</.exec(step2.body)![1]!.replace(/\s/g, '');
      assert.match(secret, /^[A-Z2-7]{16,}$/);

      const wrong = await agent.post('/office/enroll/code', { token, code: '000000' });
      assert.equal(wrong.statusCode, 400);
      assert.match(textOf(wrong.body), /Код не подошёл/);
      // Not enrolled yet: the password alone does not log in.
      const early = new Agent(t.app, '10.70.0.2');
      await early.get('/office/login');
      assert.equal(
        (await early.post('/office/login', { login: 'ivanova', password: PASSWORD })).statusCode,
        401,
      );

      const done = await agent.post('/office/enroll/code', { token, code: await codeAt(t, secret) });
      assert.equal(done.statusCode, 200);
      const codes = [...done.body.matchAll(/<li><code>([a-z0-9-]+)<\/code><\/li>/g)].map((m) => m[1]!);
      assert.equal(codes.length, 10);
      assert.equal(new Set(codes).size, 10);
      const stored = await t.db.kysely.selectFrom('staff_recovery_codes').select('code_hash').execute();
      assert.equal(stored.length, 10);
      for (const c of codes) {
        assert.ok(!stored.some((s) => s.code_hash.includes(c.replace('-', ''))), 'codes are stored hashed');
      }
      const user = await t.db.kysely
        .selectFrom('staff_users')
        .selectAll()
        .where('login', '=', 'ivanova')
        .executeTakeFirstOrThrow();
      assert.match(user.password_hash!, /^\$argon2id\$/);
      // The link worked once: the codes are never shown again.
      assert.equal((await agent.get(path)).statusCode, 410);
      assert.equal(
        (await agent.post('/office/enroll/code', { token, code: await codeAt(t, secret) })).statusCode,
        410,
      );
    });

    test('an enrollment link expires after 24 hours', async () => {
      const path = await newStaff(t, 'late', ['operator']);
      t.clock.advance(24 * 60 * MIN + 1);
      const res = await new Agent(t.app, '10.70.0.3').get(path);
      assert.equal(res.statusCode, 410);
      assert.match(textOf(res.body), /Ссылка недействительна/);
    });

    test('login takes the password, then a TOTP code; a code is accepted once', async () => {
      const { secret } = await enroll(
        t,
        new Agent(t.app, '10.70.1.1'),
        await newStaff(t, 'petrov', ['accountant']),
      );
      const agent = new Agent(t.app, '10.70.1.2');
      await agent.get('/office/login');
      const first = await agent.post('/office/login', { login: 'Petrov', password: PASSWORD });
      assert.equal(first.statusCode, 303);
      assert.equal(first.headers.location, '/office/login/code');
      // The password alone opens nothing.
      assert.equal((await agent.get('/office')).headers.location, '/office/login');
      await agent.get('/office/login/code');
      const code = await codeAt(t, secret);
      const second = await agent.post('/office/login/code', { code });
      assert.equal(second.statusCode, 303);
      assert.equal(second.headers.location, '/office');
      const start = await agent.get('/office');
      assert.equal(start.statusCode, 200);
      assert.match(textOf(start.body), /Сводка/);
      assert.equal(start.headers['cache-control'], 'no-store');

      // The same code again, within its 30 seconds, on another login: refused (replay).
      const again = await login(new Agent(t.app, '10.70.1.3'), 'petrov', code);
      assert.equal(again.statusCode, 401);
      assert.match(textOf(again.body), /Код не подошёл/);

      // Logout ends the session: the old cookie is then refused.
      const jar = { ...agent.jar };
      assert.equal((await agent.post('/office/logout', {})).statusCode, 303);
      const replayed = new Agent(t.app, '10.70.1.2');
      replayed.jar = jar;
      assert.equal((await replayed.get('/office')).headers.location, '/office/login');
    });

    test('a recovery code logs in once and is then spent', async () => {
      const { codes } = await enroll(
        t,
        new Agent(t.app, '10.70.2.1'),
        await newStaff(t, 'sidorov', ['operator']),
      );
      const first = await login(new Agent(t.app, '10.70.2.2'), 'sidorov', codes[0]!.toUpperCase());
      assert.equal(first.statusCode, 200);
      assert.match(textOf(first.body), /Осталось резервных кодов: 9/);
      const again = await login(new Agent(t.app, '10.70.2.3'), 'sidorov', codes[0]!);
      assert.equal(again.statusCode, 401);
      const used = await t.db.kysely
        .selectFrom('staff_recovery_codes')
        .select((eb) => eb.fn.countAll<number>().as('n'))
        .where('used_at', 'is not', null)
        .executeTakeFirstOrThrow();
      assert.equal(Number(used.n), 1);
    });

    test('5 failures lock the login for 15 minutes, even with the right password and code', async () => {
      const { secret } = await enroll(
        t,
        new Agent(t.app, '10.70.3.1'),
        await newStaff(t, 'kuznetsov', ['operator']),
      );
      for (let i = 0; i < 5; i++) {
        const stranger = new Agent(t.app, `10.70.3.${10 + i}`);
        await stranger.get('/office/login');
        const res = await stranger.post('/office/login', {
          login: 'kuznetsov',
          password: 'неверный пароль номер',
        });
        assert.equal(res.statusCode, 401);
        assert.match(textOf(res.body), /Неверный логин или пароль/);
      }
      const locked = await login(new Agent(t.app, '10.70.3.20'), 'kuznetsov', await codeAt(t, secret));
      assert.equal(locked.statusCode, 429);
      assert.match(textOf(locked.body), /вход заблокирован до/);
      assert.ok(Number(locked.headers['retry-after']) > 14 * 60);
      t.clock.advance(15 * MIN + 1000);
      const ok = await login(new Agent(t.app, '10.70.3.21'), 'kuznetsov', await codeAt(t, secret));
      assert.equal(ok.statusCode, 303);
    });

    test('the lock lasts 15 minutes from the 5th failure, when the five fall within 15 minutes', async () => {
      const { secret } = await enroll(
        t,
        new Agent(t.app, '10.70.7.1'),
        await newStaff(t, 'zaitseva', ['operator']),
      );
      const failOnce = async (ip: string) => {
        const stranger = new Agent(t.app, ip);
        await stranger.get('/office/login');
        const res = await stranger.post('/office/login', {
          login: 'zaitseva',
          password: 'неверный пароль номер',
        });
        assert.equal(res.statusCode, 401);
      };
      // Five failures 4 minutes apart span 16 minutes: never five within 15, so no lock.
      for (let i = 0; i < 5; i++) {
        if (i > 0) {
          t.clock.advance(4 * MIN);
        }
        await failOnce(`10.70.7.${10 + i}`);
      }
      assert.equal(
        (await login(new Agent(t.app, '10.70.7.20'), 'zaitseva', await codeAt(t, secret))).statusCode,
        303,
      );

      // Five failures 3 minutes apart (at 0, 3, 6, 9 and 12 min) lock it until 27 min.
      t.clock.advance(MIN);
      for (let i = 0; i < 5; i++) {
        if (i > 0) {
          t.clock.advance(3 * MIN);
        }
        await failOnce(`10.70.7.${30 + i}`);
      }
      const lastFailure = t.clock.now().getTime();
      t.clock.advance(14 * MIN);
      const locked = await login(new Agent(t.app, '10.70.7.40'), 'zaitseva', await codeAt(t, secret));
      assert.equal(locked.statusCode, 429);
      const retryAfter = Number(locked.headers['retry-after']);
      assert.ok(retryAfter > 50 && retryAfter <= 60, `Retry-After ${retryAfter} s`);
      // A refused attempt while locked does not extend the lock.
      t.clock.set(new Date(lastFailure + 15 * MIN + 1000));
      const ok = await login(new Agent(t.app, '10.70.7.41'), 'zaitseva', await codeAt(t, secret));
      assert.equal(ok.statusCode, 303);
    });

    test('wrong codes count as failures too, and one address failing on many logins is throttled', async () => {
      const { secret } = await enroll(
        t,
        new Agent(t.app, '10.70.4.1'),
        await newStaff(t, 'orlov', ['operator']),
      );
      const agent = new Agent(t.app, '10.70.4.2');
      await agent.get('/office/login');
      assert.equal(
        (await agent.post('/office/login', { login: 'orlov', password: PASSWORD })).statusCode,
        303,
      );
      await agent.get('/office/login/code');
      for (let i = 0; i < 5; i++) {
        assert.equal((await agent.post('/office/login/code', { code: '123456' })).statusCode, 401);
      }
      const locked = await agent.post('/office/login/code', { code: await codeAt(t, secret) });
      assert.equal(locked.statusCode, 429);

      const sprayer = new Agent(t.app, '10.70.4.66');
      await sprayer.get('/office/login');
      for (let i = 0; i < 20; i++) {
        assert.equal(
          (await sprayer.post('/office/login', { login: `nobody${i}`, password: 'x'.repeat(12) })).statusCode,
          401,
        );
      }
      assert.equal(
        (await sprayer.post('/office/login', { login: 'someone-else', password: 'x'.repeat(12) })).statusCode,
        429,
      );
    });

    test('over HTTPS the cookie is __Host-office: Secure, Path=/, HttpOnly, SameSite=Strict; logout clears it alike', async () => {
      const https = await createTestApp(dialect, { env: { PUBLIC_URL: 'https://lk.example.ru' } });
      try {
        const { secret } = await enroll(
          https,
          new Agent(https.app, '10.70.8.1'),
          await newStaff(https, 'volkova', ['operator']),
        );
        const agent = new Agent(https.app, '10.70.8.2');
        const cookiesOf = (res: { headers: Record<string, unknown> }) =>
          ([] as string[]).concat((res.headers['set-cookie'] as string | string[] | undefined) ?? []);
        const office = (set: string[]) => set.filter((c) => /^(__Host-)?office=/.test(c));
        const attributes = (c: string) =>
          c
            .split('; ')
            .slice(1)
            .filter((a) => !/^(Expires|Max-Age)=/.test(a))
            .sort();
        const expected = ['HttpOnly', 'Path=/', 'SameSite=Strict', 'Secure'];

        await agent.get('/office/login');
        const first = await agent.post('/office/login', { login: 'volkova', password: PASSWORD });
        assert.equal(first.statusCode, 303);
        // The pending login's cookie (password done, code awaited) is the same cookie.
        const pending = office(cookiesOf(first));
        assert.equal(pending.length, 1, String(cookiesOf(first)));
        assert.match(pending[0]!, /^__Host-office=[^;]+;/);
        assert.deepEqual(attributes(pending[0]!), expected);

        await agent.get('/office/login/code');
        const second = await agent.post('/office/login/code', { code: await codeAt(https, secret) });
        assert.equal(second.statusCode, 303);
        const session = office(cookiesOf(second));
        assert.equal(session.length, 1, String(cookiesOf(second)));
        assert.match(session[0]!, /^__Host-office=[^;]+;/);
        assert.notEqual(session[0]!.split(';')[0], pending[0]!.split(';')[0], 'a new token after the code');
        assert.deepEqual(attributes(session[0]!), expected);
        assert.ok(
          cookiesOf(second).every((c) => /; Secure/.test(c)),
          'every cookie is Secure',
        );
        assert.equal((await agent.get('/office')).statusCode, 200);

        // Logout clears it with the same attributes: a browser ignores the removal of a
        // __Host- cookie that comes without Secure or with another path.
        const out = await agent.post('/office/logout', {});
        assert.equal(out.statusCode, 303);
        const cleared = office(cookiesOf(out));
        assert.equal(cleared.length, 1, String(cookiesOf(out)));
        assert.match(cleared[0]!, /^__Host-office=;/);
        assert.match(cleared[0]!, /Expires=Thu, 01 Jan 1970/);
        assert.deepEqual(attributes(cleared[0]!), expected);
        assert.equal((await agent.get('/office')).headers.location, '/office/login');
      } finally {
        await https.close();
      }
    });

    test('a session ends after 15 idle minutes, and 10 hours after the login however active', async () => {
      const { secret } = await enroll(
        t,
        new Agent(t.app, '10.70.5.1'),
        await newStaff(t, 'belova', ['operator']),
      );
      const agent = new Agent(t.app, '10.70.5.2');
      assert.equal((await login(agent, 'belova', await codeAt(t, secret))).statusCode, 303);
      t.clock.advance(14 * MIN);
      assert.equal((await agent.get('/office')).statusCode, 200);
      t.clock.advance(15 * MIN + 1000);
      assert.equal((await agent.get('/office')).headers.location, '/office/login');

      t.clock.advance(MIN);
      const active = new Agent(t.app, '10.70.5.3');
      assert.equal((await login(active, 'belova', await codeAt(t, secret))).statusCode, 303);
      for (let m = 0; m < 10 * 60 - 10; m += 10) {
        t.clock.advance(10 * MIN);
        assert.equal((await active.get('/office')).statusCode, 200, `at ${m + 10} min`);
      }
      t.clock.advance(11 * MIN);
      assert.equal((await active.get('/office')).headers.location, '/office/login');
    });

    test("a customer's session opens nothing under /office, and a staff session nothing in the cabinet", async () => {
      const { agent: customer } = await openCabinet(
        t.app,
        '10.70.6.1',
        DEMO_ACCOUNT.number,
        DEMO_ACCOUNT.surname,
      );
      for (const url of ['/office', '/office/staff']) {
        const res = await customer.get(url);
        assert.equal(res.statusCode, 303);
        assert.equal(res.headers.location, '/office/login');
      }
      const { secret } = await enroll(
        t,
        new Agent(t.app, '10.70.6.2'),
        await newStaff(t, 'smirnov', ['admin']),
      );
      const staff = new Agent(t.app, '10.70.6.3');
      assert.equal((await login(staff, 'smirnov', await codeAt(t, secret))).statusCode, 303);
      const cabinet = await staff.get('/cabinet');
      assert.equal(cabinet.statusCode, 200);
      assert.match(textOf(cabinet.body), /Введите номер лицевого счёта и фамилию/);
      assert.doesNotMatch(textOf(cabinet.body), /Справочная информация о потребителе/);
    });
  });
}
