import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
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
import { assetPath } from '../../platform/assets.ts';

// The passkeys page's forms (rename, remove, the page without JavaScript), who may use it, and the
// passkey login's throttle, CSRF and bad input. passkey.db.test.ts has the ceremonies themselves.

const ORIGIN = 'http://localhost:3000';
const PAGE = '/cabinet/profile/passkeys';
const LOGIN = '/profile/login/passkey';

for (const dialect of await testDialects()) {
  describe(`passkeys page and login guard (${dialect})`, () => {
    let t: TestApp;
    let account: number;
    let nextIp = 1;

    before(async () => {
      t = await createTestApp(dialect);
      account = await addAccount(t.db, { number: '1000000041', surname: 'Семёнова', serial: '410041' });
    });
    after(async () => t.close());

    async function asProfile(profileId: number): Promise<Agent> {
      const agent = new Agent(t.app, `10.9.0.${nextIp++}`);
      agent.jar.sid = await profileSession(t.db, {
        profileId,
        accountId: account,
        at: t.clock.now().getTime(),
      });
      assert.equal((await agent.get(PAGE)).statusCode, 200);
      return agent;
    }

    async function newProfile(email: string, password?: string): Promise<number> {
      return makeProfile(t.db, {
        email,
        accountIds: [account],
        at: t.clock.now().getTime(),
        ...(password ? { passwordHash: await hashPassword(password) } : {}),
      });
    }

    async function enrol(agent: Agent, name: string): Promise<SoftAuthenticator> {
      const key = new SoftAuthenticator();
      const options = (
        await postJson(agent, `${PAGE}/options`, {})
      ).json<PublicKeyCredentialCreationOptionsJSON>();
      const res = await postJson(agent, `${PAGE}/register`, {
        name,
        response: key.register(options, ORIGIN),
      });
      assert.equal(res.statusCode, 200, res.body);
      return key;
    }

    const idsOf = async (profileId: number) =>
      (
        await t.db.kysely
          .selectFrom('passkeys')
          .select('id')
          .where('profile_id', '=', profileId)
          .orderBy('id')
          .execute()
      ).map((r) => Number(r.id));

    test('without JavaScript the page says passkeys need it; the script is a file, not inline', async () => {
      const agent = await asProfile(await newProfile('nojs@example.ru'));
      const html = (await agent.get(PAGE)).body;
      assert.match(textOf(html), /Ключи входа \(passkeys\) работают только с включённым JavaScript/);
      assert.match(textOf(html), /Ключей входа пока нет/);
      assert.match(html, /<button type="submit" class="button primary passkey-add-button" hidden>/);
      assert.ok(html.includes(`<script src="${assetPath('js/passkeys.js')}" defer></script>`));
      assert.doesNotMatch(html, /<script>/, 'no inline script');
      // The add form posted anyway (Enter in the field): the page again, the words by the field, the name kept.
      const res = await agent.post(`${PAGE}/add`, { name: 'Ноутбук' });
      assert.equal(res.statusCode, 400);
      assert.match(textOf(res.body), /Чтобы добавить ключ входа, включите JavaScript в браузере\./);
      assert.match(res.body, /id="passkey-name"[^>]*value="Ноутбук"/);
    });

    test('the manual login (account and surname) has no passkeys: 403, in HTML and in JSON', async () => {
      const agent = new Agent(t.app, '10.9.1.1');
      assert.equal((await agent.login('1000000041', 'Семёнова')).statusCode, 303);
      const page = await agent.get(PAGE);
      assert.equal(page.statusCode, 403);
      assert.match(textOf(page.body), /Ключи входа есть только у профиля/);
      await agent.get('/cabinet');
      const options = await postJson(agent, `${PAGE}/options`, {});
      assert.equal(options.statusCode, 403);
      assert.equal(
        await t.db.kysely
          .selectFrom('webauthn_challenges')
          .select('id')
          .where('profile_id', 'is', null)
          .where('purpose', '=', 'register')
          .executeTakeFirst(),
        undefined,
      );
    });

    test('rename: a good name is saved; a long one comes back with the message and as typed', async () => {
      const profile = await newProfile('rename@example.ru');
      const agent = await asProfile(profile);
      await enrol(agent, 'Телефон');
      const [id] = await idsOf(profile);
      const ok = await agent.post(`${PAGE}/${id}/rename`, { name: ' Рабочий  ноутбук ' });
      assert.equal(ok.statusCode, 303);
      assert.equal(ok.headers.location, `${PAGE}?done=renamed`);
      const page = textOf((await agent.get(ok.headers.location)).body);
      assert.match(page, /Название ключа изменено\./);
      assert.match(page, /Рабочий ноутбук/);

      const long = 'Д'.repeat(61);
      const bad = await agent.post(`${PAGE}/${id}/rename`, { name: long });
      assert.equal(bad.statusCode, 400);
      assert.match(textOf(bad.body), /Название слишком длинное: не больше 60 символов\./);
      assert.match(bad.body, new RegExp(`id="passkey-name-${id}"[^>]*value="${long}"`));
      assert.match(bad.body, new RegExp(`aria-describedby="passkey-name-${id}-error"`));
      // An unknown id, or one that is no number: never a 5xx.
      assert.equal((await agent.post(`${PAGE}/999999/rename`, { name: 'x' })).statusCode, 404);
      assert.equal((await agent.post(`${PAGE}/abc/rename`, { name: 'x' })).statusCode, 400);
    });

    test('the last sign-in method of a profile without a password is not removed; with a password it is', async () => {
      const bare = await newProfile('bare@example.ru');
      const agent = await asProfile(bare);
      await enrol(agent, 'Первый');
      await enrol(agent, 'Второй');
      const [first, second] = await idsOf(bare);
      const removed = await agent.post(`${PAGE}/${first}/remove`, {});
      assert.equal(removed.statusCode, 303);
      assert.match(textOf((await agent.get(removed.headers.location as string)).body), /Ключ входа удалён\./);
      const refused = await agent.post(`${PAGE}/${second}/remove`, {});
      assert.equal(refused.statusCode, 409);
      assert.match(textOf(refused.body), /Это единственный способ входа в профиль: у профиля нет пароля/);
      assert.deepEqual(await idsOf(bare), [second]);

      const withPassword = await newProfile('pw@example.ru', 'корова-лошадь-42');
      const other = await asProfile(withPassword);
      await enrol(other, 'Единственный');
      const [only] = await idsOf(withPassword);
      assert.equal((await other.post(`${PAGE}/${only}/remove`, {})).statusCode, 303);
      assert.deepEqual(await idsOf(withPassword), []);
    });

    test('failed passkey logins from one address are throttled like failed logins (429, Retry-After)', async () => {
      const profile = await newProfile('throttle@example.ru');
      const key = await enrol(await asProfile(profile), 'Ключ');
      const ip = '10.9.2.1';
      const stranger = new SoftAuthenticator();
      const attempt = async (who: SoftAuthenticator, from = ip) => {
        const agent = new Agent(t.app, from);
        agent.csrf = /data-csrf="([^"]+)"/.exec((await agent.get(LOGIN)).body)![1]!;
        const options = await postJson(agent, `${LOGIN}/options`, {});
        if (options.statusCode !== 200) {
          return options;
        }
        const response = who.assert(options.json<PublicKeyCredentialRequestOptionsJSON>(), ORIGIN);
        return postJson(agent, LOGIN, { consent: true, response });
      };
      for (let i = 0; i < t.config.loginLimits.addressMaxFailures; i++) {
        assert.equal((await attempt(stranger)).statusCode, 401, `failure ${i + 1}`);
      }
      const refused = await attempt(key);
      assert.equal(refused.statusCode, 429, 'even the right passkey waits');
      assert.ok(Number(refused.headers['retry-after']) > 0);
      assert.match(
        refused.json<{ error: { message: string } }>().error.message,
        /Слишком много неудачных попыток входа/,
      );
      assert.equal((await attempt(key, '10.9.2.2')).statusCode, 200, 'another address logs in');
      t.clock.advance(t.config.loginLimits.windowMs + 1000);
      try {
        assert.equal((await attempt(key)).statusCode, 200, 'after the window');
      } finally {
        t.clock.advance(-(t.config.loginLimits.windowMs + 1000));
      }
      const failures = await t.db.kysely
        .selectFrom('audit_log')
        .select('outcome')
        .where('event', '=', 'profile_login')
        .where('ip', '=', ip)
        .execute();
      assert.equal(
        failures.filter((f) => f.outcome === 'failure').length,
        t.config.loginLimits.addressMaxFailures,
      );
    });

    test('an address refused for failing account logins on many accounts is refused a passkey login too', async () => {
      const ip = '10.9.2.9';
      const at = t.clock.now().getTime();
      const { ipMaxAccounts } = t.config.loginLimits;
      await t.db.kysely
        .insertInto('login_attempts')
        .values(
          Array.from({ length: ipMaxAccounts }, (_, i) => ({
            account_number: `11000000${String(i).padStart(2, '0')}`,
            ip,
            at: at - 1000,
            success: 0,
            client: `ip:${ip}`,
          })),
        )
        .execute();
      const agent = new Agent(t.app, ip);
      agent.csrf = /data-csrf="([^"]+)"/.exec((await agent.get(LOGIN)).body)![1]!;
      const refused = await postJson(agent, `${LOGIN}/options`, {});
      assert.equal(refused.statusCode, 429);
      assert.ok(Number(refused.headers['retry-after']) > 0);
      await t.db.kysely.deleteFrom('login_attempts').where('ip', '=', ip).execute();
      assert.equal((await postJson(agent, `${LOGIN}/options`, {})).statusCode, 200);
    });

    test('CSRF: a JSON POST without the token, or from another site, is refused (403)', async () => {
      const agent = new Agent(t.app, '10.9.3.1');
      agent.csrf = /data-csrf="([^"]+)"/.exec((await agent.get(LOGIN)).body)![1]!;
      assert.equal((await postJson(agent, `${LOGIN}/options`, {}, { 'x-csrf-token': '' })).statusCode, 403);
      assert.equal(
        (await postJson(agent, `${LOGIN}/options`, {}, { origin: 'https://evil.example' })).statusCode,
        403,
      );
      assert.equal(
        (await postJson(agent, `${LOGIN}/options`, {}, { 'sec-fetch-site': 'cross-site' })).statusCode,
        403,
      );
      const profileAgent = await asProfile(await newProfile('csrf@example.ru'));
      assert.equal(
        (await postJson(profileAgent, `${PAGE}/options`, {}, { 'x-csrf-token': 'nope' })).statusCode,
        403,
      );
      assert.equal(
        (await postJson(agent, `${LOGIN}/options`, {})).statusCode,
        200,
        'with the token it works',
      );
    });

    test('bad JSON and wrong types get a 4xx JSON answer, never a 5xx, and log nobody in', async () => {
      const fuzzProfile = await newProfile('fuzz@example.ru');
      const profileAgent = await asProfile(fuzzProfile);
      const agent = new Agent(t.app, '10.9.4.1');
      agent.csrf = /data-csrf="([^"]+)"/.exec((await agent.get(LOGIN)).body)![1]!;
      const b64 = fc.oneof(
        fc.base64String({ maxLength: 200 }),
        fc.string({ maxLength: 50 }),
        fc.constant(''),
      );
      const answer = fc.record(
        {
          id: fc.oneof(b64, fc.integer()),
          rawId: b64,
          type: fc.oneof(fc.constant('public-key'), fc.string({ maxLength: 12 })),
          response: fc.oneof(
            fc.record({
              clientDataJSON: fc.oneof(
                b64,
                fc.constant(Buffer.from('{"challenge":1}').toString('base64url')),
              ),
              authenticatorData: b64,
              signature: b64,
              attestationObject: b64,
              userHandle: b64,
            }),
            fc.anything(),
          ),
          clientExtensionResults: fc.oneof(fc.constant({}), fc.anything()),
        },
        { requiredKeys: [] },
      );
      const body = fc.oneof(
        fc.record(
          {
            response: answer,
            consent: fc.oneof(fc.constant(true), fc.anything()),
            name: fc.oneof(fc.string({ maxLength: 100 }), fc.integer()),
          },
          { requiredKeys: [] },
        ),
        fc.anything(),
      );
      await fc.assert(
        fc.asyncProperty(body, fc.boolean(), async (b, raw) => {
          const payload = raw ? (JSON.stringify(b) ?? 'null').slice(0, -1) : b;
          for (const [who, url] of [
            [agent, LOGIN],
            [profileAgent, `${PAGE}/register`],
          ] as const) {
            const res = await postJson(who, url, payload ?? null);
            assert.ok(res.statusCode >= 400 && res.statusCode < 500, `${url}: ${res.statusCode} ${res.body}`);
            assert.match(String(res.headers['content-type']), /application\/json/);
          }
        }),
        { numRuns: 60 },
      );
      assert.equal(agent.jar.sid, undefined);
      assert.deepEqual(await idsOf(fuzzProfile), [], 'nothing stored');
    });
  });
}
