// End-to-end: the demo customer pays 980 ₽ by card through the sandbox bank, with the real server
// and Chromium (see support.ts): once with 4111 1111 1111 1111 (JavaScript on), once with the
// 3-D Secure card 5555 5555 5555 5599 (JavaScript off: the flow needs none). Each time the result
// page says the payment was credited at once and shows the electronic check image, and the payment
// appears in the main page's history.
//
// СБП on a phone (360 × 800): «Оплатить через СБП», the QR page with its QR image and its link,
// the link opens the sandbox's "bank app", «Оплатить» there, and the portal's result page.
//
// The server's PUBLIC_URL is http://localhost:PORT (support.ts leaves it unset), so the browser uses
// that origin too: the bank's redirects then come back to the origin that holds the session cookie.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { Page } from 'playwright-core';
import {
  browserSuite,
  dateIn,
  logInAsDemo,
  runScenario,
  SKIP,
  squash,
  SUPPLIER_TIME_ZONE,
} from './support.ts';

const RESULT_URL = /\/cabinet\/payment\/LK\d{6}-[A-Z2-9]{8}$/;

/** From the main page to the bank's page: the sum, an optional reading, "Оплатить". */
async function orderFromMainPage(page: Page, amount: string, reading?: string): Promise<void> {
  await Promise.all([
    page.waitForURL(/\/cabinet\/payment$/),
    page.getByRole('link', { name: 'Оплатить картой или через СБП', exact: true }).click(),
  ]);
  assert.match(squash(await page.locator('main').innerText()), /Банком дается 20 минут и 3 попытки!/);
  await page.getByLabel('Сумма платежа, руб. *', { exact: true }).fill(amount);
  if (reading) {
    await page.getByLabel('Текущее показание', { exact: true }).fill(reading);
  }
  await Promise.all([
    page.waitForURL(/\/sandbox-bank\/pay\?mdOrder=[0-9a-f-]{36}$/),
    page.getByRole('button', { name: 'Оплатить картой', exact: true }).click(),
  ]);
  const cards = squash(await page.locator('#test-cards').innerText());
  for (const pan of ['4111 1111 1111 1111', '5555 5555 5555 5599', '4000 0000 0000 0002']) {
    assert.ok(cards.includes(pan), cards);
  }
  assert.equal(squash(await page.locator('#bank-amount').innerText()), '980,00 ₽');
}

async function enterCard(page: Page, pan: string): Promise<void> {
  await page.getByLabel('Номер карты', { exact: true }).fill(pan);
  await page.getByLabel('Срок действия (ММ/ГГ)', { exact: true }).fill('12/30');
  await page.getByLabel('CVC', { exact: true }).fill('123');
}

/** The result page: credited at once, the sum, and a check image the server really serves. */
async function expectPaid(page: Page, jsEnabled: boolean, reading: string | null): Promise<void> {
  assert.match(
    squash(await page.locator('#payment-outcome').innerText()),
    /^Оплата прошла\. Платёж сразу зачислен на Ваш лицевой счёт/,
  );
  assert.equal(squash(await page.locator('#payment-amount').innerText()), '980,00');
  const text = squash(await page.locator('main').innerText());
  assert.match(text, new RegExp(`Лицевой счет, показание\\s+1705057190${reading ? ` ${reading}` : ''}`));
  assert.doesNotMatch(text, /второй рабочий день/);
  const img = page.locator('img.check-image');
  assert.match(String(await img.getAttribute('alt')), /^Электронный чек\. .*Сумма платежа \(руб\): 980,00/);
  const src = await img.getAttribute('src');
  const res = await page.request.get(new URL(String(src), page.url()).toString());
  assert.equal(res.status(), 200);
  assert.equal(res.headers()['content-type'], 'image/png');
  const body = await res.body();
  assert.deepEqual([...body.subarray(1, 4)], [0x50, 0x4e, 0x47], 'a PNG');
  if (jsEnabled) {
    // The browser itself decoded it: 640 × 400 pixels.
    await page.waitForFunction(() => {
      const el = document.querySelector<HTMLImageElement>('img.check-image');
      return !!el && el.complete && el.naturalWidth === 640 && el.naturalHeight === 400;
    });
  }
}

/** The rows of the payments history (#payments) dated `date` with 980,00. */
async function paymentsOn(page: Page, date: string): Promise<number> {
  const rows = await page.locator('#payments tbody tr').all();
  let n = 0;
  for (const row of rows) {
    const cells = (await row.locator('td').allInnerTexts()).map(squash);
    if (cells[0] === date && cells[1] === '980,00') {
      n++;
    }
  }
  return n;
}

describe('paying by card and by СБП through the sandbox bank with a real browser', { skip: SKIP }, () => {
  const suite = browserSuite();
  const base = () => suite.server().url.replace('127.0.0.1', 'localhost');

  test('980 ₽ with 4111 1111 1111 1111 and a reading: the check, and the payment in the history', async (t) => {
    await runScenario(t, suite.browser(), { label: 'payments-4111', jsEnabled: true }, async (page) => {
      await logInAsDemo(page, base());
      const before = await paymentsOn(page, dateIn(SUPPLIER_TIME_ZONE));
      await orderFromMainPage(page, '980', '28500');
      await enterCard(page, '4111 1111 1111 1111');
      await Promise.all([
        page.waitForURL(RESULT_URL),
        page.getByRole('button', { name: 'Оплатить', exact: true }).click(),
      ]);
      await expectPaid(page, true, '28 500');
      await Promise.all([
        page.waitForURL(/\/cabinet$/),
        page.getByRole('link', { name: 'Вернуться на главную страницу Личного кабинета' }).click(),
      ]);
      assert.equal(await paymentsOn(page, dateIn(SUPPLIER_TIME_ZONE)), before + 1);
      const readings = (await page.locator('#readings tbody tr').allInnerTexts()).map(squash);
      assert.ok(
        readings.some((r) => r.includes('28 500') && r.includes('Интернет')),
        readings.join(' | '),
      );
    });
  });

  test('980 ₽ with 5555 5555 5555 5599 and the 3-D Secure code 12345678, without JavaScript', async (t) => {
    await runScenario(t, suite.browser(), { label: 'payments-3ds', jsEnabled: false }, async (page) => {
      await logInAsDemo(page, base());
      const before = await paymentsOn(page, dateIn(SUPPLIER_TIME_ZONE));
      await orderFromMainPage(page, '980,00');
      await enterCard(page, '5555 5555 5555 5599');
      await Promise.all([
        page.waitForURL(/\/sandbox-bank\/pay$/),
        page.getByRole('button', { name: 'Оплатить', exact: true }).click(),
      ]);
      assert.match(squash(await page.locator('main').innerText()), /Подтверждение платежа \(3-D Secure\)/);
      await page.getByLabel('Код подтверждения', { exact: true }).fill('12345678');
      await Promise.all([
        page.waitForURL(RESULT_URL),
        page.getByRole('button', { name: 'Подтвердить', exact: true }).click(),
      ]);
      await expectPaid(page, false, null);
      await page.goto(`${base()}/cabinet`);
      assert.equal(await paymentsOn(page, dateIn(SUPPLIER_TIME_ZONE)), before + 1);
    });
  });

  test('СБП on a phone: the QR page, its link to the bank app, paid there, credited at once', async (t) => {
    const phone = { width: 360, height: 800 };
    await runScenario(
      t,
      suite.browser(),
      { label: 'payments-sbp', jsEnabled: true, viewport: phone },
      async (page) => {
        await logInAsDemo(page, base());
        const before = await paymentsOn(page, dateIn(SUPPLIER_TIME_ZONE));
        await page.goto(`${base()}/cabinet/payment`);
        await page.getByLabel('Сумма платежа, руб. *', { exact: true }).fill('980');
        await Promise.all([
          page.waitForURL(RESULT_URL),
          page.getByRole('button', { name: 'Оплатить через СБП', exact: true }).click(),
        ]);
        assert.equal(squash(await page.locator('h1').innerText()), 'Оплата через СБП');
        assert.equal(squash(await page.locator('#sbp-amount').innerText()), '980,00 ₽');
        // The QR image is served and decoded by the browser.
        await page.waitForFunction(() => {
          const el = document.querySelector<HTMLImageElement>('img.sbp-qr-image');
          return !!el && el.complete && el.naturalWidth > 0;
        });
        const link = page.locator('#sbp-link');
        assert.match(String(await link.getAttribute('href')), /\/sandbox-bank\/sbp\/AS[0-9A-F]{30}$/);
        // On a phone the link is the way: it opens the (sandbox) bank app.
        await Promise.all([page.waitForURL(/\/sandbox-bank\/sbp\/AS[0-9A-F]{30}$/), link.click()]);
        assert.match(
          squash(await page.locator('main').innerText()),
          /Сумма 980,00 ₽ Состояние ожидает оплаты/,
        );
        await Promise.all([
          page.waitForURL(RESULT_URL),
          page.getByRole('button', { name: 'Оплатить', exact: true }).click(),
        ]);
        assert.match(
          squash(await page.locator('#payment-outcome').innerText()),
          /^Оплата прошла\. Платёж сразу зачислен на Ваш лицевой счёт/,
        );
        assert.equal(squash(await page.locator('#payment-amount').innerText()), '980,00');
        await page.goto(`${base()}/cabinet`);
        assert.equal(await paymentsOn(page, dateIn(SUPPLIER_TIME_ZONE)), before + 1);
      },
    );
  });
});
