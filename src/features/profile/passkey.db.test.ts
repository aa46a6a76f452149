import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import type { LightMyRequestResponse } from 'fastify';
import type {
  PublicKeyCredentialCreationOptionsJSON,
  PublicKeyCredentialRequestOptionsJSON,
} from '@simplewebauthn/server';
import {
  addAccount,
  Agent,
  createTestApp,
  testDialects,
  textOf,
  type TestApp,
} from '../../../test/helpers.ts';
import { makeProfile, postJson, profileSession, SoftAuthenticator } from '../../../test/passkey-support.ts';
import { hashPassword } from '../../platform/passwords.ts';
import { insertPasskey } from './passkey.repository.ts';

const ORIGIN = 'http://localhost:3000'; // testConfig's PUBLIC_URL
const PAGE = '/cabinet/profile/passkeys';
const LOGIN = '/profile/login/passkey';

const json = (res: LightMyRequestResponse) => res.json<Record<string, unknown>>();
const errorOf = (res: LightMyRequestResponse) => (json(res).error as { message: string }).message;

for (const dialect of await testDialects()) {
  describe(`passkeys (${dialect})`, () => {
    let t: TestApp;
    let accountA: number;
    let accountB: number;
    let profileA: number;
    let profileB: number;
    let nextIp = 1;

    before(async () => {
      t = await createTestApp(dialect);
      accountA = await addAccount(t.db, { number: '1000000041', surname: 'Семёнова', serial: '410041' });
      accountB = await addAccount(t.db, { number: '1000000058', surname: 'Федоров', serial: '580058' });
      const at = t.clock.now().getTime();
      profileA = await makeProfile(t.db, { email: 'a@example.ru', accountIds: [accountA], at });
      profileB = await makeProfile(t.db, {
        email: 'b@example.ru',
        accountIds: [accountB],
        passwordHash: await hashPassword('корова-лошадь-42'),
        at,
      });
    });
    after(async () => t.close());

    /** A browser with a session of the profile, on its passkeys page (which gives the CSRF token). */
    async function asProfile(profileId: number, accountId: number): Promise<Agent> {
      const agent = new Agent(t.app, `10.7.0.${nextIp++}`);
      const token = await profileSession(t.db, { profileId, accountId, at: t.clock.now().getTime() });
      agent.jar[t.config.https ? '__Host-sid' : 'sid'] = token;
      const page = await agent.get(PAGE);
      assert.equal(page.statusCode, 200);
      return agent;
    }

    /** A browser on the passkey login page: no session, the page's CSRF token. */
    async function atLoginPage(ip = `10.8.0.${nextIp++}`): Promise<Agent> {
      const agent = new Agent(t.app, ip);
      const page = await agent.get(LOGIN);
      assert.equal(page.statusCode, 200);
      agent.csrf = /data-csrf="([^"]+)"/.exec(page.body)![1]!;
      return agent;
    }

    async function registrationOptions(agent: Agent) {
      const res = await postJson(agent, `${PAGE}/options`, {});
      assert.equal(res.statusCode, 200, res.body);
      return json(res) as unknown as PublicKeyCredentialCreationOptionsJSON;
    }

    async function loginOptions(agent: Agent) {
      const res = await postJson(agent, `${LOGIN}/options`, {});
      assert.equal(res.statusCode, 200, res.body);
      return json(res) as unknown as PublicKeyCredentialRequestOptionsJSON;
    }

    /** Registers a new software passkey for the profile; returns it. */
    async function enrol(profileId: number, accountId: number, name = 'Телефон') {
      const agent = await asProfile(profileId, accountId);
      const key = new SoftAuthenticator();
      const response = key.register(await registrationOptions(agent), ORIGIN);
      const res = await postJson(agent, `${PAGE}/register`, { name, response });
      assert.equal(res.statusCode, 200, res.body);
      return { key, agent };
    }

    test('a profile adds a passkey, then logs in with it and sees its account', async () => {
      const { key, agent } = await enrol(profileA, accountA, '  Мой   телефон ');
      const options = await registrationOptions(agent);
      assert.equal(options.rp.id, 'localhost');
      assert.equal(options.authenticatorSelection?.residentKey, 'required');
      assert.deepEqual(
        options.excludeCredentials?.map((c) => c.id),
        [key.id],
        'the authenticator is told the passkey is there already',
      );
      assert.equal(options.user.id, key.userHandle, 'one user handle per profile');
      const page = textOf((await agent.get(PAGE)).body);
      assert.match(page, /Мой телефон/);
      assert.match(page, /не использовался/);

      const browser = await atLoginPage();
      const login = await loginOptions(browser);
      assert.equal(login.userVerification, 'required');
      assert.deepEqual(login.allowCredentials ?? [], [], 'discoverable: no credential named');
      const res = await postJson(browser, LOGIN, { consent: true, response: key.assert(login, ORIGIN) });
      assert.equal(res.statusCode, 200, res.body);
      assert.deepEqual(json(res), { redirect: '/cabinet' });
      assert.ok(browser.jar.sid, 'a session cookie is set');
      const cabinet = await browser.get('/cabinet');
      assert.equal(cabinet.statusCode, 200);
      assert.match(textOf(cabinet.body), /Лицевой счет 1000000041/);

      const row = await t.db.kysely
        .selectFrom('passkeys')
        .select(['counter', 'last_used_at'])
        .where('credential_id', '=', key.id)
        .executeTakeFirstOrThrow();
      assert.equal(Number(row.counter), key.counter);
      assert.equal(Number(row.last_used_at), t.clock.now().getTime());
      const session = await t.db.kysely
        .selectFrom('sessions')
        .select(['profile_id', 'account_id'])
        .where('ip', '=', browser.ip)
        .executeTakeFirstOrThrow();
      assert.deepEqual([Number(session.profile_id), Number(session.account_id)], [profileA, accountA]);
      const audit = await t.db.kysely
        .selectFrom('audit_log')
        .select(['outcome', 'account_number', 'details'])
        .where('event', '=', 'profile_login')
        .where('ip', '=', browser.ip)
        .execute();
      assert.deepEqual(
        audit.map((a) => [a.outcome, a.account_number]),
        [['success', '1000000041']],
      );
      assert.doesNotMatch(audit[0]!.details ?? '', /@/, 'no e-mail in the audit log');
    });

    test('the login asks for the consent: none is 400 and nothing; given, it is recorded', async () => {
      const { key } = await enrol(profileA, accountA);
      // The profile login page is where both ways are: its passkey section, with its own box.
      const browser = new Agent(t.app, `10.8.0.${nextIp++}`);
      const page = await browser.get('/profile/login');
      assert.match(textOf(page.body), /Вход с ключом входа \(passkey\)/);
      assert.match(page.body, /id="passkey-consent"/);
      assert.match(page.body, /<script src="\/assets\/js\/passkeys-[^"]+\.js"/);
      browser.csrf = /data-csrf="([^"]+)"/.exec(page.body)![1]!;
      const consents = (ip: string) =>
        t.db.kysely
          .selectFrom('consents')
          .select(['account_id', 'account_number', 'ip'])
          .where('ip', '=', ip)
          .execute();
      const attempts = (ip: string) =>
        t.db.kysely.selectFrom('login_attempts').select('success').where('ip', '=', ip).execute();

      for (const consent of [undefined, false]) {
        const response = key.assert(await loginOptions(browser), ORIGIN);
        const res = await postJson(
          browser,
          LOGIN,
          consent === undefined ? { response } : { consent, response },
        );
        assert.equal(res.statusCode, 400, `${String(consent)}: ${res.body}`);
        assert.equal(errorOf(res), 'Чтобы войти, подтвердите согласие на обработку персональных данных.');
        assert.equal(browser.jar.sid, undefined, 'no session cookie');
      }
      const none = await t.db.kysely
        .selectFrom('sessions')
        .select('id')
        .where('ip', '=', browser.ip)
        .execute();
      assert.deepEqual(none, [], 'no session');
      assert.deepEqual(await consents(browser.ip), [], 'no consent row');
      assert.deepEqual(await attempts(browser.ip), [], 'not counted as a failed attempt');

      const res = await postJson(browser, LOGIN, {
        consent: true,
        response: key.assert(await loginOptions(browser), ORIGIN),
      });
      assert.equal(res.statusCode, 200, res.body);
      const session = await t.db.kysely
        .selectFrom('sessions')
        .select('account_id')
        .where('ip', '=', browser.ip)
        .executeTakeFirstOrThrow();
      const rows = await consents(browser.ip);
      assert.deepEqual(
        rows.map((r) => [Number(r.account_id), r.account_number]),
        [[Number(session.account_id), '1000000041']],
        "one consent, for the session's account",
      );
    });

    test('an assertion is accepted once: the same answer again is refused (its challenge is used up)', async () => {
      const { key } = await enrol(profileA, accountA);
      const browser = await atLoginPage();
      const response = key.assert(await loginOptions(browser), ORIGIN);
      assert.equal((await postJson(browser, LOGIN, { consent: true, response })).statusCode, 200);
      const again = await atLoginPage();
      const res = await postJson(again, LOGIN, { consent: true, response });
      assert.equal(res.statusCode, 401);
      assert.match(errorOf(res), /Время ожидания истекло или запрос уже использован/);

      // The same answer sent twice at once (two tabs, two instances): one session, not two.
      const first = await atLoginPage();
      const second = await atLoginPage();
      const twice = key.assert(await loginOptions(first), ORIGIN);
      const both = await Promise.all([
        postJson(first, LOGIN, { consent: true, response: twice }),
        postJson(second, LOGIN, { consent: true, response: twice }),
      ]);
      assert.deepEqual(both.map((r) => r.statusCode).sort(), [200, 401]);
      const sessions = await t.db.kysely
        .selectFrom('sessions')
        .select('id')
        .where('ip', 'in', [first.ip, second.ip])
        .execute();
      assert.equal(sessions.length, 1);
    });

    test('a challenge older than five minutes is refused, for a login and for a registration', async () => {
      const { key, agent } = await enrol(profileA, accountA);
      const browser = await atLoginPage();
      const login = await loginOptions(browser);
      const creation = await registrationOptions(agent);
      t.clock.advance(5 * 60_000 + 1000);
      try {
        const res = await postJson(browser, LOGIN, { consent: true, response: key.assert(login, ORIGIN) });
        assert.equal(res.statusCode, 401);
        assert.match(errorOf(res), /Время ожидания истекло/);
        const reg = await postJson(agent, `${PAGE}/register`, {
          response: new SoftAuthenticator().register(creation, ORIGIN),
        });
        assert.equal(reg.statusCode, 400);
        assert.match(errorOf(reg), /Время ожидания истекло/);
      } finally {
        t.clock.advance(-(5 * 60_000 + 1000));
      }
    });

    test('answers made for another origin or RP ID are refused', async () => {
      const { key, agent } = await enrol(profileA, accountA);
      for (const [origin, rpId] of [
        ['https://evil.example', undefined],
        ['http://localhost:3001', undefined],
        [ORIGIN, 'evil.example'],
      ] as const) {
        const browser = await atLoginPage();
        const res = await postJson(browser, LOGIN, {
          consent: true,
          response: key.assert(await loginOptions(browser), origin, rpId ? { rpId } : {}),
        });
        assert.equal(res.statusCode, 401, `${origin} ${rpId}`);
        assert.equal(browser.jar.sid, undefined, 'no session');
        const reg = await postJson(agent, `${PAGE}/register`, {
          response: new SoftAuthenticator().register(
            await registrationOptions(agent),
            origin,
            rpId ? { rpId } : {},
          ),
        });
        assert.equal(reg.statusCode, 400, `${origin} ${rpId}`);
        assert.match(errorOf(reg), /Ключ не прошёл проверку/);
      }
    });

    test('a credential stored already is not stored again, nor a 500: the insert says so', async () => {
      // Two registrations of one new key at once both pass the "already added?" check; the second
      // insert must then report the conflict (and the service answers «уже добавлен»).
      const key = new SoftAuthenticator();
      const row = {
        profileId: profileA,
        credentialId: key.id,
        publicKey: 'AAAA',
        counter: 0,
        transports: [],
        userHandle: 'aGFuZGxl',
        name: 'Раз',
        at: t.clock.now().getTime(),
      };
      assert.equal(typeof (await insertPasskey(t.db.kysely, row)), 'number');
      assert.equal(await insertPasskey(t.db.kysely, { ...row, name: 'Два' }), undefined);
      const stored = await t.db.kysely
        .selectFrom('passkeys')
        .select('name')
        .where('credential_id', '=', key.id)
        .execute();
      assert.deepEqual(stored, [{ name: 'Раз' }]);
    });

    test('a key that checked presence only (no PIN, no fingerprint) can neither register nor log in', async () => {
      const { key, agent } = await enrol(profileA, accountA);
      const options = await registrationOptions(agent);
      assert.equal(options.authenticatorSelection?.userVerification, 'required');
      const reg = await postJson(agent, `${PAGE}/register`, {
        response: new SoftAuthenticator().register(options, ORIGIN, { verified: false }),
      });
      assert.equal(reg.statusCode, 400);
      assert.match(errorOf(reg), /Ключ не прошёл проверку/);
      const browser = await atLoginPage();
      const res = await postJson(browser, LOGIN, {
        consent: true,
        response: key.assert(await loginOptions(browser), ORIGIN, { verified: false }),
      });
      assert.equal(res.statusCode, 401);
      assert.equal(browser.jar.sid, undefined, 'no session');
      const again = await atLoginPage();
      const ok = await postJson(again, LOGIN, {
        consent: true,
        response: key.assert(await loginOptions(again), ORIGIN),
      });
      assert.equal(ok.statusCode, 200, 'the same key, verified, is let in');
    });

    test('an unknown credential, a forged signature or a counter gone back is refused', async () => {
      const browser = await atLoginPage();
      const stranger = new SoftAuthenticator();
      let res = await postJson(browser, LOGIN, {
        consent: true,
        response: stranger.assert(await loginOptions(browser), ORIGIN),
      });
      assert.equal(res.statusCode, 401);
      assert.match(errorOf(res), /Войти с этим ключом не удалось/);

      const { key } = await enrol(profileA, accountA);
      const forged = key.assert(await loginOptions(browser), ORIGIN);
      // Another key signs for this credential id.
      const other = stranger.assert(await loginOptions(browser), ORIGIN);
      forged.response.signature = other.response.signature;
      res = await postJson(browser, LOGIN, { consent: true, response: forged });
      assert.equal(res.statusCode, 401);

      // A clone of the authenticator that signs with an older counter.
      assert.equal(
        (
          await postJson(browser, LOGIN, {
            consent: true,
            response: key.assert(await loginOptions(browser), ORIGIN),
          })
        ).statusCode,
        200,
      );
      key.counter -= 2;
      // The login ended the page's CSRF secret (as the account login does): the page again.
      const next = await atLoginPage(browser.ip);
      res = await postJson(next, LOGIN, {
        consent: true,
        response: key.assert(await loginOptions(next), ORIGIN),
      });
      assert.equal(res.statusCode, 401);
    });

    test("another profile's credential: its user handle, its challenge and its passkeys are refused", async () => {
      const a = await enrol(profileA, accountA);
      const b = await enrol(profileB, accountB);
      // A's credential answering with B's user handle (as a mixed-up or malicious client would).
      const browser = await atLoginPage();
      const res = await postJson(browser, LOGIN, {
        consent: true,
        response: a.key.assert(await loginOptions(browser), ORIGIN, { userHandle: b.key.userHandle! }),
      });
      assert.equal(res.statusCode, 401);

      // A registration answering A's challenge, posted in B's session.
      const answer = new SoftAuthenticator().register(await registrationOptions(a.agent), ORIGIN);
      const reg = await postJson(b.agent, `${PAGE}/register`, { response: answer });
      assert.equal(reg.statusCode, 400);
      // …and the challenge is not used up by the refusal: A may still answer it.
      assert.equal((await postJson(a.agent, `${PAGE}/register`, { response: answer })).statusCode, 200);

      // B cannot register A's credential as its own.
      const dup = a.key.register(await registrationOptions(b.agent), ORIGIN);
      const again = await postJson(b.agent, `${PAGE}/register`, { response: dup });
      assert.equal(again.statusCode, 400);
      assert.match(errorOf(again), /уже добавлен/);

      // B renames or removes A's passkey: 404, nothing changes.
      const idOfA = await t.db.kysely
        .selectFrom('passkeys')
        .select(['id', 'name'])
        .where('credential_id', '=', a.key.id)
        .executeTakeFirstOrThrow();
      assert.equal((await b.agent.post(`${PAGE}/${idOfA.id}/rename`, { name: 'Чужой' })).statusCode, 404);
      assert.equal((await b.agent.post(`${PAGE}/${idOfA.id}/remove`, {})).statusCode, 404);
      const still = await t.db.kysely
        .selectFrom('passkeys')
        .select('name')
        .where('id', '=', idOfA.id)
        .executeTakeFirstOrThrow();
      assert.equal(still.name, idOfA.name);
    });
  });
}
