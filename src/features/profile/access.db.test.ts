import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import {
  addAccount,
  createTestApp,
  openCabinet,
  testDialects,
  textOf,
  type TestApp,
} from '../../../test/helpers.ts';
import { addProfile, profileSession } from '../../../test/profile-support.ts';
import { DEMO_ACCOUNT } from '../../tools/demo/demo-account.ts';
import { maskProfileEmail } from './access-notice.ts';

// «Кто видит этот счёт»: the profiles an account is attached to, e-mails masked, and their
// removal by the account's holder, which ends those profiles' sessions on it at once.

const FLAT = { number: '1000000072', surname: 'Петрова', address: 'г. Абакан, ул. Пушкина, 7' };
const DACHA = { number: '1000000089', surname: 'Сидоренко', address: 'СНТ «Энергетик», уч. 12' };

test('e-mails are masked as i***@m***.ru', () => {
  assert.equal(maskProfileEmail('ivanov@mail.ru'), 'i***@m***.ru');
  assert.equal(maskProfileEmail('a@yandex.ru'), '***@y***.ru');
  assert.equal(maskProfileEmail('petrova@mail.khakas.ru'), 'p***@m***.k***.ru');
});

for (const dialect of await testDialects()) {
  describe(`who sees an account (${dialect})`, () => {
    let t: TestApp;
    before(async () => {
      t = await createTestApp(dialect);
      await addAccount(t.db, { ...FLAT, serial: '720072' });
      await addAccount(t.db, { ...DACHA, serial: '890089' });
    });
    after(() => t.close());

    const seesFlat = async (profileId: number) =>
      (await t.db.kysely
        .selectFrom('profile_accounts')
        .innerJoin('accounts', 'accounts.id', 'profile_accounts.account_id')
        .select('accounts.number')
        .where('profile_accounts.profile_id', '=', profileId)
        .where('accounts.number', '=', FLAT.number)
        .executeTakeFirst()) !== undefined;

    test('the holder logged in by number and surname sees the profiles, masked, and removes one at once', async () => {
      const mother = await addProfile(t.db, { email: 'mother@mail.ru', accounts: [FLAT.number] });
      const son = await addProfile(t.db, {
        email: 'sonny@yandex.ru',
        accounts: [DEMO_ACCOUNT.number, FLAT.number],
      });
      const sonSession = await profileSession(t, son, { accountId: son.accountIds[1]!, ip: '10.4.0.2' });
      assert.match(textOf(sonSession.html), /ул\. Пушкина, 7/);

      const { agent } = await openCabinet(t.app, '10.4.0.1', FLAT.number, FLAT.surname);
      const page = await agent.get('/cabinet/access');
      assert.equal(page.statusCode, 200);
      const text = textOf(page.body);
      assert.match(text, new RegExp(`Кто видит лицевой счёт ${FLAT.number}`));
      assert.match(text, /m\*\*\*@m\*\*\*\.ru/);
      assert.match(text, /s\*\*\*@y\*\*\*\.ru/);
      assert.doesNotMatch(page.body, /mother@|sonny@|mail\.ru|yandex/);

      const res = await agent.post('/cabinet/access/remove', { profile: String(son.profileId) });
      assert.equal(res.statusCode, 303);
      assert.equal(await seesFlat(son.profileId), false);
      assert.equal(await seesFlat(mother.profileId), true);
      // The son's session on the flat ends at its next request: the login page, no flat.
      const after = await sonSession.agent.get('/cabinet');
      assert.doesNotMatch(after.body, /ул\. Пушкина, 7/);
      assert.match(textOf(after.body), /Номер лицевого счёта/);
      const audit = await t.db.kysely
        .selectFrom('audit_log')
        .select(['outcome', 'details'])
        .where('event', '=', 'profile_access_removed')
        .where('account_number', '=', FLAT.number)
        .execute();
      assert.equal(audit.length, 1);
      assert.deepEqual(JSON.parse(audit[0]!.details!), { profile: son.profileId, by: 'account' });
    });

    test("a profile's page of the account: removing one's own profile is detaching it", async () => {
      const aunt = await addProfile(t.db, {
        email: 'aunt@mail.ru',
        accounts: [DEMO_ACCOUNT.number, FLAT.number],
      });
      const s = await profileSession(t, aunt, { accountId: aunt.accountIds[1]!, ip: '10.4.0.3' });
      const page = await s.agent.get('/cabinet/access');
      assert.match(textOf(page.body), /a\*\*\*@m\*\*\*\.ru \(Ваш профиль\)/);
      const res = await s.agent.post('/cabinet/access/remove', { profile: String(aunt.profileId) });
      assert.equal(res.statusCode, 303);
      assert.equal(res.headers.location, '/cabinet');
      assert.equal(await seesFlat(aunt.profileId), false);
      // The session goes on, showing the profile's other account.
      const cabinet = await s.agent.get('/cabinet');
      assert.equal(cabinet.statusCode, 200);
      assert.match(textOf(cabinet.body), new RegExp(DEMO_ACCOUNT.number));
    });

    test('a profile that does not see the account cannot be named: 404, nothing removed anywhere', async () => {
      const other = await addProfile(t.db, { email: 'other@mail.ru', accounts: [DACHA.number] });
      const { agent } = await openCabinet(t.app, '10.4.0.4', FLAT.number, FLAT.surname);
      for (const profile of [String(other.profileId), '999999', 'x', '-1']) {
        const res = await agent.post('/cabinet/access/remove', { profile });
        assert.equal(res.statusCode, 404, profile);
        assert.match(textOf(res.body), /Этот профиль не видит счёт/);
      }
      const kept = await t.db.kysely
        .selectFrom('profile_accounts')
        .select('account_id')
        .where('profile_id', '=', other.profileId)
        .execute();
      assert.equal(kept.length, 1);
    });
  });
}
