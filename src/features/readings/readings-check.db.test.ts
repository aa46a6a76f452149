import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import {
  addAccount,
  Agent,
  createTestApp,
  keyOf,
  meterOf,
  testDialects,
  textOf,
  type TestApp,
} from '../../../test/helpers.ts';

// A reading form posted by a browser that ran no script (readings.view.tsx, reading-form.browser.ts).
for (const dialect of await testDialects()) {
  describe(`a reading without JavaScript (${dialect})`, () => {
    let t: TestApp;
    before(async () => {
      t = await createTestApp(dialect); // 2026-06-10 12:00 in Krasnoyarsk
    });
    after(async () => t.close());

    async function session(account: string, surname: string, ip: string) {
      const agent = new Agent(t.app, ip);
      assert.equal((await agent.login(account, surname)).statusCode, 303);
      const page = await agent.get('/cabinet');
      return { agent, page: page.body };
    }
    const count = async (accountId: number) =>
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

    test('without JavaScript the form asks to check the reading with its consumption, then stores it', async () => {
      await addAccount(t.db, { number: '1200000028', surname: 'Безскриптова', serial: '55001' });
      const { agent, page } = await session('1200000028', 'Безскриптова', '10.40.9.1');
      // The form says it was posted by a browser that ran no script; the script empties the field.
      assert.match(page, /<input type="hidden" name="preview" value="1" class="js-live"\/>/);
      const check = await submit(agent, page, { v1: '1234', preview: '1' });
      assert.equal(check.statusCode, 200);
      const text = textOf(check.body);
      assert.match(
        text,
        /Проверьте показание Показание 1 234, прошлое принятое показание 0 Расход составляет 1 234 кВтч/,
      );
      assert.match(text, /Передать показание 1 234 или вернуться для исправления\?/);
      assert.doesNotMatch(text, /некорректно/);
      const id = Number(
        (
          await t.db.kysely
            .selectFrom('accounts')
            .select('id')
            .where('number', '=', '1200000028')
            .executeTakeFirstOrThrow()
        ).id,
      );
      assert.equal(await count(id), 0, 'nothing stored before the check');
      // «Вернуться» keeps the typed value; «Передать показание» stores it once.
      const back = /<a href="([^"]+)">Вернуться/.exec(check.body)?.[1]?.replace(/&amp;/g, '&') ?? '';
      assert.match((await agent.get(back)).body, /<input id="reading-v1"[^>]* value="1234"/);
      const stored = await agent.post('/cabinet/readings', {
        meter: meterOf(page),
        key: keyOf(page),
        v1: '1234',
        confirm: 'yes',
      });
      assert.equal(stored.statusCode, 303);
      assert.equal(await count(id), 1);
      assert.match(
        textOf((await agent.get(String(stored.headers.location))).body),
        /Показание 1 234 от 2026-06-10 принято/,
      );
    });
  });
}
