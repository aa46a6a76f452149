import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import {
  addAccount,
  Agent,
  createTestApp,
  testDialects,
  textOf,
  type TestApp,
} from '../../../test/helpers.ts';
import { DEMO_ACCOUNT } from '../../tools/demo/demo-account.ts';

const MIN = 60_000;

for (const dialect of await testDialects()) {
  describe(`login (${dialect})`, () => {
    let t: TestApp;
    before(async () => {
      t = await createTestApp(dialect);
    });
    after(async () => t.close());

    test('both entry points show the form with an unticked consent box linked to the policy', async () => {
      for (const url of ['/', '/cabinet']) {
        const res = await new Agent(t.app).get(url);
        assert.equal(res.statusCode, 200);
        assert.match(res.body, /name="account"/);
        assert.match(res.body, /name="surname"/);
        assert.match(res.body, /<input id="[a-z]+-consent" name="consent" type="checkbox" value="yes"\/>/); // not checked
        assert.match(res.body, /href="\/privacy"/);
        assert.match(textOf(res.body), /Войти/);
      }
      assert.match(textOf((await new Agent(t.app).get('/')).body), /Физическим лицам/);
      assert.equal((await new Agent(t.app).get('/privacy')).statusCode, 200);
    });

    test('logs in from the home page with the surname in another case and with spaces around it', async () => {
      const agent = new Agent(t.app, '10.1.0.1');
      await agent.get('/');
      const res = await agent.post('/login', {
        from: 'home',
        account: ' 1705057190 ',
        surname: '  иВаНоВ ',
        consent: 'yes',
      });
      assert.equal(res.statusCode, 303);
      assert.equal(res.headers.location, '/cabinet');
      const page = await agent.get('/cabinet');
      assert.match(textOf(page.body), /Справочная информация о потребителе/);
    });

    test('ё and е are the same letter in a surname, either way round', async () => {
      await addAccount(t.db, { number: '1000000041', surname: 'Семёнова', serial: '410041' });
      await addAccount(t.db, { number: '1000000058', surname: 'Федоров', serial: '580058' });
      for (const [account, surname, ip] of [
        ['1000000041', 'СЕМЕНОВА', '10.1.0.11'],
        ['1000000058', 'фЁдоров', '10.1.0.12'],
      ] as const) {
        const agent = new Agent(t.app, ip);
        const res = await agent.login(account, surname);
        assert.equal(res.statusCode, 303, `${account} ${surname}`);
        assert.match(textOf((await agent.get('/cabinet')).body), new RegExp(`Лицевой счет ${account}`));
      }
    });

    test('the home page\'s "Физическим лицам" leads to the "Личный кабинет" form', async () => {
      const page = await new Agent(t.app).get('/individuals');
      assert.equal(page.statusCode, 200);
      assert.match(page.body, /<a[^>]* href="\/cabinet"[^>]*>[^<]*Личный кабинет/);
    });

    test('"Лицевой счет абонента": the settlement codes of the manual, linked from the login form', async () => {
      const form = await new Agent(t.app).get('/cabinet');
      assert.match(form.body, /href="\/individuals#account-number"/);
      const page = await new Agent(t.app).get('/individuals');
      const section = /<section[^>]* id="account-number"[\s\S]*?<\/section>/.exec(page.body)?.[0] ?? '';
      const text = textOf(section);
      assert.match(text, /десятизначная комбинация цифр, начинающаяся с кода населённого пункта/);
      // All 13 codes, each with its place, as in the manual's table.
      const rows = [...section.matchAll(/<tr><td>([^<]+)<\/td><td class="num">(\d\d)<\/td><\/tr>/g)].map(
        (m) => `${m[2]} ${m[1]}`,
      );
      assert.equal(rows.length, 13, rows.join('; '));
      assert.ok(rows.includes('17 Черногорск и Пригорск'), rows.join('; '));
      assert.ok(rows.includes('11 п.Усть-Абакан, п.Ильича, с.Курганное, п.Сахарный'), rows.join('; '));
      assert.match(text, /поле «Код абонента»/);
    });

    test('without consent: refused with a message next to the box, values kept, nothing stored', async () => {
      const agent = new Agent(t.app, '10.1.0.2');
      const before = await t.db.kysely
        .selectFrom('consents')
        .select((eb) => eb.fn.countAll<number>().as('n'))
        .executeTakeFirstOrThrow();
      const res = await agent.login(DEMO_ACCOUNT.number, DEMO_ACCOUNT.surname, false);
      assert.equal(res.statusCode, 400);
      // Only the ticked box's own value is consent, not any value sent under its name.
      for (const consent of ['', 'no', 'on', 'Yes']) {
        const other = await agent.post('/login', {
          from: 'cabinet',
          account: DEMO_ACCOUNT.number,
          surname: DEMO_ACCOUNT.surname,
          consent,
        });
        assert.equal(other.statusCode, 400, `consent=${consent}`);
        assert.match(other.body, /id="cabinet-consent-error"/);
      }
      assert.match(
        res.body,
        /id="cabinet-consent-error"[^>]*>Чтобы войти, подтвердите согласие на обработку персональных данных/,
      );
      assert.match(res.body, /value="1705057190"/);
      assert.match(res.body, /value="Иванов"/);
      assert.equal(agent.jar.sid, undefined);
      const after = await t.db.kysely
        .selectFrom('consents')
        .select((eb) => eb.fn.countAll<number>().as('n'))
        .executeTakeFirstOrThrow();
      assert.equal(Number(after.n), Number(before.n));
    });

    test('each consent is stored with the policy version, time and IP', async () => {
      const agent = new Agent(t.app, '10.1.0.3');
      assert.equal((await agent.login(DEMO_ACCOUNT.number, DEMO_ACCOUNT.surname)).statusCode, 303);
      const row = await t.db.kysely
        .selectFrom('consents')
        .selectAll()
        .where('ip', '=', '10.1.0.3')
        .executeTakeFirstOrThrow();
      assert.equal(row.account_number, DEMO_ACCOUNT.number);
      assert.equal(row.policy_version, t.config.consentPolicyVersion);
      assert.equal(Number(row.given_at), t.clock.now().getTime());
    });

    test('account number errors say what is wrong, next to the field', async () => {
      const cases: Array<[string, RegExp]> = [
        ['', /Введите номер лицевого счёта/],
        ['17O5057190', /состоит только из цифр/],
        ['170505719', /10 цифр, а введено 9 цифр/],
        ['9905057190', /кода «99» нет/],
      ];
      for (const [account, message] of cases) {
        const agent = new Agent(t.app, '10.1.0.4');
        const res = await agent.login(account, 'Иванов');
        assert.equal(res.statusCode, 400, account);
        const m = /id="cabinet-account-error"[^>]*>([^<]*)</.exec(res.body);
        assert.ok(m, `no message next to the field for "${account}"`);
        assert.match(m[1]!, message);
      }
    });

    test('a missing surname gets its own message', async () => {
      const res = await new Agent(t.app, '10.1.0.5').login(DEMO_ACCOUNT.number, '   ');
      assert.equal(res.statusCode, 400);
      assert.match(res.body, /id="cabinet-surname-error"[^>]*>Введите фамилию/);
    });

    test('unknown account and wrong surname: same status and the same page', async () => {
      const norm = (html: string) =>
        html.replace(/name="_csrf" value="[^"]*"/g, '').replace(/value="\d{10}"/g, 'value=""');
      const a = await new Agent(t.app, '10.1.0.6').login('1799999999', 'Петров');
      const b = await new Agent(t.app, '10.1.0.7').login(DEMO_ACCOUNT.number, 'Петров');
      assert.equal(a.statusCode, 401);
      assert.equal(b.statusCode, a.statusCode);
      assert.equal(norm(b.body), norm(a.body));
      assert.match(textOf(a.body), /Неверный номер лицевого счёта или фамилия/);
    });

    test('the median time of the two failures differs by less than 10 ms over 200 tries', async () => {
      const times: { unknown: number[]; wrong: number[] } = { unknown: [], wrong: [] };
      for (let i = 0; i < 200; i++) {
        const kind = i % 2 === 0 ? 'unknown' : 'wrong';
        const agent = new Agent(t.app, `10.2.${Math.floor(i / 200)}.${i % 200}`);
        await agent.get('/cabinet');
        const started = process.hrtime.bigint();
        const res = await agent.post('/login', {
          from: 'cabinet',
          account: kind === 'unknown' ? `17${String(90000000 + i)}` : DEMO_ACCOUNT.number,
          surname: 'Сидоров',
          consent: 'yes',
        });
        times[kind].push(Number(process.hrtime.bigint() - started) / 1e6);
        assert.equal(res.statusCode, 401);
        t.clock.advance(16 * MIN); // stay clear of the throttles: this test is about timing
      }
      const median = (xs: number[]) => [...xs].sort((x, y) => x - y)[Math.floor(xs.length / 2)]!;
      const diff = Math.abs(median(times.unknown) - median(times.wrong));
      assert.ok(diff < 10, `median difference ${diff.toFixed(2)} ms`);
    });

    test(
      'SQLite: a login while another process holds the write lock waits for it, then succeeds',
      { skip: dialect !== 'sqlite' },
      async () => {
        t.clock.advance(60 * MIN);
        const agent = new Agent(t.app, '10.5.2.1');
        await agent.get('/cabinet');
        // A mail worker or the closing, say: another process in a write transaction for 700 ms.
        const holder = spawn(process.execPath, [
          '-e',
          `const db = new (require('better-sqlite3'))(process.argv[1]); db.exec('begin immediate'); console.log('locked');
         Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 700); db.exec('commit');`,
          t.dbUrl,
        ]);
        await new Promise<void>((resolve, reject) => {
          holder.stdout.on('data', (d: Buffer) => (String(d).includes('locked') ? resolve() : undefined));
          holder.on('exit', (code) => reject(new Error(`the lock holder exited (${code})`)));
        });
        const started = Date.now();
        const res = await agent.post('/login', {
          from: 'cabinet',
          account: DEMO_ACCOUNT.number,
          surname: DEMO_ACCOUNT.surname,
          consent: 'yes',
        });
        assert.equal(res.statusCode, 303);
        assert.ok(Date.now() - started >= 300, 'the login waited for the other writer');
        await new Promise((resolve) => holder.on('close', resolve));
      },
    );

    test('audit: one event per success and failure, with account, IP and UTC time, never the surname', async () => {
      t.clock.advance(60 * MIN);
      await new Agent(t.app, '10.6.0.1').login(DEMO_ACCOUNT.number, 'Секретная\r\nФамилия');
      await new Agent(t.app, '10.6.0.2').login(DEMO_ACCOUNT.number, DEMO_ACCOUNT.surname);
      const rows = await t.db.kysely
        .selectFrom('audit_log')
        .selectAll()
        .where('ip', 'in', ['10.6.0.1', '10.6.0.2'])
        .orderBy('id')
        .execute();
      assert.deepEqual(
        rows.map((r) => [r.event, r.outcome, r.account_number, r.ip, Number(r.at)]),
        [
          ['login', 'failure', DEMO_ACCOUNT.number, '10.6.0.1', t.clock.now().getTime()],
          ['login', 'success', DEMO_ACCOUNT.number, '10.6.0.2', t.clock.now().getTime()],
        ],
      );
      const all = await t.db.kysely.selectFrom('audit_log').select('details').execute();
      for (const r of all) {
        assert.doesNotMatch(r.details ?? '', /Секретная|Иванов|\r|\n/);
      }
    });
  });
}
