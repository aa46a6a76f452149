import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { addAccount, createTestApp, testDialects, type TestApp } from '../../../test/helpers.ts';
import { loggedInProfile } from '../../../test/profile-support.ts';
import { DEMO_ACCOUNT } from '../../tools/demo/demo-account.ts';

for (const dialect of await testDialects()) {
  describe(`the account switcher (${dialect})`, () => {
    let t: TestApp;
    before(async () => {
      t = await createTestApp(dialect);
      await addAccount(t.db, { number: '1000000072', surname: 'Петрова' });
    });
    after(() => t.close());

    test('a profile session opens the cabinet of its first account', async () => {
      const p = await loggedInProfile(t, { email: 'anna@mail.ru', accounts: [DEMO_ACCOUNT.number] });
      assert.match(p.html, new RegExp(DEMO_ACCOUNT.number));
    });
  });
}
