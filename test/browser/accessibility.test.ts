// Accessibility of the customer's pages in Chromium (see support.ts): axe-core (axe.ts) finds no
// WCAG 2.1 A/AA violation, nor any of its landmark rules broken, on any cabinet or payment page,
// at a desktop's and at a phone's size, and the first focusable element of each portal page is
// the skip link to its content; on a phone no table is wider than the screen or scrolls
// inside a frame, no text of a picture is under 11 px, and every tap target is at least 44 px.
// The consumption chart's text alternative is a table of the same figures.
//
// The walk goes through every state a customer meets: the login forms (refused too), the main
// page (the chart's table open too), the payment slip, the whole histories, a refused reading and
// the confirmation of a suspicious one, a refused and a saved e-mail address, the payment form
// (refused too), the profile's login, reset and creation forms (refused too), its confirmation
// link and its page, the sandbox bank's card and 3-D Secure pages, the result page, and the
// offices.
// Nothing is accepted on the way but one payment, one e-mail address and one profile of the walk's
// own address (confirmed by its link, and logged in by), so the walks at both sizes see the same
// pages.
import { describe, test } from 'node:test';
import fs from 'node:fs/promises';
import path from 'node:path';
import { simpleParser } from 'mailparser';
import assert from 'node:assert/strict';
import type { ConsoleMessage, Page } from 'playwright-core';
import { axeViolations, type Violation } from './axe.ts';
import { browserSuite, DEMO_ACCOUNT, logInAsDemo, runScenario, SKIP, squash } from './support.ts';

const DESKTOP = { width: 1280, height: 800 };
const PHONE = { width: 360, height: 800 };
const MONTHS = 'январь февраль март апрель май июнь июль август сентябрь октябрь ноябрь декабрь'.split(' ');
const TILES = 'https://tile.openstreetmap.org/**';
/** A 1×1 transparent PNG: the stand-in tile server's answer (no internet here). */
const PNG = Buffer.from(
  'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAQAAAC1HAwCAAAAC0lEQVR42mNkYAAAAAYAAjCB0C8AAAAASUVORK5CYII=',
  'base64',
);

/** The refused forms are answered 400 on purpose; Chromium logs every 4xx document. */
function isRefusal(msg: ConsoleMessage): boolean {
  return (
    /status of 400/.test(msg.text()) &&
    /\/(login|cabinet\/readings|cabinet\/email|cabinet\/payment|cabinet\/profile|cabinet\/profile\/password|profile\/login)$/.test(
      msg.location().url,
    )
  );
}

/**
 * What a phone's screen must not have: a table wider than the screen or inside a frame that
 * scrolls sideways, a page that scrolls sideways, a picture's text under 11 px, and a tap target
 * under 44 × 44 px. A link inside a sentence is exempt (WCAG 2.5.5 "inline"), and a checkbox
 * counts with its label.
 */
async function phoneProblems(page: Page): Promise<string[]> {
  // (No named helpers inside evaluate(): tsx would wrap them in a __name() the page does not have.)
  return page.evaluate((min) => {
    const out: string[] = [];
    const width = document.documentElement.clientWidth;
    if (document.documentElement.scrollWidth > width) {
      out.push(`the page scrolls sideways: ${document.documentElement.scrollWidth} > ${width}`);
    }
    for (const table of document.querySelectorAll('table')) {
      const r = table.getBoundingClientRect();
      if (r.width === 0 || getComputedStyle(table).visibility === 'hidden') {
        continue;
      }
      if (r.left < 0 || r.right > width) {
        out.push(`table#${table.id} spans ${Math.round(r.left)}…${Math.round(r.right)} of ${width}`);
      }
      for (let el = table.parentElement; el && el !== document.body; el = el.parentElement) {
        if (el.scrollWidth > el.clientWidth + 1 && getComputedStyle(el).overflowX !== 'visible') {
          out.push(`table#${table.id} scrolls inside ${el.tagName.toLowerCase()}.${el.className}`);
        }
      }
    }
    for (const text of document.querySelectorAll<SVGTextElement>('svg text')) {
      // The size on the screen: the CSS size times the picture's scale.
      const px = parseFloat(getComputedStyle(text).fontSize) * (text.getScreenCTM()?.a ?? 1);
      if (text.getBoundingClientRect().width > 0 && px < 11) {
        out.push(`svg text «${text.textContent ?? ''}» at ${px.toFixed(1)} px`);
      }
    }
    const targets = document.querySelectorAll<HTMLElement>(
      'a[href], button, input:not([type="hidden"]), select, textarea, summary',
    );
    for (const el of targets) {
      let r = el.getBoundingClientRect();
      if (r.width === 0 || r.height === 0 || getComputedStyle(el).visibility === 'hidden') {
        continue;
      }
      const parent = el.parentElement;
      if (el.tagName === 'A' && parent && !/flex|grid/.test(getComputedStyle(parent).display)) {
        const rest = (parent.textContent ?? '').replace(el.textContent ?? '', '');
        if (/[\p{L}\d]/u.test(rest)) {
          continue; // a link inside a sentence
        }
      }
      const label = el instanceof HTMLInputElement && el.type === 'checkbox' ? el.labels?.[0] : undefined;
      if (label) {
        const l = label.getBoundingClientRect();
        const top = Math.min(r.top, l.top);
        const left = Math.min(r.left, l.left);
        r = new DOMRect(left, top, Math.max(r.right, l.right) - left, Math.max(r.bottom, l.bottom) - top);
      }
      if (r.height < min - 0.5 || r.width < min - 0.5) {
        const name = (el.textContent ?? '').trim().slice(0, 30) || el.id || el.getAttribute('name') || '';
        out.push(`${el.tagName.toLowerCase()} «${name}»: ${Math.round(r.width)}×${Math.round(r.height)}`);
      }
    }
    return out;
  }, 44);
}

/** Collects the findings page by page, so that one run names every page that fails. */
class Audit {
  readonly found: Record<string, Array<Violation | string>> = {};
  readonly pages: string[] = [];
  constructor(
    private readonly page: Page,
    private readonly phone: boolean,
  ) {}

  async check(name: string): Promise<void> {
    await this.page.waitForLoadState('load');
    this.pages.push(name);
    const problems: Array<Violation | string> = await axeViolations(this.page);
    const bank = new URL(this.page.url()).pathname.startsWith('/sandbox-bank/');
    const first = await this.page.evaluate(() => {
      const el = document.querySelector(
        'a[href], button, input:not([type="hidden"]), select, textarea, summary, [tabindex]:not([tabindex="-1"])',
      );
      return el
        ? `${el.tagName.toLowerCase()} «${(el.textContent ?? '').trim()}» ${el.getAttribute('href')}`
        : '';
    });
    if (!bank && first !== 'a «Перейти к содержанию» #main') {
      problems.push(`the first focusable element is not the skip link: ${first}`);
    }
    // The sandbox bank stands for the bank's own page (no skip link of ours), but on a phone it
    // is held to the same sizes: the demo and the tests go through it.
    if (this.phone) {
      problems.push(...(await phoneProblems(this.page)));
    }
    if (problems.length > 0) {
      this.found[`${name} (${new URL(this.page.url()).pathname})`] = problems;
    }
  }
}

async function submit(page: Page, button: ReturnType<Page['getByRole']>): Promise<void> {
  await Promise.all([page.waitForEvent('load'), button.click()]);
}

async function loginPages(page: Page, base: string, audit: Audit): Promise<void> {
  await page.goto(`${base}/`);
  await audit.check('home');
  await page.goto(`${base}/?tab=legal`);
  await audit.check('home, legal entities tab');
  await page.goto(`${base}/cabinet`);
  await audit.check('cabinet login');
  const form = page.locator('form.login-form');
  await form.getByLabel('Номер лицевого счёта').fill(DEMO_ACCOUNT);
  await submit(page, form.getByRole('button', { name: 'Войти' }));
  await audit.check('cabinet login refused');
  await page.goto(`${base}/individuals`);
  await audit.check('individuals');
  await page.goto(`${base}/privacy`);
  await audit.check('privacy policy');
}

async function cabinetPages(page: Page, base: string, audit: Audit): Promise<void> {
  await logInAsDemo(page, base);
  await audit.check('main page');
  await page.getByText('Таблица потребления по месяцам', { exact: true }).click();
  await audit.check('main page with the chart table open');
  await page.goto(`${base}/cabinet/slip`);
  await audit.check('payment slip');
  for (const kind of ['payments', 'readings', 'charges']) {
    await page.goto(`${base}/cabinet/history/${kind}`);
    await audit.check(`history of ${kind}`);
  }

  await page.goto(`${base}/cabinet`);
  const reading = page.getByRole('textbox', { name: 'Текущее показание', exact: true });
  const send = page.getByRole('button', { name: 'Передать показание', exact: true });
  await reading.fill('28 47a');
  await submit(page, send);
  await audit.check('reading refused');
  await reading.fill('28000');
  await submit(page, send);
  assert.equal(
    squash(await page.getByRole('heading', { level: 1 }).innerText()),
    'Показание введено некорректно!',
  );
  await audit.check('reading confirmation');

  await page.goto(`${base}/cabinet`);
  const email = page.getByRole('textbox', { name: /добавьте Ваш электронный адрес/ });
  const save = page.getByRole('button', { name: 'Сохранить информацию', exact: true });
  await email.fill('не адрес');
  await submit(page, save);
  await audit.check('e-mail refused');
  await email.fill('ivanov@example.com');
  await page.getByRole('checkbox', { name: /получать квитанцию/ }).check();
  await submit(page, save);
  await audit.check('e-mail saved, awaiting confirmation');
}

/**
 * The profile's pages: the login by e-mail (refused too), «Забыли пароль?», sending the
 * confirmation again, the cabinet's profile form (refused, and made: each walk its own address),
 * the confirmation link from the e-mail (an .eml file of the quickstart), and, logged in by the
 * profile, its page with the password change refused.
 */
async function profilePages(page: Page, base: string, audit: Audit, dataDir: string, size: string) {
  await page.goto(`${base}/profile/login`);
  await audit.check('profile login');
  await submit(page, page.getByRole('button', { name: 'Войти', exact: true }));
  await audit.check('profile login refused');
  await page.goto(`${base}/profile/forgot`);
  await audit.check('profile password forgotten');
  await page.goto(`${base}/profile/resend`);
  await audit.check('profile confirmation sent again');
  await page.goto(`${base}/cabinet/profile`);
  await audit.check('profile form');
  const create = page.getByRole('button', { name: 'Создать профиль', exact: true });
  const email = page.getByRole('textbox', { name: 'Адрес электронной почты' });
  await email.fill('не адрес');
  await submit(page, create);
  await audit.check('profile form refused');
  const address = `ivanov-${size}@example.com`;
  await email.fill(address);
  await page.getByLabel('Пароль', { exact: true }).fill(PROFILE_PASSWORD);
  await page.getByLabel('Пароль ещё раз', { exact: true }).fill(PROFILE_PASSWORD);
  await submit(page, create);
  await audit.check('profile made, awaiting confirmation');

  await page.goto(`${base}${await confirmationLink(dataDir, address)}`);
  await audit.check('profile address confirmation');
  await submit(page, page.getByRole('button', { name: 'Подтвердить адрес', exact: true }));
  await audit.check('profile login after the confirmation');
  await page.getByRole('textbox', { name: 'Адрес электронной почты' }).fill(address);
  await page.getByLabel('Пароль', { exact: true }).fill(PROFILE_PASSWORD);
  await page
    .locator('form.login-form')
    .getByRole('checkbox', { name: /согласен/ })
    .check();
  await Promise.all([
    page.waitForURL(/\/cabinet$/),
    page.getByRole('button', { name: 'Войти', exact: true }).click(),
  ]);
  await page.goto(`${base}/cabinet/profile`);
  await audit.check('profile page');
  await submit(page, page.getByRole('button', { name: 'Сменить пароль', exact: true }));
  await audit.check('profile password change refused');
}

const PROFILE_PASSWORD = 'Шесть-ежей-в-тумане-42';

/** The confirmation link of the e-mail the quickstart wrote to `address` (its path). */
async function confirmationLink(dataDir: string, address: string): Promise<string> {
  const dir = path.join(dataDir, 'outbox-eml');
  for (const name of await fs.readdir(dir)) {
    const mail = await simpleParser(await fs.readFile(path.join(dir, name)));
    const to = (Array.isArray(mail.to) ? mail.to : [mail.to]).flatMap((a) => a?.value.map((v) => v.address));
    const link = /\/profile\/confirm\/[A-Za-z0-9_-]{43}/.exec(mail.text ?? '');
    if (to.includes(address) && link) {
      return link[0];
    }
  }
  throw new Error(`no confirmation e-mail to ${address} in ${dir}`);
}

/** The payment pages, found by labels and roles (the payment page's wording is changing). */
async function paymentPages(page: Page, base: string, audit: Audit): Promise<void> {
  await page.goto(`${base}/cabinet/payment`);
  await audit.check('payment form');
  const order = page.getByRole('button', { name: /^Оплатить/ }).first();
  const amount = page.getByRole('textbox', { name: /Сумма/ });
  await amount.fill('');
  await submit(page, order);
  await audit.check('payment form refused');
  await amount.fill('980');
  await Promise.all([page.waitForURL(/\/sandbox-bank\/pay\?/), order.click()]);
  await audit.check('bank card page');
  await page.getByLabel('Номер карты', { exact: true }).fill('5555 5555 5555 5599');
  await page.getByLabel(/^Срок действия/).fill('12/30');
  await page.getByLabel('CVC', { exact: true }).fill('123');
  await Promise.all([
    page.waitForURL(/\/sandbox-bank\/pay$/),
    page.getByRole('button', { name: 'Оплатить', exact: true }).click(),
  ]);
  await audit.check('bank 3-D Secure page');
  await page.getByLabel('Код подтверждения', { exact: true }).fill('12345678');
  await Promise.all([
    page.waitForURL(/\/cabinet\/payment\/LK/),
    page.getByRole('button', { name: 'Подтвердить', exact: true }).click(),
  ]);
  await audit.check('payment result');
}

describe('accessibility of the customer pages', { skip: SKIP }, () => {
  const suite = browserSuite();
  // The bank's redirects come back to PUBLIC_URL's origin, which holds the session cookie.
  const base = () => suite.server().url.replace('127.0.0.1', 'localhost');

  test('the checks find what they look for: axe on a flawed page, a frame and small targets on a phone', async (t) => {
    const options = { label: 'axe-self-check', jsEnabled: true, viewport: PHONE };
    await runScenario(t, suite.browser(), options, async (page) => {
      await page.setContent(
        '<html lang="ru"><head><title>x</title><style>.f{overflow-x:auto}.w{width:900px}.s{color:#aaa}</style></head>' +
          '<body><main><h1>x</h1><img src="data:,"><p class="s">бледный текст</p>' +
          '<section aria-label="Одно">1</section><section aria-label="Одно">2</section>' +
          '<div class="f"><table id="wide" class="w"><tr><td>1</td></tr></table></div>' +
          '<svg viewBox="0 0 720 100" width="300" aria-hidden="true"><text y="50" font-size="11">янв</text></svg>' +
          '<p><button>ok</button></p></main></body></html>',
      );
      const rules = (await axeViolations(page)).map((v) => v.rule).sort();
      assert.deepEqual(rules, ['color-contrast', 'image-alt', 'landmark-unique']);
      const phone = await phoneProblems(page);
      assert.ok(
        phone.some((p) => p.startsWith('table#wide scrolls inside div.f')),
        phone.join('\n'),
      );
      assert.ok(
        phone.some((p) => /^button «ok»: \d+×\d+$/.test(p)),
        phone.join('\n'),
      );
    });
  });

  test('the text alternative of the chart is a table of the same figures, opened without JavaScript', async (t) => {
    const options = { label: 'chart-table', jsEnabled: false, viewport: PHONE };
    await runScenario(t, suite.browser(), options, async (page) => {
      await logInAsDemo(page, base());
      assert.ok(await page.getByRole('img', { name: /в таблице под ней/ }).isVisible());
      const bars = (await page.locator('.consumption-chart rect.bar title').allTextContents()).map((b) =>
        squash(b).replace(/ \(расчётно\)$/, ''),
      );
      assert.ok(bars.length >= 15, `the demo has bars: ${bars.length}`);
      const table = page.getByRole('table', { name: 'Потребление по месяцам, кВт·ч' });
      assert.equal(await table.isVisible(), false, 'closed at first');
      await page.getByText('Таблица потребления по месяцам', { exact: true }).click();
      await table.waitFor();
      const rows: string[] = [];
      for (const row of await table.locator('tbody tr').all()) {
        const [month, year] = squash(await row.getByRole('rowheader').innerText()).split(' ');
        const kwh = squash(await row.getByRole('cell').first().innerText());
        rows.push(`${year}-${String(MONTHS.indexOf(month!) + 1).padStart(2, '0')}: ${kwh} кВт·ч`);
      }
      for (const bar of bars) {
        assert.ok(rows.includes(bar), `${bar} in the table: ${rows.join('; ')}`);
      }
    });
  });

  for (const [size, viewport] of [
    ['desktop', DESKTOP],
    ['phone', PHONE],
  ] as const) {
    const what =
      viewport === PHONE
        ? 'no axe violation, no table in a frame, no small text or tap target'
        : 'no axe violation';
    test(`${what} on any customer page at ${size} size (${viewport.width}×${viewport.height})`, async (t) => {
      const options = { label: `axe-${size}`, jsEnabled: true, viewport, isExpectedConsoleError: isRefusal };
      await runScenario(t, suite.browser(), options, async (page, context) => {
        await context.route(TILES, (route) =>
          route.fulfill({ status: 200, contentType: 'image/png', body: PNG }),
        );
        const audit = new Audit(page, viewport === PHONE);
        await loginPages(page, base(), audit);
        await cabinetPages(page, base(), audit);
        await profilePages(page, base(), audit, suite.server().dataDir, size);
        await paymentPages(page, base(), audit);
        await page.goto(`${base()}/offices`);
        await page.locator('#offices-map .leaflet-marker-icon').first().waitFor();
        await audit.check('offices');
        t.diagnostic(`checked: ${audit.pages.join('; ')}`);
        assert.equal(audit.pages.length, 33);
        assert.deepEqual(audit.found, {}, JSON.stringify(audit.found, null, 2));
      });
    });
  }
});
