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

// The header's account switcher: a profile's session changes the account it shows, only to an
// account attached to its profile, and loses an account the moment it is detached.

const SECOND = { number: '1000000072', surname: 'Петрова', address: 'г. Абакан, ул. Пушкина, 7' };
const STRANGER = { number: '1000000089', surname: 'Чужаков', address: 'г. Саяногорск, мкр. Заводской, 3' };

for (const dialect of await testDialects()) {
  describe(`the account switcher (${dialect})`, () => {
    let t: TestApp;
    before(async () => {
      t = await createTestApp(dialect);
      await addAccount(t.db, { ...SECOND, serial: '720072', payments: [['2026-05-20', 123456]] });
      await addAccount(t.db, { ...STRANGER, serial: '890089' });
    });
    after(() => t.close());

    const family = (email: string) =>
      addProfile(t.db, { email, accounts: [DEMO_ACCOUNT.number, SECOND.number] });

    test('the header shows the account shown and the profile’s others; a change shows the other one everywhere', async () => {
      const p = await family('anna@mail.ru');
      const { agent, html } = await profileSession(t, p);
      assert.match(html, /<form method="post" action="\/cabinet\/switch" class="account-switcher">/);
      assert.match(html, new RegExp(`<option value="${DEMO_ACCOUNT.number}" selected>`));
      assert.match(html, new RegExp(`<option value="${SECOND.number}">`));
      const res = await agent.post('/cabinet/switch', { account: SECOND.number });
      assert.equal(res.statusCode, 303);
      assert.equal(res.headers.location, '/cabinet');
      const page = await agent.get('/cabinet');
      assert.equal(page.statusCode, 200);
      assert.match(page.body, new RegExp(`<option value="${SECOND.number}" selected>`));
      assert.match(textOf(page.body), /ул\. Пушкина, 7/);
      assert.match(textOf(page.body), /1 234,56/);
      assert.doesNotMatch(textOf(page.body), /Иванов /);
      const history = await agent.get('/cabinet/history/payments');
      assert.match(history.body, new RegExp(`<option value="${SECOND.number}" selected>`));
      assert.match(textOf(history.body), /1 234,56/);
      const payment = await agent.get('/cabinet/payment');
      assert.equal(payment.statusCode, 200);
      assert.match(textOf(payment.body), /прибора учета № 720072/);
      // The slip (and every other page) reads the session's account.
      const slip = await agent.get('/cabinet/slip');
      assert.equal(slip.statusCode, 200);
      // The slip itself (the header's switcher lists both numbers; the slip names only the one shown).
      const slipMain = slip.body.slice(slip.body.indexOf('<main'));
      assert.match(slipMain, new RegExp(SECOND.number));
      assert.doesNotMatch(slipMain, new RegExp(DEMO_ACCOUNT.number));
    });

    test('an account not attached to the profile is refused with 404, the session unchanged', async () => {
      const p = await family('boris@mail.ru');
      const { agent } = await profileSession(t, p);
      for (const account of [STRANGER.number, '9999999999', 'abc', '']) {
        const res = await agent.post('/cabinet/switch', { account });
        assert.equal(res.statusCode, 404, account);
        assert.match(textOf(res.body), /Этого лицевого счёта нет в Вашем профиле/);
        assert.doesNotMatch(res.body, new RegExp(`${STRANGER.surname}|Саяногорск`));
      }
      const page = await agent.get('/cabinet');
      assert.match(page.body, new RegExp(`<option value="${DEMO_ACCOUNT.number}" selected>`));
      assert.doesNotMatch(page.body, /Саяногорск/);
    });

    test('the forms need the CSRF token and refuse a foreign origin', async () => {
      const p = await family('dina@mail.ru');
      const { agent } = await profileSession(t, p, { ip: '10.3.0.9' });
      const forms: Array<[string, Record<string, string>]> = [
        ['/cabinet/switch', { account: SECOND.number }],
        ['/cabinet/profile/accounts', { number: SECOND.number, surname: SECOND.surname, amount: '1234,56' }],
        ['/cabinet/profile/accounts/detach', { account: SECOND.number, confirm: 'yes' }],
        ['/cabinet/access/remove', { profile: String(p.profileId) }],
      ];
      for (const [url, form] of forms) {
        assert.equal((await agent.post(url, { ...form, _csrf: 'forged' })).statusCode, 403, url);
        assert.equal((await agent.post(url, form, { origin: 'https://evil.example' })).statusCode, 403, url);
      }
      const page = await agent.get('/cabinet');
      assert.match(page.body, new RegExp(`<option value="${DEMO_ACCOUNT.number}" selected>`));
      assert.match(page.body, new RegExp(`<option value="${SECOND.number}">`));
    });

    test('the manual login has no switcher, and /cabinet/switch refuses it with 403', async () => {
      const { agent, html } = await openCabinet(t.app, '10.3.0.1', SECOND.number, SECOND.surname);
      assert.doesNotMatch(html, /account-switcher/);
      const res = await agent.post('/cabinet/switch', { account: DEMO_ACCOUNT.number });
      assert.equal(res.statusCode, 403);
      assert.match(textOf(res.body), /Переключаться между счетами можно, когда Вы вошли по профилю/);
      assert.match(textOf((await agent.get('/cabinet')).body), /ул\. Пушкина, 7/);
    });

    test('a session whose account is detached elsewhere ends at its next request', async () => {
      const p = await family('vera@mail.ru');
      const a = await profileSession(t, p, { ip: '10.3.0.2' });
      const b = await profileSession(t, p, { ip: '10.3.0.3' });
      assert.equal((await b.agent.post('/cabinet/switch', { account: SECOND.number })).statusCode, 303);
      // Browser A detaches the account that browser B shows.
      await a.agent.post('/cabinet/profile/accounts/detach', { account: SECOND.number });
      const done = await a.agent.post('/cabinet/profile/accounts/detach', {
        account: SECOND.number,
        confirm: 'yes',
      });
      assert.equal(done.statusCode, 303);
      const res = await b.agent.get('/cabinet');
      assert.equal(res.statusCode, 200);
      assert.match(textOf(res.body), /Вход в Личный кабинет|Номер лицевого счёта/);
      assert.doesNotMatch(res.body, /ул\. Пушкина, 7/);
      // And switching back to it is refused for browser A as well.
      assert.equal((await a.agent.post('/cabinet/switch', { account: SECOND.number })).statusCode, 404);
    });
  });
}
