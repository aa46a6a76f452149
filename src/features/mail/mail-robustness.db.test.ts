import { describe, test, before } from 'node:test';
import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import fc from 'fast-check';
import { pino } from 'pino';
import { Agent, createTestApp, testDialects, textOf, type TestApp } from '../../../test/helpers.ts';
import { DEMO_ACCOUNT } from '../../tools/demo/demo-account.ts';
import { buildApp } from '../../app/app.ts';
import { confirmPathOf, type SmtpSink } from '../../../test/mail-support.ts';
import { mailFixture, people } from './mail-fixture.db.test.ts';

// Whatever comes in, the answers stay 303 / 4xx, the logs hold no address and no token, and a
// database that went away gives a 503.

for (const dialect of await testDialects()) {
  describe(`bills by e-mail: any input, the logs (${dialect})`, () => {
    const f = mailFixture(dialect);
    const { session, subscription } = f;
    let t: TestApp;
    let sink: SmtpSink;
    before(() => {
      t = f.t;
      sink = f.sink;
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
