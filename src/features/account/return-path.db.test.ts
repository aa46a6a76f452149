import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { Agent, createTestApp, testDialects, textOf, type TestApp } from '../../../test/helpers.ts';
import { DEMO_ACCOUNT } from '../../tools/demo/demo-account.ts';

const BILL = '/cabinet/bills/2026-05.pdf?download=1';
const LOGIN_FOR_BILL = `/cabinet?next=${encodeURIComponent(BILL)}`;

for (const dialect of await testDialects()) {
  describe(`after the login, the page the customer was going to (${dialect})`, () => {
    let t: TestApp;
    before(async () => {
      t = await createTestApp(dialect);
    });
    after(async () => t.close());

    /** Follows a bill link without a session to the login page, and logs in there. */
    async function throughLogin(agent: Agent, surname: string, url = BILL) {
      const link = await agent.get(url);
      assert.equal(link.statusCode, 303);
      const loginPage = await agent.get(link.headers.location as string);
      assert.equal(loginPage.statusCode, 200);
      const next = /<input type="hidden" name="next" value="([^"]*)"\/>/.exec(loginPage.body)?.[1];
      const login = await agent.post('/login', {
        from: 'cabinet',
        account: DEMO_ACCOUNT.number,
        surname,
        consent: 'yes',
        ...(next ? { next: next.replace(/&amp;/g, '&') } : {}),
      });
      return { link, loginPage, login };
    }

    test('a bill link from an e-mail: the login page, then that bill', async () => {
      const agent = new Agent(t.app, '10.40.0.1');
      const { link, loginPage, login } = await throughLogin(agent, DEMO_ACCOUNT.surname);
      assert.equal(link.headers.location, LOGIN_FOR_BILL);
      assert.match(textOf(loginPage.body), /Введите номер лицевого счёта и фамилию владельца/);
      assert.equal(login.statusCode, 303);
      assert.equal(login.headers.location, BILL);
      const bill = await agent.get(login.headers.location);
      assert.equal(bill.statusCode, 200);
      assert.equal(bill.headers['content-type'], 'application/pdf');
      assert.equal(bill.headers['content-disposition'], 'attachment; filename="1705057190-2026-05.pdf"');
    });

    test('after logout a bill link leads to the login page with the return address', async () => {
      const agent = new Agent(t.app, '10.40.0.2');
      await agent.login(DEMO_ACCOUNT.number, DEMO_ACCOUNT.surname);
      await agent.get('/cabinet'); // the login's redirect: its page has the forms of the new session
      assert.equal((await agent.get(BILL)).statusCode, 200);
      assert.equal((await agent.post('/logout', {})).statusCode, 303);
      const link = await agent.get('/cabinet/history/charges');
      assert.equal(link.statusCode, 303);
      assert.equal(link.headers.location, '/cabinet?next=%2Fcabinet%2Fhistory%2Fcharges');
    });

    test('a refused login keeps the return address; the next try still lands there', async () => {
      const agent = new Agent(t.app, '10.40.0.3');
      const { login: refused } = await throughLogin(agent, 'Петров');
      assert.equal(refused.statusCode, 401);
      assert.match(
        refused.body,
        /<input type="hidden" name="next" value="\/cabinet\/bills\/2026-05\.pdf\?download=1"\/>/,
      );
      const { login } = await throughLogin(agent, DEMO_ACCOUNT.surname);
      assert.equal(login.headers.location, BILL);
    });

    test('a return address to anywhere but a cabinet page is dropped: the main page', async () => {
      for (const next of [
        '//evil.example/cabinet',
        'https://evil.example/',
        '/cabinet/../logout',
        '/\\evil.example',
      ]) {
        const agent = new Agent(t.app, '10.40.0.4');
        const page = await agent.get(`/cabinet?next=${encodeURIComponent(next)}`);
        assert.equal(page.statusCode, 200, next);
        assert.doesNotMatch(page.body, /name="next"/, next);
        const login = await agent.post('/login', {
          from: 'cabinet',
          account: DEMO_ACCOUNT.number,
          surname: DEMO_ACCOUNT.surname,
          consent: 'yes',
          next,
        });
        assert.equal(login.statusCode, 303, next);
        assert.equal(login.headers.location, '/cabinet', next);
      }
      // The home page's form never returns anywhere but the main page.
      const agent = new Agent(t.app, '10.40.0.5');
      await agent.get('/');
      const home = await agent.post('/login', {
        from: 'home',
        account: DEMO_ACCOUNT.number,
        surname: DEMO_ACCOUNT.surname,
        consent: 'yes',
        next: BILL,
      });
      assert.equal(home.headers.location, '/cabinet');
    });

    test('logged in, /cabinet?next=… is the main page', async () => {
      const agent = new Agent(t.app, '10.40.0.6');
      await agent.login(DEMO_ACCOUNT.number, DEMO_ACCOUNT.surname);
      const page = await agent.get(LOGIN_FOR_BILL);
      assert.equal(page.statusCode, 200);
      assert.match(textOf(page.body), /Лицевой счет 1705057190/);
    });
  });
}
