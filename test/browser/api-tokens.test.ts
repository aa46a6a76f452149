// The API tokens pages in Chromium (see support.ts), at a desktop's and a phone's size: axe finds
// no WCAG 2.1 A/AA or landmark violation on the list, the refused form, the page that shows a new
// token and the list after a revocation, nor on the page a manual login gets; the first focusable
// element is the skip link, and on a phone nothing scrolls sideways.
//
// The profile and its session are written straight into the server's database (the profile's own
// login is another part of issue 22): the walk starts on the tokens page with that session cookie.
// When the profile login exists, these pages may join the walk of accessibility.test.ts.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import type { ConsoleMessage, Page } from 'playwright-core';
import { axeViolations, type Violation } from './axe.ts';
import { browserSuite, logInAsDemo, runScenario, SKIP, DEMO_ACCOUNT } from './support.ts';
import { openDb } from '../../src/platform/db/connect.ts';
import { hashToken, newSessionToken } from '../../src/features/account/account.service.ts';
import { insertSession } from '../../src/features/account/session.repository.ts';

const DESKTOP = { width: 1280, height: 800 };
const PHONE = { width: 360, height: 800 };
const TOKENS = '/cabinet/profile/tokens';

/** The refused form is answered 400 on purpose; Chromium logs every 4xx document. */
function isRefusal(msg: ConsoleMessage): boolean {
  return /status of 400/.test(msg.text()) && new URL(msg.location().url).pathname === TOKENS;
}

/** A confirmed profile with the demo account, and a session of it: the session cookie's value. */
async function profileSession(dataDir: string, email: string): Promise<string> {
  const db = openDb({ sqlitePath: path.join(dataDir, 'portal.db') });
  try {
    const k = db.kysely;
    const now = Date.now();
    const p = await k
      .insertInto('profiles')
      .values({ email, email_confirmed_at: now, password_hash: null, created_at: now })
      .returning('id')
      .executeTakeFirstOrThrow();
    const a = await k
      .selectFrom('accounts')
      .select('id')
      .where('number', '=', DEMO_ACCOUNT)
      .executeTakeFirstOrThrow();
    await k
      .insertInto('profile_accounts')
      .values({ profile_id: p.id, account_id: a.id, attached_at: now, attached_by: 'login' })
      .execute();
    const token = newSessionToken();
    await insertSession(k, {
      tokenHash: hashToken(token),
      accountId: Number(a.id),
      at: now,
      ip: '127.0.0.1',
      profileId: Number(p.id),
    });
    return token;
  } finally {
    await db.close();
  }
}

async function problemsOf(page: Page, phone: boolean): Promise<Array<Violation | string>> {
  await page.waitForLoadState('load');
  const found: Array<Violation | string> = await axeViolations(page);
  const first = await page.evaluate(() => {
    const el = document.querySelector('a[href], button, input:not([type="hidden"]), select, textarea');
    return el ? `${el.tagName.toLowerCase()} ${el.getAttribute('href')}` : '';
  });
  if (first !== 'a #main') {
    found.push(`the first focusable element is not the skip link: ${first}`);
  }
  if (phone) {
    const [scroll, width] = await page.evaluate(() => [
      document.documentElement.scrollWidth,
      document.documentElement.clientWidth,
    ]);
    if (scroll > width) {
      found.push(`the page scrolls sideways: ${scroll} > ${width}`);
    }
  }
  return found;
}

async function submit(page: Page, name: string | RegExp): Promise<void> {
  await Promise.all([page.waitForEvent('load'), page.getByRole('button', { name, exact: true }).click()]);
}

describe('accessibility of the API tokens pages', { skip: SKIP }, () => {
  const suite = browserSuite();
  const base = () => suite.server().url.replace('127.0.0.1', 'localhost');

  for (const [size, viewport] of [
    ['desktop', DESKTOP],
    ['phone', PHONE],
  ] as const) {
    test(`no axe violation on the tokens pages at ${size} size`, async (t) => {
      const options = {
        label: `tokens-${size}`,
        jsEnabled: true,
        viewport,
        isExpectedConsoleError: isRefusal,
      };
      await runScenario(t, suite.browser(), options, async (page, context) => {
        const found: Record<string, Array<Violation | string>> = {};
        const check = async (name: string) => {
          const problems = await problemsOf(page, viewport === PHONE);
          if (problems.length > 0) {
            found[name] = problems;
          }
        };
        await logInAsDemo(page, base());
        await page.goto(`${base()}${TOKENS}`);
        assert.match(await page.locator('main').innerText(), /Токены доступа создаются в профиле/);
        await check('manual login');

        await context.clearCookies();
        const sid = await profileSession(suite.server().dataDir, `a11y-${size}@example.ru`);
        await context.addCookies([{ name: 'sid', value: sid, url: base() }]);
        await page.goto(`${base()}${TOKENS}`);
        await check('no tokens yet');
        await page.getByRole('radio', { name: '1 год (365 дней)' }).check();
        await submit(page, 'Создать токен');
        assert.match(await page.locator('#token-errors').innerText(), /Укажите название токена/);
        await check('refused form');

        await page.getByRole('textbox', { name: 'Название' }).fill('Home Assistant');
        await page.getByRole('checkbox', { name: 'Передача показаний счётчика' }).check();
        await submit(page, 'Создать токен');
        const shown = await page.getByRole('textbox', { name: 'Токен «Home Assistant»' }).inputValue();
        assert.match(shown, /^lk_[A-Za-z0-9_-]{43}$/);
        await check('token created');

        await page.getByRole('link', { name: 'Вернуться к списку токенов' }).click();
        await page.waitForLoadState('load');
        assert.ok(!(await page.content()).includes(shown), 'shown once');
        await check('list with a token');
        await submit(page, 'Отозвать токен «Home Assistant»');
        assert.match(await page.locator('#tokens-notice').innerText(), /Токен отозван/);
        await check('list after a revocation');

        t.diagnostic(`checked: ${Object.keys(found).length} pages with problems`);
        assert.deepEqual(found, {}, JSON.stringify(found, null, 2));
      });
    });
  }
});
