import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { addAccount, createTestApp, testDialects, type TestApp } from '../../../test/helpers.ts';
import { addProfile, profileSession } from '../../../test/profile-support.ts';
import { DEMO_ACCOUNT } from '../../tools/demo/demo-account.ts';

// Bad input on the profile's account forms (security.md row 22): any strings, in any field, get a
// 4xx or the page, never a 5xx, and attach nothing, detach nothing, switch to nothing.

const OTHER = { number: '1000000072', surname: 'Петрова' };
const text = fc.oneof(
  fc.string({ maxLength: 60 }),
  fc.constantFrom(
    '',
    ' ',
    "О'Хара<script>",
    '1e309',
    '-1',
    '00000000000000000000',
    '1705057190',
    '😀',
    '\u0000',
  ),
);

for (const dialect of await testDialects()) {
  describe(`the profile's account forms take any input (${dialect})`, () => {
    let t: TestApp;
    before(async () => {
      t = await createTestApp(dialect);
      await addAccount(t.db, { ...OTHER, serial: '720072', payments: [['2026-05-20', 123456]] });
    });
    after(() => t.close());

    test('attach, detach, switch and remove-access with arbitrary fields: never a 5xx, nothing changed', async () => {
      const p = await addProfile(t.db, {
        email: 'fuzz@mail.ru',
        accounts: [DEMO_ACCOUNT.number, OTHER.number],
      });
      const { agent } = await profileSession(t, p, { ip: '10.6.0.1' });
      const links = async () =>
        (await t.db.kysely.selectFrom('profile_accounts').select(['profile_id', 'account_id']).execute())
          .map((r) => `${r.profile_id}:${r.account_id}`)
          .sort();
      const before = await links();
      await fc.assert(
        fc.asyncProperty(
          fc.constantFrom(
            '/cabinet/profile/accounts',
            '/cabinet/profile/accounts/detach',
            '/cabinet/switch',
            '/cabinet/access/remove',
          ),
          fc.record({
            number: text,
            surname: text,
            amount: text,
            account: text,
            profile: text,
            confirm: text,
          }),
          async (url, form) => {
            // A detach or a removal of a real account of the profile would change something: the
            // property is about junk, so real numbers and ids are kept out of those fields.
            const safe = {
              ...form,
              confirm: form.confirm === 'yes' ? 'no' : form.confirm,
              profile: Number(form.profile) === p.profileId ? `x${form.profile}` : form.profile,
            };
            const res = await agent.post(url, safe);
            assert.ok(res.statusCode < 500, `${res.statusCode} for ${url} ${JSON.stringify(safe)}`);
            assert.ok(res.statusCode !== 401, 'the session survives');
          },
        ),
        { numRuns: 60 },
      );
      assert.deepEqual(await links(), before);
    });
  });
}
