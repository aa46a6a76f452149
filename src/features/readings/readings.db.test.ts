import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import {
  Agent,
  addAccount,
  cookieHeader,
  createTestApp,
  keyOf,
  meterOf,
  testDialects,
  textOf,
  type TestApp,
} from '../../../test/helpers.ts';
import { DEMO_ACCOUNT } from '../../tools/demo/demo-account.ts';
import { assetPath } from '../../platform/assets.ts';

for (const dialect of await testDialects()) {
  describe(`meter readings (${dialect})`, () => {
    let t: TestApp;
    let demoId: number;
    before(async () => {
      t = await createTestApp(dialect); // 2026-06-10 12:00 in Krasnoyarsk; last accepted reading 28470
      const row = await t.db.kysely
        .selectFrom('accounts')
        .select('id')
        .where('number', '=', DEMO_ACCOUNT.number)
        .executeTakeFirstOrThrow();
      demoId = Number(row.id);
    });
    after(async () => t.close());

    async function session(
      account: string = DEMO_ACCOUNT.number,
      surname: string = DEMO_ACCOUNT.surname,
      ip = '10.40.0.1',
    ) {
      const agent = new Agent(t.app, ip);
      assert.equal((await agent.login(account, surname)).statusCode, 303);
      const page = await agent.get('/cabinet');
      return { agent, page: page.body };
    }
    const count = async (accountId = demoId) =>
      Number(
        (
          await t.db.kysely
            .selectFrom('readings')
            .select((eb) => eb.fn.countAll<number>().as('n'))
            .where('account_id', '=', accountId)
            .executeTakeFirstOrThrow()
        ).n,
      );
    const submit = (agent: Agent, page: string, form: Record<string, string>) =>
      agent.post('/cabinet/readings', { meter: meterOf(page), key: keyOf(page), ...form });

    test('the form shows the previous accepted reading, its date and the seed notes', async () => {
      const { page } = await session();
      const text = textOf(page);
      assert.match(
        text,
        /Форма для передачи показания прибора учета Дата предыдущего показания Предыдущее показание Текущее показание Расход, кВт\*ч 2026-06-03 28 470 0/,
      );
      assert.match(text, /если значение поля Расход выделено красным шрифтом/);
      assert.match(
        text,
        /Окончательный расчет по всем переданным показаниям будет произведен в последний день текущего месяца!/,
      );
      assert.match(page, /<button type="submit" class="button primary">Передать показание<\/button>/);
      const script = assetPath('js/reading-form.js');
      assert.ok(page.includes(`<script src="${script}" defer>`), script);
      const js = await t.app.inject({ url: script });
      assert.equal(js.statusCode, 200);
      assert.match(js.body, /suspicious/);
    });

    test('validation: a message next to the field, the value kept, nothing stored', async () => {
      const { agent, page } = await session();
      const before = await count();
      const cases: Array<[string, RegExp]> = [
        ['', /Введите текущее показание/],
        ['28 47a', /только цифрами/],
        ['2847.5', /только цифрами/],
        ['123456', /У Вашего счётчика 5 разрядов, а введено 6/],
      ];
      for (const [value, message] of cases) {
        const res = await submit(agent, page, { v1: value });
        assert.equal(res.statusCode, 400, value);
        const m = /id="reading-v1-error"[^>]*>([^<]*)</.exec(res.body);
        assert.ok(m, `no message for "${value}"`);
        assert.match(m[1]!, message);
        // At the top of the form, focused when the page opens: a summary linking to the field.
        const summary =
          /<div class="error-summary" id="reading-errors" role="alert" tabindex="-1" autofocus[^>]*>(.*?)<\/div>/.exec(
            res.body,
          );
        assert.ok(summary, `no summary for "${value}"`);
        assert.match(
          summary[1]!,
          new RegExp(`<a href="#reading-v1">${m[1]!.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}</a>`),
        );
        assert.ok(
          res.body.indexOf('id="reading-errors"') <
            res.body.indexOf('<form method="post" action="/cabinet/readings"'),
        );
        assert.equal((res.body.match(/autofocus/g) ?? []).length, 1, 'one element takes the focus');
        assert.ok(res.body.includes(`value="${value}"`) || value === '', 'the entered value is kept');
        assert.equal(keyOf(res.body), keyOf(page), 'the refused form keeps its key');
      }
      // Markup typed into the field comes back as text in the value attribute.
      const res = await submit(agent, page, { v1: '"><b>1' });
      assert.equal(res.statusCode, 400);
      // (Preact leaves ">" as it is inside a quoted attribute: only '"', "&" and "<" need escaping.)
      assert.match(res.body, /id="reading-v1" [^>]*value="&quot;(>|&gt;)&lt;b(>|&gt;)1"/, 'kept, escaped');
      assert.doesNotMatch(res.body, /"><b>1/);
      assert.equal(await count(), before);
    });

    test('a plain reading is accepted, appears at once with channel Интернет, and says its billing month', async () => {
      const { agent, page } = await session();
      const res = await submit(agent, page, { v1: '28 600' });
      assert.equal(res.statusCode, 303);
      assert.match(String(res.headers.location), /^\/cabinet\?reading=\d+#reading-result$/);
      const after = await agent.get(String(res.headers.location));
      const text = textOf(after.body);
      assert.match(
        text,
        /Показание 28 600 от 2026-06-10 принято\. Оно будет учтено при расчёте за июнь 2026 г\./,
      );
      assert.match(text, /2026-06-10 28 600 Интернет принято/);
      // The form now compares with the new reading.
      assert.match(text, /2026-06-10 28 600 0 Обратите внимание/);
      const audit = await t.db.kysely
        .selectFrom('audit_log')
        .selectAll()
        .where('event', '=', 'reading')
        .execute();
      assert.equal(audit.length, 1);
      assert.equal(audit[0]!.account_number, DEMO_ACCOUNT.number);
      assert.equal(audit[0]!.outcome, 'accepted');
      assert.equal(audit[0]!.ip, '10.40.0.1');
    });

    test('a smaller reading: the seed confirmation page; going back stores nothing', async () => {
      const { agent, page } = await session();
      const before = await count();
      const res = await submit(agent, page, { v1: '28000' });
      assert.equal(res.statusCode, 200);
      const text = textOf(res.body);
      assert.match(text, /Показание введено некорректно!/);
      assert.match(text, /Показание 28 000 меньше, чем Ваше прошлое принятое показание 28 600/);
      assert.match(text, /Расход составляет 99 400 кВтч/);
      assert.match(text, /Проверьте правильность ввода нового показания!/);
      assert.match(
        text,
        /Внести в базу введенное Вами показание \(переход счетчика через ноль\) 28 000 или вернуться для исправления\?/,
      );
      assert.match(text, /Принять показание/);
      // «Вернуться» brings the form back as typed, with the same key: the corrected reading is
      // still one submission.
      const key = keyOf(res.body);
      const back =
        /<a href="([^"]+)">Вернуться на главную страницу Личного кабинета для ввода правильного показания<\/a>/.exec(
          res.body,
        )?.[1] ?? '';
      assert.equal(back, `/cabinet?key=${key}&amp;v1=28000#reading-form`);
      const form = await agent.get(back.replace(/&amp;/g, '&').replace(/#.*/, ''));
      assert.equal(form.statusCode, 200);
      assert.match(form.body, /<input id="reading-v1"[^>]* value="28000"/);
      assert.equal(keyOf(form.body), key);
      assert.equal(await count(), before);
      // A plain visit to the main page offers an empty form with a new key.
      const plain = await agent.get('/cabinet');
      assert.doesNotMatch(plain.body, /<input id="reading-v1"[^>]* value="28000"/);
      assert.notEqual(keyOf(plain.body), key);
      // A crafted return that is not a typed value is refused with a message, not shown.
      assert.equal((await agent.get(`/cabinet?key=${key}&v1=abc`)).statusCode, 400);
    });

    test('accepting the confirmation stores it under review with the reason', async () => {
      const { agent, page } = await session();
      const confirm = await submit(agent, page, { v1: '28000' });
      const stored = await agent.post('/cabinet/readings', {
        meter: meterOf(confirm.body),
        key: keyOf(confirm.body),
        v1: '28000',
        confirm: 'yes',
      });
      assert.equal(stored.statusCode, 303);
      const row = await t.db.kysely
        .selectFrom('readings')
        .selectAll()
        .where('account_id', '=', demoId)
        .orderBy('id', 'desc')
        .executeTakeFirstOrThrow();
      assert.equal(Number(row.value1), 28000);
      assert.equal(row.status, 'review');
      assert.equal(row.reason, 'rollover');
      assert.equal(row.channel, 'internet');
      const text = textOf((await agent.get(String(stored.headers.location))).body);
      assert.match(
        text,
        /Показание 28 000 от 2026-06-10 передано специалистам на проверку\. Если специалисты его примут, оно будет учтено при расчёте за июнь 2026 г\./,
      );
      assert.match(text, /2026-06-10 28 000 Интернет на проверке/);
      // A reading under review is not "the last accepted one": the form still compares with 28600.
      assert.match(text, /2026-06-10 28 600 0 Обратите внимание/);
    });

    test('more than 50 000 kWh asks for confirmation too, and is stored with reason over_limit', async () => {
      const { agent, page } = await session();
      const res = await submit(agent, page, { v1: '78601' });
      assert.equal(res.statusCode, 200);
      assert.match(textOf(res.body), /Расход составляет 50 001 кВтч/);
      assert.doesNotMatch(textOf(res.body), /меньше, чем/);
      await agent.post('/cabinet/readings', {
        meter: meterOf(page),
        key: keyOf(page),
        v1: '78601',
        confirm: 'yes',
      });
      const row = await t.db.kysely
        .selectFrom('readings')
        .select(['status', 'reason'])
        .where('value1', '=', 78601)
        .executeTakeFirstOrThrow();
      assert.deepEqual(row, { status: 'review', reason: 'over_limit' });
      const ok = await session();
      assert.equal((await submit(ok.agent, ok.page, { v1: '78600' })).statusCode, 303); // exactly 50 000: no question
    });

    test('the same form posted again (reload, retry) stores one reading', async () => {
      const { agent, page } = await session();
      const before = await count();
      const first = await submit(agent, page, { v1: '78700' });
      const again = await submit(agent, page, { v1: '78700' });
      assert.equal(first.statusCode, 303);
      assert.equal(again.statusCode, 303);
      assert.match(String(again.headers.location), /&repeat=1/);
      assert.equal(
        String(again.headers.location).split('&')[0],
        String(first.headers.location).split('#')[0],
      );
      assert.match(
        textOf((await agent.get(String(again.headers.location))).body),
        /Это показание уже было передано, повторно оно не сохранено/,
      );
      assert.equal(await count(), before + 1);
    });

    test('two identical POSTs at the same moment store one reading', async () => {
      const { agent, page } = await session();
      const before = await count();
      const results = await Promise.all(
        Array.from({ length: 5 }, () => submit(agent, page, { v1: '78800' })),
      );
      assert.ok(
        results.every((r) => r.statusCode === 303),
        results.map((r) => r.statusCode).join(),
      );
      assert.equal(await count(), before + 1);
      const ids = new Set(results.map((r) => /reading=(\d+)/.exec(String(r.headers.location))![1]));
      assert.equal(ids.size, 1);
    });

    test('a removed meter takes no readings', async () => {
      const id = await addAccount(t.db, { number: '1200000011', surname: 'Снятова', serial: '31337' });
      const { agent, page } = await session('1200000011', 'Снятова', '10.40.0.2');
      await t.db.kysely
        .updateTable('meters')
        .set({ removed_on: '2026-06-01' })
        .where('account_id', '=', id)
        .execute();
      const res = await submit(agent, page, { v1: '100' });
      assert.equal(res.statusCode, 400);
      assert.match(
        textOf(res.body),
        /Счётчик № 31337 снят с учёта 2026-06-01: показания по нему не принимаются/,
      );
      assert.equal(await count(id), 0);
    });

    test("another account's meter or reading cannot be named", async () => {
      const id = await addAccount(t.db, { number: '1400000012', surname: 'Чужая', serial: '42424' });
      const other = await session('1400000012', 'Чужая', '10.40.0.3');
      const mine = await session();
      // Posting my form with the other account's meter id.
      const res = await mine.agent.post('/cabinet/readings', {
        meter: meterOf(other.page),
        key: keyOf(mine.page),
        v1: '100',
      });
      assert.equal(res.statusCode, 400);
      assert.match(textOf(res.body), /Счётчик не найден/);
      assert.equal(await count(id), 0);
      // The notice of my reading is not shown to the other account.
      const stored = await submit(mine.agent, mine.page, { v1: '78900' });
      const readingId = /reading=(\d+)/.exec(String(stored.headers.location))![1]!;
      const peek = await other.agent.get(`/cabinet?reading=${readingId}`);
      assert.equal(peek.statusCode, 200);
      assert.doesNotMatch(textOf(peek.body), /78 900|передано|принято\./);
    });

    test('the readings window, by the supplier calendar', async () => {
      t.clock.set('2026-06-25T16:59:00Z'); // 23:59 on the 25th in Krasnoyarsk
      const { agent } = await session();
      let page = (await agent.get('/cabinet')).body;
      let res = await agent.post('/cabinet/readings', {
        meter: meterOf(page),
        key: keyOf(page),
        v1: '79000',
      });
      assert.match(
        textOf((await agent.get(String(res.headers.location))).body),
        /от 2026-06-25 принято\. Оно будет учтено при расчёте за июнь 2026 г\./,
      );
      t.clock.set('2026-06-25T17:00:00Z'); // midnight: the 26th
      page = (await agent.get('/cabinet')).body;
      res = await agent.post('/cabinet/readings', { meter: meterOf(page), key: keyOf(page), v1: '79010' });
      assert.match(
        textOf((await agent.get(String(res.headers.location))).body),
        /от 2026-06-26 принято\. Оно будет учтено при расчёте за июль 2026 г\./,
      );
      t.clock.set('2026-06-10T05:00:00Z');
    });

    test('a two-zone meter gets a row per zone', async () => {
      const id = await addAccount(t.db, { number: '1000000022', surname: 'Двухзонова', serial: '222222' });
      await t.db.kysely.updateTable('meters').set({ zones: 2 }).where('account_id', '=', id).execute();
      const { agent, page } = await session('1000000022', 'Двухзонова', '10.40.0.4');
      assert.match(textOf(page), /Зона Дата предыдущего показания .* День — 0 0 Ночь — 0 0/);
      const bad = await submit(agent, page, { v1: '120', v2: 'x' });
      assert.equal(bad.statusCode, 400);
      assert.match(bad.body, /id="reading-v2-error"[^>]*>Показание записывается только цифрами/);
      assert.doesNotMatch(bad.body, /id="reading-v1-error"/);
      const ok = await submit(agent, page, { v1: '120', v2: '45' });
      assert.equal(ok.statusCode, 303);
      const row = await t.db.kysely
        .selectFrom('readings')
        .select(['value1', 'value2', 'value3'])
        .where('account_id', '=', id)
        .executeTakeFirstOrThrow();
      assert.deepEqual([Number(row.value1), Number(row.value2), row.value3], [120, 45, null]);
      assert.match(
        textOf((await agent.get(String(ok.headers.location))).body),
        /Показание День 120, Ночь 45 от 2026-06-10 принято/,
      );
    });

    test('CSRF: a post without the token or from another site is refused', async () => {
      const { agent, page } = await session();
      const before = await count();
      const bare = await t.app.inject({
        method: 'POST',
        url: '/cabinet/readings',
        payload: `meter=${meterOf(page)}&key=${keyOf(page)}&v1=80000`,
        headers: { 'content-type': 'application/x-www-form-urlencoded', cookie: cookieHeader(agent.jar) },
      });
      assert.equal(bare.statusCode, 403);
      assert.equal((await submit(agent, page, { v1: '80000' })).statusCode, 303);
      const foreign = await agent.post(
        '/cabinet/readings',
        { meter: meterOf(page), key: keyOf(page), v1: '80001' },
        { origin: 'https://evil.example' },
      );
      assert.equal(foreign.statusCode, 403);
      assert.equal(await count(), before + 1);
    });

    test('any input: a 4xx with a message or a stored reading, never a 5xx', async () => {
      const { agent, page } = await session();
      await fc.assert(
        fc.asyncProperty(
          fc.record({
            meter: fc.oneof(
              fc.constant(meterOf(page)),
              fc.string({ maxLength: 25 }),
              fc.constant('99999999999999'),
            ),
            key: fc.oneof(fc.uuid(), fc.string({ maxLength: 120 })),
            v1: fc.oneof(fc.string({ maxLength: 60 }), fc.nat().map(String), fc.constant('9'.repeat(40))),
            v2: fc.option(fc.string({ maxLength: 60 }), { nil: undefined }),
            confirm: fc.option(fc.constantFrom('yes', 'no', '1'), { nil: undefined }),
          }),
          async (form) => {
            const body: Record<string, string> = { meter: form.meter, key: form.key, v1: form.v1 };
            if (form.v2 !== undefined) {
              body.v2 = form.v2;
            }
            if (form.confirm !== undefined) {
              body.confirm = form.confirm;
            }
            const before = await count();
            const res = await agent.post('/cabinet/readings', body);
            assert.ok([200, 303, 400].includes(res.statusCode), `status ${res.statusCode}`);
            const after = await count();
            if (res.statusCode === 303) {
              assert.ok(after - before <= 1);
            } else {
              assert.equal(after, before);
            }
          },
        ),
        { numRuns: 120 },
      );
    });
  });
}
