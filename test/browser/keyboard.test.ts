// The customer's flows with the keyboard alone, in Chromium (see support.ts): logging in, sending
// a reading (confirmed on the warning page) and paying by card through the sandbox bank, with
// Tab, Shift+Tab, Enter, Space and typing only: no click anywhere. Elements are found by their
// labels and roles, to check where the focus is; the payment page's wording may change.
//
// The server's PUBLIC_URL is http://localhost:PORT (support.ts leaves it unset), so the browser uses
// that origin too: the bank's redirects then come back to the origin that holds the session cookie.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { Locator, Page } from 'playwright-core';
import {
  browserSuite,
  dateIn,
  DEMO_ACCOUNT,
  DEMO_SURNAME,
  runScenario,
  SKIP,
  squash,
  SUPPLIER_TIME_ZONE,
} from './support.ts';

/** What has the focus, for a failure's message. */
async function focused(page: Page): Promise<string> {
  return page.evaluate(() => {
    const el = document.activeElement;
    if (!el || el === document.body) {
      return 'nothing';
    }
    const text = (el.getAttribute('aria-label') ?? el.textContent ?? '').trim().slice(0, 40);
    return `${el.tagName.toLowerCase()}${el.id ? `#${el.id}` : ''} «${text}»`;
  });
}

async function hasFocus(target: Locator): Promise<boolean> {
  return target.evaluate((el) => el === document.activeElement);
}

/** Presses `key` (Tab or Shift+Tab) until `target` has the focus; returns the presses. */
async function tabTo(page: Page, target: Locator, max = 40, key = 'Tab'): Promise<number> {
  const path: string[] = [];
  for (let n = 1; n <= max; n++) {
    await page.keyboard.press(key);
    if (await hasFocus(target)) {
      return n;
    }
    path.push(await focused(page));
  }
  assert.fail(`not reached with ${max} × ${key}; the focus went: ${path.join(' → ')}`);
}

/** Presses `key` on the focused element and waits for the page it leads to. */
async function pressAndGo(page: Page, key: string, url: RegExp): Promise<void> {
  await Promise.all([page.waitForURL(url), page.keyboard.press(key)]);
  await page.waitForLoadState('load');
}

/** The home page's login form, filled and sent from the keyboard. */
async function logInByKeyboard(page: Page, base: string): Promise<void> {
  await page.goto(`${base}/?tab=individuals`);
  const form = page.locator('form.login-form');
  await tabTo(page, form.getByLabel('Номер лицевого счёта'));
  await page.keyboard.type(DEMO_ACCOUNT);
  await tabTo(page, form.getByLabel('Фамилия'));
  await page.keyboard.type(DEMO_SURNAME);
  const consent = form.getByRole('checkbox');
  await tabTo(page, consent);
  await page.keyboard.press('Space');
  assert.equal(await consent.isChecked(), true, 'Space ticks the consent');
  await tabTo(page, form.getByRole('button', { name: 'Войти' }));
  await pressAndGo(page, 'Enter', /\/cabinet$/);
}

/**
 * From the top of the main page to the reading field: the skip link (Tab, Enter), then
 * «Передать показания» at the top of the content (Tab, Enter), then the field (Tab). Returns the
 * Tab presses it took.
 */
async function tabToReadingField(page: Page): Promise<{ tabs: number; field: Locator }> {
  let tabs = await tabTo(page, page.getByRole('link', { name: 'Перейти к содержанию' }), 1);
  await page.keyboard.press('Enter');
  assert.equal(
    await page.evaluate(() => document.activeElement?.id),
    'main',
    'the skip link moves the focus to the content',
  );
  tabs += await tabTo(page, page.getByRole('link', { name: 'Передать показания', exact: true }), 5);
  await page.keyboard.press('Enter');
  await page.waitForURL(/#reading-form$/);
  const field = page
    .getByRole('region', { name: 'Форма для передачи показания прибора учета' })
    .getByRole('textbox', { name: 'Текущее показание', exact: true });
  tabs += await tabTo(page, field, 5);
  return { tabs, field };
}

describe('the customer flows with the keyboard alone', { skip: SKIP }, () => {
  const suite = browserSuite();
  const base = () => suite.server().url.replace('127.0.0.1', 'localhost');

  test('the reading field is reached in at most 5 Tab presses from the top of the main page', async (t) => {
    await runScenario(t, suite.browser(), { label: 'keyboard-tabs', jsEnabled: true }, async (page) => {
      await logInByKeyboard(page, base());
      const { tabs, field } = await tabToReadingField(page);
      t.diagnostic(`Tab presses to the reading field: ${tabs}`);
      assert.ok(tabs <= 5, `${tabs} Tab presses`);
      const box = await field.boundingBox();
      const viewport = page.viewportSize();
      assert.ok(
        box && viewport && box.y >= 0 && box.y + box.height <= viewport.height,
        'the field is in view',
      );
    });
  });

  test('a suspicious reading is sent and confirmed with the keyboard alone', async (t) => {
    await runScenario(t, suite.browser(), { label: 'keyboard-reading', jsEnabled: true }, async (page) => {
      await logInByKeyboard(page, base());
      const { field } = await tabToReadingField(page);
      // Below the last reading (28470): the meter would have gone round, so the server asks.
      await page.keyboard.type('28000');
      await pressAndGo(page, 'Enter', /\/cabinet\/readings$/);
      const accept = page.getByRole('button', { name: 'Принять показание', exact: true });
      const back = page.getByRole('link', { name: /Вернуться на главную страницу/ });
      // Past the button to «Вернуться», and back with Shift+Tab: Space accepts.
      await tabTo(page, back);
      await tabTo(page, accept, 5, 'Shift+Tab');
      await pressAndGo(page, 'Space', /\/cabinet\?reading=\d+#reading-result$/);
      const message = squash(await page.locator('#reading-result').innerText());
      assert.match(message, /^Показание 28 000 от \d{4}-\d{2}-\d{2} передано специалистам на проверку/);
      assert.equal(await field.inputValue(), '', 'a fresh form');
    });
  });

  test('980 ₽ paid by card through the bank with the keyboard alone', async (t) => {
    await runScenario(t, suite.browser(), { label: 'keyboard-payment', jsEnabled: true }, async (page) => {
      await logInByKeyboard(page, base());
      const payments = page.locator('#payments tbody tr');
      const before = await payments.count();
      await tabTo(page, page.getByRole('link', { name: 'Оплатить', exact: true }));
      await pressAndGo(page, 'Enter', /\/cabinet\/payment$/);

      // The amount (Tab selects what a field holds, so typing replaces a prefilled sum).
      await tabTo(page, page.getByRole('textbox', { name: /Сумма/ }));
      await page.keyboard.type('980');
      await tabTo(page, page.getByRole('button', { name: /^Оплатить/ }).first());
      await pressAndGo(page, 'Enter', /\/sandbox-bank\/pay\?mdOrder=[0-9a-f-]{36}$/);

      await tabTo(page, page.getByLabel('Номер карты', { exact: true }));
      await page.keyboard.type('4111 1111 1111 1111');
      await tabTo(page, page.getByLabel(/^Срок действия/), 1);
      await page.keyboard.type('12/30');
      await tabTo(page, page.getByLabel('CVC', { exact: true }), 1);
      await page.keyboard.type('123');
      await tabTo(page, page.getByRole('button', { name: 'Оплатить', exact: true }), 1);
      await pressAndGo(page, 'Space', /\/cabinet\/payment\/LK\d{6}-[A-Z2-9]{8}$/);
      assert.match(squash(await page.locator('main').innerText()), /980[.,]00/);

      await tabTo(page, page.getByRole('link', { name: /Вернуться на главную страницу/ }));
      await pressAndGo(page, 'Enter', /\/cabinet$/);
      assert.equal(await payments.count(), Math.min(before + 1, 6), 'the payment is in the history');
      const newest = (await payments.first().locator('td').allInnerTexts()).map(squash);
      assert.equal(newest.length, 3, newest.join(' | '));
      assert.equal(newest[0], dateIn(SUPPLIER_TIME_ZONE));
      assert.match(newest[1]!, /^980[.,]00$/);
      assert.equal(newest[2], 'Банковская карта');
    });
  });
});
