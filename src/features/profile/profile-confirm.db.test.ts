import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { Agent, testDialects } from '../../../test/helpers.ts';
import { parse } from '../../../test/mail-support.ts';
import { addProfile } from '../../../test/profile-support.ts';
import { GOOD, OTHER, people, profileFixture } from './profile-support.test.ts';

// What a profile's confirmation does besides: the account's other profiles are told, and a link
// sent again keeps the address taken while it works.

for (const dialect of await testDialects()) {
  describe(`profile confirmation (${dialect})`, () => {
    const f = profileFixture(dialect);

    test('a profile made on an account other profiles see: they are told once it is confirmed', async () => {
      await addProfile(f.t.db, { email: 'watcher@mail.ru', accounts: [people.b.number] });
      const { mail } = await f.create('b', 'newcomer@mail.ru');
      assert.equal(f.sentTo('watcher@mail.ru').length, 0, 'nothing while the address is unconfirmed');
      const link = await f.linkOf(mail);
      const before = f.sink.received.length;
      const phone = new Agent(f.t.app, '10.71.1.1');
      await phone.get(link);
      assert.equal((await phone.post(link, {})).statusCode, 303);
      await f.sink.waitFor(before + 1);
      const told = f.sentTo('watcher@mail.ru');
      assert.equal(told.length, 1);
      const notice = await parse(told[0]!);
      assert.match(notice.subject ?? '', new RegExp(`${people.b.number}: доступ получил ещё один профиль`));
      assert.match(notice.text ?? '', /n\*{3}@m\*{3}\.ru/);
      assert.equal(f.sentTo('newcomer@mail.ru').length, 1, 'the newcomer: its link only');
    });

    test('a link sent again keeps the address taken until that link has expired too', async () => {
      await f.create('b', 'slow@mail.ru');
      f.t.clock.advance(23 * 3_600_000);
      const agent = new Agent(f.t.app, '10.78.1.1');
      await agent.get('/profile/resend');
      const before = f.sink.received.length;
      assert.equal((await agent.post('/profile/resend', { email: 'slow@mail.ru' })).statusCode, 200);
      await f.sink.waitFor(before + 1);
      const resent = await f.linkOf(f.sentTo('slow@mail.ru').at(-1)!);
      f.t.clock.advance(2 * 3_600_000);
      // 25 hours after the profile was made, its resent link still works: the address is taken.
      const again = await f.create('c', 'slow@mail.ru', OTHER);
      assert.match((await parse(again.mail)).subject ?? '', /Попытка создать второй профиль/);
      const phone = new Agent(f.t.app, '10.78.1.2');
      await phone.get(resent);
      assert.equal((await phone.post(resent, {})).statusCode, 303, 'the owner confirms with the resent link');
      assert.equal((await f.login('slow@mail.ru', GOOD, '10.78.1.3')).status, 303);
      f.t.clock.advance(-25 * 3_600_000);
    });
  });
}
