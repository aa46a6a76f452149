import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import {
  addAccount,
  Agent,
  createTestApp,
  secondInstance,
  testDialects,
  textOf,
  type TestApp,
} from '../../../test/helpers.ts';
import { DEMO_ACCOUNT } from '../../tools/demo/demo-account.ts';

const MIN = 60_000;

// The login throttles over HTTP (the policy: README, "Login lock-out"; the rules: login-throttle.ts).
for (const dialect of await testDialects()) {
  describe(`login throttles (${dialect})`, () => {
    let t: TestApp;
    before(async () => {
      t = await createTestApp(dialect);
    });
    after(async () => t.close());

    test('5 wrong surnames in 15 minutes: the 6th attempt is refused with 429, even with the right surname', async () => {
      const account = DEMO_ACCOUNT.number;
      t.clock.advance(60 * MIN);
      t.clock.advance((90_000 - (t.clock.now().getTime() % MIN)) % MIN); // T at hh:mm:30
      // One browser: the first failure at T, the other four over the next four minutes; the form
      // says how many attempts are left.
      const browser = new Agent(t.app, '10.3.0.1');
      const left: string[] = [];
      for (let i = 0; i < 5; i++) {
        const res = await browser.login(account, 'Неправильная');
        assert.equal(res.statusCode, 401);
        left.push(/Неверный номер лицевого счёта или фамилия\. ([^<]*)</.exec(res.body)?.[1] ?? '');
        if (i < 4) {
          t.clock.advance(MIN);
        }
      }
      assert.deepEqual(left.slice(0, 4), [
        'Осталось 4 попытки.',
        'Осталось 3 попытки.',
        'Осталось 2 попытки.',
        'Осталась 1 попытка.',
      ]);
      assert.match(
        left[4]!,
        /^Попытки входа исчерпаны: повторите после \d\d:\d\d \(по местному времени\)\.$/,
      );
      // At T + 14 min the window (15 min) still holds all five: refused, to retry in exactly one minute.
      t.clock.advance(10 * MIN);
      const refused = await browser.login(account, DEMO_ACCOUNT.surname);
      assert.equal(refused.statusCode, 429);
      const shown = /Слишком много неудачных попыток входа\. Повторите попытку после (\d\d:\d\d)/.exec(
        textOf(refused.body),
      );
      assert.ok(shown, 'the message says when to retry');
      assert.equal(refused.headers['retry-after'], '60');
      // Allowed from T + 15 min = hh:mm:30, so the message names the minute after it, never the one before.
      const local = (ms: number) =>
        new Intl.DateTimeFormat('ru-RU', {
          timeZone: t.config.timeZone,
          hour: '2-digit',
          minute: '2-digit',
        }).format(ms);
      assert.equal(shown[1], local(t.clock.now().getTime() + 90_000));
      assert.equal(/повторите после (\d\d:\d\d)/.exec(left[4]!)?.[1], shown[1]);

      // The counters live in the database: another app instance (or a restart) refuses too, and
      // so does the same address without the browser's cookie.
      const other = await secondInstance(t);
      try {
        const sameBrowser = new Agent(other.app, '10.3.0.1');
        sameBrowser.jar = { ...browser.jar };
        assert.equal((await sameBrowser.login(account, DEMO_ACCOUNT.surname)).statusCode, 429);
      } finally {
        await other.close();
      }

      // One second before T + 15 min still refused; once the first failure leaves the window, the right surname works.
      t.clock.advance(59_000);
      assert.equal((await browser.login(account, DEMO_ACCOUNT.surname)).statusCode, 429);
      t.clock.advance(1_000);
      const ok = await browser.login(account, DEMO_ACCOUNT.surname);
      assert.equal(ok.statusCode, 303);
      const events = await t.db.kysely
        .selectFrom('audit_log')
        .select(['outcome'])
        .where('event', '=', 'login')
        .where('ip', '=', '10.3.0.1')
        .orderBy('id')
        .execute();
      assert.deepEqual(
        events.map((e) => e.outcome),
        ['failure', 'failure', 'failure', 'failure', 'failure', 'locked', 'locked', 'locked', 'success'],
      );
    });

    test("a stranger's five wrong surnames lock the stranger's browser, not the holder", async () => {
      t.clock.advance(60 * MIN);
      await addAccount(t.db, { number: '1000000072', surname: 'Владелец', serial: '720072' });
      const stranger = new Agent(t.app, '10.3.3.1');
      for (let i = 0; i < 5; i++) {
        assert.equal((await stranger.login('1000000072', 'Чужой')).statusCode, 401);
      }
      assert.equal((await stranger.login('1000000072', 'Владелец')).statusCode, 429);
      // The holder, in another browser elsewhere, logs in; the stranger's browser stays locked.
      const holder = new Agent(t.app, '10.3.3.2');
      assert.equal((await holder.login('1000000072', 'Владелец')).statusCode, 303);
      assert.equal((await stranger.login('1000000072', 'Владелец')).statusCode, 429);
      // Another browser behind the same address (a family's router) may still try, up to the
      // address's limit of 10: a stranger cannot go round the browser's limit by dropping the cookie.
      const family = new Agent(t.app, '10.3.3.1');
      const res = await family.login('1000000072', 'Чужой');
      assert.equal(res.statusCode, 401);
      assert.match(textOf(res.body), /Осталось 4 попытки\./);
      for (let i = 0; i < 4; i++) {
        const freshCookie = new Agent(t.app, '10.3.3.1');
        assert.equal(
          (await freshCookie.login('1000000072', 'Чужой')).statusCode,
          401,
          `address failure ${i + 7}`,
        );
      }
      const cookieless = await new Agent(t.app, '10.3.3.1').login('1000000072', 'Владелец');
      assert.equal(cookieless.statusCode, 429, 'the address has failed 10 times');
      assert.equal((await new Agent(t.app, '10.3.3.3').login('1000000072', 'Владелец')).statusCode, 303);
    });

    test('failures from many addresses add up to a lock-out for everyone at 20', async () => {
      t.clock.advance(60 * MIN);
      await addAccount(t.db, { number: '1000000089', surname: 'Осаждённый', serial: '890089' });
      for (let i = 0; i < 20; i++) {
        const res = await new Agent(t.app, `10.3.4.${i}`).login('1000000089', 'Перебор');
        assert.equal(res.statusCode, 401, `attempt ${i + 1}`);
        if (i === 16) {
          assert.match(
            textOf(res.body),
            /Осталось 3 попытки\./,
            'the account has 3 left, fewer than a browser',
          );
        }
      }
      const holder = await new Agent(t.app, '10.3.5.1').login('1000000089', 'Осаждённый');
      assert.equal(holder.statusCode, 429);
      t.clock.advance(15 * MIN);
      assert.equal((await new Agent(t.app, '10.3.5.1').login('1000000089', 'Осаждённый')).statusCode, 303);
    });

    // On SQLite one process runs its requests one at a time anyway; it is PostgreSQL, with queries
    // that really overlap, where attempts sent at once could all be counted before any was recorded.
    const onPostgres = {
      skip: dialect === 'sqlite' ? 'one SQLite process serialises its requests by itself' : false,
    };

    test(
      '30 wrong surnames sent at once from 30 addresses to two app instances: 20 checked, 10 refused',
      onPostgres,
      async () => {
        t.clock.advance(60 * MIN);
        await addAccount(t.db, { number: '1000000065', surname: 'Параллельная', serial: '650065' });
        const other = await secondInstance(t);
        try {
          // Each attempt from its own address, so that only the limit of the whole account applies.
          const agents = Array.from(
            { length: 30 },
            (_, i) => new Agent(i % 2 === 0 ? t.app : other.app, `10.3.2.${i}`),
          );
          await Promise.all(agents.map((a) => a.get('/cabinet')));
          const results = await Promise.all(
            agents.map((a) =>
              a.post('/login', {
                from: 'cabinet',
                account: '1000000065',
                surname: 'Неправильная',
                consent: 'yes',
              }),
            ),
          );
          const codes = results.map((r) => r.statusCode);
          assert.equal(codes.filter((c) => c === 401).length, 20, codes.join(' '));
          assert.equal(codes.filter((c) => c === 429).length, 10, codes.join(' '));
          const failures = await t.db.kysely
            .selectFrom('login_attempts')
            .select((eb) => eb.fn.countAll<number>().as('n'))
            .where('account_number', '=', '1000000065')
            .executeTakeFirstOrThrow();
          assert.equal(Number(failures.n), 20);
        } finally {
          await other.close();
        }
      },
    );

    test('failures spread over two app instances add up', async () => {
      t.clock.advance(60 * MIN);
      const other = await secondInstance(t);
      try {
        const browser = new Agent(t.app, '10.4.0.1');
        await browser.get('/cabinet');
        for (let i = 0; i < 5; i++) {
          const same = new Agent(i % 2 === 0 ? t.app : other.app, '10.4.0.1');
          same.jar = { ...browser.jar };
          assert.equal((await same.login('1000000001', 'Кто-то')).statusCode, 401);
        }
        const last = new Agent(other.app, '10.4.0.1');
        last.jar = { ...browser.jar };
        assert.equal((await last.login('1000000001', 'Кто-то')).statusCode, 429);
      } finally {
        await other.close();
      }
    });

    test('one IP failing on 20 different accounts within 10 minutes gets 429', async () => {
      t.clock.advance(60 * MIN);
      const agent = new Agent(t.app, '10.5.0.1');
      // The first account at T, the other 19 at T + 9 min.
      for (let i = 0; i < 20; i++) {
        const res = await agent.login(`2000000${String(i).padStart(3, '0')}`, 'Перебор');
        assert.equal(res.statusCode, 401, `attempt ${i + 1}`);
        if (i === 0) {
          t.clock.advance(9 * MIN);
        }
      }
      const res = await agent.login(DEMO_ACCOUNT.number, DEMO_ACCOUNT.surname);
      assert.equal(res.statusCode, 429);
      assert.equal(res.headers['retry-after'], '60');
      // Another address is not affected.
      assert.equal(
        (await new Agent(t.app, '10.5.0.2').login(DEMO_ACCOUNT.number, DEMO_ACCOUNT.surname)).statusCode,
        303,
      );
      // Once the first failure is 10 minutes old, 19 accounts remain in the window and the address may try again.
      t.clock.advance(59_000);
      assert.equal((await agent.login(DEMO_ACCOUNT.number, DEMO_ACCOUNT.surname)).statusCode, 429);
      t.clock.advance(1_000);
      assert.equal((await agent.login(DEMO_ACCOUNT.number, DEMO_ACCOUNT.surname)).statusCode, 303);
    });

    test('one IP trying 40 accounts at once: only 20 are checked', onPostgres, async () => {
      t.clock.advance(60 * MIN);
      const agents = Array.from({ length: 40 }, () => new Agent(t.app, '10.5.1.1'));
      await Promise.all(agents.map((a) => a.get('/cabinet')));
      const results = await Promise.all(
        agents.map((a, i) =>
          a.post('/login', {
            from: 'cabinet',
            account: `2100000${String(i).padStart(3, '0')}`,
            surname: 'Перебор',
            consent: 'yes',
          }),
        ),
      );
      const codes = results.map((r) => r.statusCode);
      assert.equal(codes.filter((c) => c === 401).length, 20, codes.join(' '));
      assert.equal(codes.filter((c) => c === 429).length, 20, codes.join(' '));
    });
  });
}
