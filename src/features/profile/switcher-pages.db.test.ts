import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import {
  addAccount,
  createTestApp,
  openCabinet,
  testDialects,
  type Agent,
  type TestApp,
} from '../../../test/helpers.ts';
import { addProfile, profileSession } from '../../../test/profile-support.ts';
import { registeredRoutes } from '../../../test/routes-support.ts';
import { DEMO_ACCOUNT } from '../../tools/demo/demo-account.ts';
import { insertOrder } from '../payments/payments.repository.ts';

// The header's account switcher on every page of the cabinet (issue 22): each GET route under
// /cabinet that answers HTML shows, for a profile's session of two accounts, the switcher form
// with both numbers and the shown one selected; for the manual's login, none. The table below must
// name every GET /cabinet route the app registers: a route added without a line fails the first
// test, and a page that leaves the switcher out fails the second.

const SECOND = { number: '1000000072', surname: 'Петрова', address: 'г. Абакан, ул. Пушкина, 7' };
const ORDER = 'LK260610-SWITCHER';

/**
 * A route's address to open, and whether it answers a page (200, HTML) or something else: a file
 * (PDF, PNG, SVG), a redirect, or here an error page (no bank order has the id given to `return`).
 */
const PAGES: Record<string, { url: string; html: boolean }> = {
  'GET /cabinet': { url: '/cabinet', html: true },
  'GET /cabinet/history/:kind': { url: '/cabinet/history/payments', html: true },
  'GET /cabinet/bills/:file': { url: '/cabinet/bills/2026-04.pdf', html: false },
  'GET /cabinet/slip': { url: '/cabinet/slip', html: true },
  'GET /cabinet/slip.pdf': { url: '/cabinet/slip.pdf', html: false },
  'GET /cabinet/payment': { url: '/cabinet/payment', html: true },
  'GET /cabinet/payment/return': { url: `/cabinet/payment/return?orderId=${ORDER}`, html: false },
  'GET /cabinet/payment/:orderNumber': { url: `/cabinet/payment/${ORDER}`, html: true },
  'GET /cabinet/payment/:orderNumber/check.png': { url: `/cabinet/payment/${ORDER}/check.png`, html: false },
  'GET /cabinet/payment/:orderNumber/qr.svg': { url: `/cabinet/payment/${ORDER}/qr.svg`, html: false },
  'GET /cabinet/profile': { url: '/cabinet/profile', html: true },
  'GET /cabinet/profile/accounts': { url: '/cabinet/profile/accounts', html: true },
  'GET /cabinet/profile/passkeys': { url: '/cabinet/profile/passkeys', html: true },
  'GET /cabinet/profile/tokens': { url: '/cabinet/profile/tokens', html: true },
  'GET /cabinet/access': { url: '/cabinet/access', html: true },
};

const SWITCHER_FORM = '<form method="post" action="/cabinet/switch" class="account-switcher">';

const isHtml = (contentType: unknown) =>
  typeof contentType === 'string' && contentType.startsWith('text/html');

for (const dialect of await testDialects()) {
  describe(`the switcher on every cabinet page (${dialect})`, () => {
    let t: TestApp;
    let profileAgent: Agent;
    before(async () => {
      t = await createTestApp(dialect);
      await addAccount(t.db, { ...SECOND, serial: '720072', payments: [['2026-05-20', 123456]] });
      const p = await addProfile(t.db, {
        email: 'family@mail.ru',
        accounts: [DEMO_ACCOUNT.number, SECOND.number],
      });
      profileAgent = (await profileSession(t, p)).agent;
      const now = t.clock.now().getTime();
      await insertOrder(t.db.kysely, {
        method: 'card',
        orderNumber: ORDER,
        accountId: p.accountIds[0]!,
        formKey: 'switcher-test-form-key',
        gateway: 'sandbox',
        amountKop: 77_700,
        description: `Оплата по лицевому счёту ${DEMO_ACCOUNT.number}`,
        clientIp: '10.0.0.1',
        reading: null,
        receipt: '{}',
        now,
        expiresAt: now + 3_600_000,
      });
    });
    after(() => t.close());

    test('the table names every GET route under /cabinet the app registers', () => {
      const gets = registeredRoutes(t.app).filter((r) => /^GET \/cabinet(\/|$)/.test(r));
      assert.ok(gets.includes('GET /cabinet/payment/:orderNumber'), gets.join('\n'));
      assert.deepEqual(gets.toSorted(), Object.keys(PAGES).toSorted());
    });

    test('a profile session of two accounts sees the switcher on every HTML page, its account selected', async () => {
      const missing: string[] = [];
      for (const [route, page] of Object.entries(PAGES)) {
        const res = await profileAgent.get(page.url);
        assert.ok(res.statusCode < 500, `${route}: ${res.statusCode}`);
        const isPage = res.statusCode === 200 && isHtml(res.headers['content-type']);
        assert.equal(isPage, page.html, `${route} answers a page: ${page.html} (${res.statusCode})`);
        if (!page.html) {
          continue;
        }
        const ok =
          res.body.includes(SWITCHER_FORM) &&
          res.body.includes(`<option value="${DEMO_ACCOUNT.number}" selected>`) &&
          res.body.includes(`<option value="${SECOND.number}">`);
        if (!ok) {
          missing.push(route);
        }
      }
      assert.deepEqual(missing, [], 'pages without the switcher');
    });

    test('the manual’s login (one account) gets no switcher on any page', async () => {
      const manual = (await openCabinet(t.app, '10.0.0.9', DEMO_ACCOUNT.number, DEMO_ACCOUNT.surname)).agent;
      for (const [route, page] of Object.entries(PAGES)) {
        const res = await manual.get(page.url);
        assert.ok(res.statusCode < 500, `${route}: ${res.statusCode}`);
        if (isHtml(res.headers['content-type'])) {
          assert.ok(!res.body.includes('action="/cabinet/switch"'), `${route} shows a switcher`);
        }
      }
    });
  });
}
