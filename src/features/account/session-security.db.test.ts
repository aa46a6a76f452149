import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import fc from 'fast-check';
import {
  Agent,
  cookieHeader,
  createTestApp,
  testDialects,
  textOf,
  type TestApp,
} from '../../../test/helpers.ts';
import { DEMO_ACCOUNT } from '../../tools/demo/demo-account.ts';
import { assetPath } from '../../platform/assets.ts';

const MIN = 60_000;
const isLoginPage = (html: string) =>
  /name="surname"/.test(html) && !/Справочная информация о потребителе/.test(html);

for (const dialect of await testDialects()) {
  describe(`sessions and security (${dialect})`, () => {
    let t: TestApp;
    before(async () => {
      t = await createTestApp(dialect);
    });
    after(async () => t.close());

    async function loggedIn(ip = '10.9.0.1') {
      const agent = new Agent(t.app, ip);
      const res = await agent.login(DEMO_ACCOUNT.number, DEMO_ACCOUNT.surname);
      assert.equal(res.statusCode, 303);
      return { agent, res };
    }

    test('the session token has ≥128 random bits and only its hash is stored', async () => {
      const { agent } = await loggedIn();
      const token = agent.jar.sid!;
      assert.ok(Buffer.from(token, 'base64url').length >= 16, 'token too short');
      const rows = await t.db.kysely.selectFrom('sessions').select('token_hash').execute();
      assert.ok(rows.every((r) => r.token_hash !== token));
      assert.ok(rows.some((r) => r.token_hash === createHash('sha256').update(token).digest('hex')));
    });

    test('cookie flags over HTTP: HttpOnly, SameSite=Lax, Path=/', async () => {
      const { res } = await loggedIn();
      const set = String(res.headers['set-cookie']);
      assert.match(set, /sid=[^;]+; Path=\/; HttpOnly; SameSite=Lax/);
      assert.doesNotMatch(set, /Secure/);
    });

    test('cookie flags over HTTPS: __Host- prefix, Secure; and HSTS ≥ 1 year', async () => {
      const https = await createTestApp(dialect, { env: { PUBLIC_URL: 'https://lk.example.ru' } });
      try {
        const agent = new Agent(https.app);
        const res = await agent.login(DEMO_ACCOUNT.number, DEMO_ACCOUNT.surname);
        assert.equal(res.statusCode, 303);
        const set = ([] as string[]).concat(res.headers['set-cookie'] ?? []);
        const sid = set.find((c) => c.startsWith('__Host-sid='));
        assert.ok(sid, String(set));
        assert.match(sid, /Path=\/; HttpOnly; Secure; SameSite=Lax/);
        assert.ok(
          set.every((c) => /Secure/.test(c)),
          'every cookie is Secure',
        );
        const hsts = String((await agent.get('/')).headers['strict-transport-security']);
        assert.ok(Number(/max-age=(\d+)/.exec(hsts)?.[1]) >= 31_536_000, hsts);
        // Logging out clears the cookie with the same attributes: a browser keeps a __Host- cookie
        // whose removal comes without Secure.
        await agent.get('/cabinet');
        const out = ([] as string[]).concat((await agent.post('/logout', {})).headers['set-cookie'] ?? []);
        const cleared = out.find((c) => c.startsWith('__Host-sid=;'));
        assert.ok(cleared, String(out));
        assert.match(cleared, /Path=\//);
        assert.match(cleared, /Secure/);
        assert.match(cleared, /Expires=Thu, 01 Jan 1970/);
      } finally {
        await https.close();
      }
    });

    test('a new token on login: the cookie sent before login no longer works', async () => {
      const { agent } = await loggedIn();
      const before = agent.jar.sid!;
      await agent.get('/cabinet');
      const res = await agent.post('/login', {
        from: 'cabinet',
        account: DEMO_ACCOUNT.number,
        surname: DEMO_ACCOUNT.surname,
        consent: 'yes',
      });
      assert.equal(res.statusCode, 303);
      assert.notEqual(agent.jar.sid, before);
      const replay = await t.app.inject({ url: '/cabinet', headers: { cookie: `sid=${before}` } });
      assert.ok(isLoginPage(replay.body));
    });

    test('idle 30 minutes → logged out, counted from the last request to within seconds', async () => {
      const { agent } = await loggedIn();
      t.clock.advance(50_000); // a request 50 s after the login, then 29 min 50 s without one
      assert.ok(!isLoginPage((await agent.get('/cabinet')).body));
      t.clock.advance(30 * MIN - 10_000);
      assert.ok(!isLoginPage((await agent.get('/cabinet')).body), 'still logged in 29:50 after a request');
      t.clock.advance(31 * MIN);
      assert.ok(isLoginPage((await agent.get('/cabinet')).body), 'logged out after 31 idle minutes');
    });

    test('a reading sent after the session timed out: the login page says it was not sent and shows the values', async () => {
      const { agent } = await loggedIn('10.9.0.7');
      const page = (await agent.get('/cabinet')).body;
      const meter = /name="meter" value="(\d+)"/.exec(page)?.[1];
      const key = /name="key" value="([^"]+)"/.exec(page)?.[1];
      assert.ok(meter && key, 'the reading form is on the page');
      const count = async () =>
        Number(
          (
            await t.db.kysely
              .selectFrom('readings')
              .select((eb) => eb.fn.countAll<number>().as('n'))
              .executeTakeFirstOrThrow()
          ).n,
        );
      const before = await count();
      t.clock.advance(31 * MIN);
      const res = await agent.post('/cabinet/readings', { meter, key, v1: '28999' });
      assert.equal(res.statusCode, 401);
      assert.ok(isLoginPage(res.body));
      const text = textOf(res.body);
      assert.match(
        text,
        /Сеанс завершён.*Данные формы не отправлены\. Войдите снова и повторите действие\. Введённое показание: 28999\./,
      );
      assert.equal(await count(), before);
      // Logged out in another tab (the cookie is gone): the same page, nothing lost without a word.
      delete agent.jar.sid;
      const afterLogout = await agent.post('/cabinet/readings', { meter, key, v1: '', v2: '28999' });
      assert.equal(afterLogout.statusCode, 401);
      assert.match(
        textOf(afterLogout.body),
        /Сеанс завершён \(истекло время сеанса или выполнен выход\)\. .* Введённые показания: 1-е поле — не заполнено; 2-е поле — 28999\./,
      );
      assert.equal(await count(), before);
    });

    test('12 hours after login → logged out even if active', async () => {
      const { agent } = await loggedIn();
      for (let i = 0; i < 35; i++) {
        t.clock.advance(20 * MIN); // 11 h 40 min in all, never idle for long
        assert.ok(!isLoginPage((await agent.get('/cabinet')).body), `logged out too early, step ${i}`);
      }
      t.clock.advance(21 * MIN);
      assert.ok(isLoginPage((await agent.get('/cabinet')).body));
    });

    test('logout: the old cookie replayed afterwards gets the login page', async () => {
      const { agent } = await loggedIn();
      const token = agent.jar.sid!;
      await agent.get('/cabinet');
      const out = await agent.post('/logout', {});
      assert.equal(out.statusCode, 303);
      const replay = await t.app.inject({ url: '/cabinet', headers: { cookie: `sid=${token}` } });
      assert.equal(replay.statusCode, 200);
      assert.ok(isLoginPage(replay.body));
      assert.equal(
        await t.app
          .inject({ method: 'GET', url: '/logout', headers: { cookie: `sid=${token}` } })
          .then((r) => r.statusCode),
        404,
      );
    });

    test('CSRF: state-changing requests need the token; foreign Origin or Sec-Fetch-Site is refused with 403', async () => {
      const { agent } = await loggedIn();
      await agent.get('/cabinet');
      const token = agent.jar.sid!;
      const post = (body: string, headers: Record<string, string> = {}) =>
        t.app.inject({
          method: 'POST',
          url: '/logout',
          payload: body,
          headers: {
            'content-type': 'application/x-www-form-urlencoded',
            cookie: cookieHeader(agent.jar),
            ...headers,
          },
        });
      assert.equal((await post('')).statusCode, 403);
      assert.equal((await post('_csrf=forged')).statusCode, 403);
      const good = `_csrf=${encodeURIComponent(agent.csrf)}`;
      assert.equal((await post(good, { origin: 'https://evil.example' })).statusCode, 403);
      assert.equal((await post(good, { 'sec-fetch-site': 'cross-site' })).statusCode, 403);
      // Still logged in after all those refusals.
      assert.ok(
        !isLoginPage((await t.app.inject({ url: '/cabinet', headers: { cookie: `sid=${token}` } })).body),
      );
      assert.equal(
        (await post(good, { origin: 'http://localhost:3000', 'sec-fetch-site': 'same-origin' })).statusCode,
        303,
      );
      // The login form is protected too.
      const login = await t.app.inject({
        method: 'POST',
        url: '/login',
        payload: `account=${DEMO_ACCOUNT.number}&surname=x&consent=yes`,
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
      });
      assert.equal(login.statusCode, 403);
      assert.match(textOf(login.body), /Форма устарела/);
    });

    test('CSRF: the secret is new after login and after logout; a form token from before is refused', async () => {
      const agent = new Agent(t.app, '10.9.7.1');
      await agent.get('/cabinet');
      const before = { secret: agent.jar.csrf!, token: agent.csrf };
      assert.ok(before.secret && before.token);
      const login = await agent.post('/login', {
        from: 'cabinet',
        account: DEMO_ACCOUNT.number,
        surname: DEMO_ACCOUNT.surname,
        consent: 'yes',
      });
      assert.equal(login.statusCode, 303);
      assert.equal(agent.jar.csrf, undefined, 'the login clears the secret');
      await agent.get('/cabinet');
      assert.ok(agent.jar.csrf && agent.jar.csrf !== before.secret, 'the next page has a new one');
      const stale = await agent.post('/logout', { _csrf: before.token });
      assert.equal(stale.statusCode, 403, "the token of the login form's page no longer works");
      const inSession = { secret: agent.jar.csrf, token: agent.csrf };
      assert.equal((await agent.post('/logout', {})).statusCode, 303);
      assert.equal(agent.jar.csrf, undefined, 'the logout clears the secret');
      await agent.get('/cabinet');
      assert.notEqual(agent.jar.csrf, inSession.secret);
      const replay = await agent.post('/login', {
        _csrf: inSession.token,
        from: 'cabinet',
        account: DEMO_ACCOUNT.number,
        surname: DEMO_ACCOUNT.surname,
        consent: 'yes',
      });
      assert.equal(replay.statusCode, 403, 'a token from the ended session does not work either');
    });

    test('security headers on every response, errors included', async () => {
      const responses = [
        await t.app.inject({ url: '/' }),
        await t.app.inject({ url: '/no-such-page' }),
        await t.app.inject({ url: '/healthz' }),
        await t.app.inject({ url: assetPath('css/site.css') }),
        await t.app.inject({
          method: 'POST',
          url: '/logout',
          payload: '',
          headers: { 'content-type': 'application/x-www-form-urlencoded' },
        }),
        await t.app.inject({
          method: 'POST',
          url: '/login',
          payload: '{"a":',
          headers: { 'content-type': 'application/json' },
        }),
        await t.app.inject({ url: '/?tab=<script>' }),
        await t.app.inject({ url: '/cabinet/%zz' }), // a path the router cannot decode
      ];
      for (const res of responses) {
        const where = `${res.statusCode} ${res.raw.req.url}`;
        const csp = String(res.headers['content-security-policy']);
        assert.match(csp, /script-src 'self'/, where);
        assert.doesNotMatch(csp, /unsafe-inline/, where);
        assert.match(csp, /object-src 'none'/, where);
        assert.match(csp, /frame-ancestors 'none'/, where);
        assert.equal(res.headers['x-content-type-options'], 'nosniff', where);
        assert.ok(res.headers['referrer-policy'], where);
        assert.ok(res.statusCode < 500, where);
      }
      assert.equal(responses[1]!.statusCode, 404);
      assert.equal(responses[6]!.statusCode, 400);
      assert.equal(responses[7]!.statusCode, 400);
      assert.match(textOf(responses[7]!.body), /Адрес страницы записан неверно/);
    });

    test('pages carry no inline scripts or handlers', async () => {
      const { agent } = await loggedIn();
      for (const url of ['/', '/cabinet', '/offices', '/privacy', '/individuals']) {
        const html = (await agent.get(url)).body;
        assert.doesNotMatch(html, /<script(?![^>]*\bsrc=)[^>]*>/, url);
        assert.doesNotMatch(html, /\son[a-z]+=/i, url);
      }
    });

    test('login form: any input gets a 4xx with a message, never a 5xx, and stores nothing', async () => {
      const count = async () =>
        Number(
          (
            await t.db.kysely
              .selectFrom('sessions')
              .select((eb) => eb.fn.countAll<number>().as('n'))
              .executeTakeFirstOrThrow()
          ).n,
        );
      const sessionsBefore = await count();
      const agent = new Agent(t.app, '10.9.9.9');
      await agent.get('/cabinet');
      await fc.assert(
        fc.asyncProperty(
          fc.record({
            account: fc.oneof(
              fc.string({ maxLength: 30 }),
              fc.constantFrom("1' OR '1'='1", '17050571;--', '1705057190\r\n'),
            ),
            surname: fc.oneof(
              fc.string({ maxLength: 300 }),
              fc.constantFrom("' OR 1=1 --", 'Иванов"; DROP TABLE accounts; --'),
            ),
            consent: fc.option(fc.string({ maxLength: 12 }), { nil: undefined }),
            from: fc.option(fc.string({ maxLength: 25 }), { nil: undefined }),
          }),
          async (form) => {
            const body: Record<string, string> = { account: form.account, surname: form.surname };
            if (form.consent !== undefined) {
              body.consent = form.consent;
            }
            if (form.from !== undefined) {
              body.from = form.from;
            }
            t.clock.advance(16 * MIN);
            const res = await agent.post('/login', body);
            // A random surname could only log in if it were "Иванов": it is not among the generated ones.
            assert.ok(res.statusCode >= 400 && res.statusCode < 500, `status ${res.statusCode}`);
            assert.ok(textOf(res.body).length > 0);
          },
        ),
        { numRuns: 150 },
      );
      assert.equal(await count(), sessionsBefore);
      const accounts = await t.db.kysely.selectFrom('accounts').select('number').execute();
      assert.ok(accounts.some((a) => a.number === DEMO_ACCOUNT.number));
    });

    test('wrong types and oversized values in the login body: 4xx, no 5xx', async () => {
      const agent = new Agent(t.app, '10.9.9.8');
      await agent.get('/cabinet');
      const cases = [
        `_csrf=${encodeURIComponent(agent.csrf)}&account=1&account=2&surname=x`,
        `_csrf=${encodeURIComponent(agent.csrf)}&account=${'9'.repeat(5000)}&surname=x&consent=yes`,
        `_csrf=${encodeURIComponent(agent.csrf)}&surname=${'я'.repeat(20000)}`,
      ];
      for (const payload of cases) {
        const res = await t.app.inject({
          method: 'POST',
          url: '/login',
          payload,
          headers: { 'content-type': 'application/x-www-form-urlencoded', cookie: cookieHeader(agent.jar) },
        });
        assert.ok(
          res.statusCode >= 400 && res.statusCode < 500,
          `${res.statusCode} for ${payload.slice(0, 60)}`,
        );
      }
      const huge = await t.app.inject({
        method: 'POST',
        url: '/login',
        payload: `surname=${'x'.repeat(200_000)}`,
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
      });
      assert.equal(huge.statusCode, 413);
    });
  });
}

for (const dialect of await testDialects()) {
  describe(`pruning (${dialect})`, () => {
    test('expired sessions and stale login attempts are removed, live ones kept', async () => {
      const { pruneAuthState } = await import('./maintenance.ts');
      const t = await createTestApp(dialect);
      try {
        const old = new Agent(t.app, '10.30.0.1');
        await old.login(DEMO_ACCOUNT.number, DEMO_ACCOUNT.surname);
        await new Agent(t.app, '10.30.0.2').login(DEMO_ACCOUNT.number, 'Неверная');
        t.clock.advance(31 * MIN);
        const fresh = new Agent(t.app, '10.30.0.3');
        await fresh.login(DEMO_ACCOUNT.number, DEMO_ACCOUNT.surname);
        const res = await pruneAuthState(t.db.kysely, t.config, t.clock.now().getTime());
        assert.equal(res.sessions, 1);
        assert.ok(!isLoginPage((await fresh.get('/cabinet')).body));
        const attempts = await t.db.kysely.selectFrom('login_attempts').select('ip').execute();
        assert.deepEqual(attempts.map((a) => a.ip).sort(), ['10.30.0.1', '10.30.0.2', '10.30.0.3']);
        t.clock.advance(30 * MIN); // the first two attempts are now 61 minutes old
        await pruneAuthState(t.db.kysely, t.config, t.clock.now().getTime());
        const left = await t.db.kysely.selectFrom('login_attempts').select('ip').execute();
        assert.deepEqual(
          left.map((a) => a.ip),
          ['10.30.0.3'],
        );
      } finally {
        await t.close();
      }
    });
  });
}
