import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import fc from 'fast-check';
import { pino } from 'pino';
import { buildApp } from '../../app/app.ts';
import { Agent, testDialects } from '../../../test/helpers.ts';
import { GOOD, OTHER, people, profileFixture } from './profile-support.test.ts';

// Whatever comes in, the profile's forms and links answer 2xx, 303 or a 4xx with a message,
// never a 5xx (security.md row 22), and a refused form stores nothing.

/** Any string, an address-like one, a long one, and the control characters of a header. */
const anyText = fc.oneof(
  fc.string({ maxLength: 60 }),
  fc.emailAddress(),
  fc.constant('x'.repeat(3000)),
  fc.constant('a@b.ru\r\nBcc: x@y.ru'),
  fc.constant("О'Хара<script>@пример.рф"),
);

async function counts(f: ReturnType<typeof profileFixture>) {
  const k = f.t.db.kysely;
  const n = async (table: 'profiles' | 'profile_accounts') =>
    Number(
      (
        await k
          .selectFrom(table)
          .select((eb) => eb.fn.countAll().as('n'))
          .executeTakeFirstOrThrow()
      ).n,
    );
  return { profiles: await n('profiles'), attached: await n('profile_accounts') };
}

for (const dialect of await testDialects()) {
  describe(`profile: any input (${dialect})`, () => {
    // Throttles wide enough that the runs meet the forms, not only the limits.
    const f = profileFixture(dialect, { ANON_WRITES_PER_ADDRESS: '100000', ANON_WRITES_TOTAL: '1000000' });

    test('the creation form: a 303 or a 400 next to a field; a refused form stores nothing', async () => {
      const agent = await f.cabinet('b');
      await agent.get('/cabinet/profile');
      await fc.assert(
        fc.asyncProperty(
          anyText,
          anyText,
          fc.option(anyText, { nil: undefined }),
          async (email, password, repeat) => {
            const before = await counts(f);
            const res = await agent.post('/cabinet/profile', { email, password, repeat: repeat ?? password });
            assert.ok([303, 400].includes(res.statusCode), `status ${res.statusCode}`);
            if (res.statusCode === 400) {
              // Beyond the schema's 2,000 characters a field gets the app's page for a bad request.
              assert.match(res.body, /class="field-error"|Запрос содержит неверные данные/);
              assert.deepEqual(await counts(f), before, 'a refused form stores nothing');
            }
          },
        ),
        { numRuns: 40 },
      );
    });

    test('the login, forgot and resend forms, the password change and the links: never a 5xx', async () => {
      await f.confirmed('c', 'robust@mail.ru');
      const anon = new Agent(f.t.app, '10.90.0.1');
      await anon.get('/profile/login');
      await fc.assert(
        fc.asyncProperty(
          fc.constantFrom('/profile/login', '/profile/forgot', '/profile/resend'),
          anyText,
          anyText,
          async (url, email, password) => {
            const res = await anon.post(url, { email, password, consent: 'yes' });
            assert.ok([200, 303, 400, 401, 429].includes(res.statusCode), `${url}: ${res.statusCode}`);
          },
        ),
        { numRuns: 40 },
      );
      await fc.assert(
        fc.asyncProperty(
          fc.string({ maxLength: 120 }),
          fc.constantFrom('confirm', 'reset'),
          fc.boolean(),
          async (token, kind, post) => {
            const url = `/profile/${kind}/${encodeURIComponent(token)}`;
            const res = post ? await anon.post(url, { password: GOOD, repeat: GOOD }) : await anon.get(url);
            assert.ok(res.statusCode >= 400 && res.statusCode < 500, `${url}: ${res.statusCode}`);
          },
        ),
        { numRuns: 40 },
      );
      const own = await f.login('robust@mail.ru', GOOD, '10.90.0.2');
      assert.equal(own.status, 303);
      await own.agent.get('/cabinet/profile');
      await fc.assert(
        fc.asyncProperty(anyText, anyText, async (password, repeat) => {
          // Never the right current password: nothing may change.
          const res = await own.agent.post('/cabinet/profile/password', {
            current: `${password}!`,
            password,
            repeat,
          });
          assert.equal(res.statusCode, 400);
        }),
        { numRuns: 25 },
      );
      assert.equal(
        (await f.login('robust@mail.ru', GOOD, '10.90.0.3')).status,
        303,
        'the password is unchanged',
      );
    });

    test('logs hold no password, no full address and no link token (security.md row 13)', async () => {
      const lines: string[] = [];
      const stream = new Writable({
        write(chunk: Buffer, _enc, cb) {
          lines.push(chunk.toString());
          cb();
        },
      });
      const app = await buildApp({
        config: f.t.config,
        db: f.t.db,
        clock: f.t.clock,
        logger: pino({ level: 'debug' }, stream),
      });
      try {
        const agent = new Agent(app, '10.91.0.1');
        assert.equal((await agent.login(people.d.number, people.d.surname)).statusCode, 303);
        await agent.get('/cabinet/profile');
        const before = f.sink.received.length;
        await agent.post('/cabinet/profile', { email: 'logs.secret@mail.ru', password: GOOD, repeat: GOOD });
        await f.sink.waitFor(before + 1);
        const confirm = await f.linkOf(f.sink.received[before]!);
        await agent.get(confirm);
        await agent.post(confirm, {});
        const anon = new Agent(app, '10.91.0.2');
        await anon.get('/profile/login');
        await anon.post('/profile/login', {
          consent: 'yes',
          email: 'logs.secret@mail.ru',
          password: `${GOOD}-не-тот`,
        });
        assert.equal(
          (
            await anon.post('/profile/login', {
              consent: 'yes',
              email: 'logs.secret@mail.ru',
              password: GOOD,
            })
          ).statusCode,
          303,
        );
        await anon.get('/profile/forgot');
        await anon.post('/profile/forgot', { email: 'logs.secret@mail.ru' });
        await f.sink.waitFor(before + 2);
        const reset = await f.linkOf(f.sink.received[before + 1]!);
        await anon.get(reset);
        await anon.post(reset, { password: OTHER, repeat: OTHER });
        const log = lines.join('');
        assert.ok(log.includes('"url":"/profile/login"'), 'the log is on');
        for (const secret of [
          GOOD,
          OTHER,
          'logs.secret@',
          confirm.split('/').pop()!,
          reset.split('/').pop()!,
        ]) {
          assert.ok(!log.includes(secret), `${secret} is not in the log`);
        }
      } finally {
        await app.close();
      }
    });
  });
}
