// End-to-end: an operator's and an accountant's day in the back office, in Chromium (see
// support.ts, office-support.ts). An operator made with the CLI enrolls and logs in, finds the demo
// customer by surname and by a part of the account number, opens the card and sends a reading on
// the customer's behalf with a reason; the customer, logged in to the cabinet in a browser context
// of their own, sees it on the main page with the channel «Оператор». An accountant reads the
// review queue (no forms) and retries a month's failed bills on the mailing page. axe-core checks each page on the way, refusals
// included, at a desktop's and a phone's width.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import Database from 'better-sqlite3';
import path from 'node:path';
import type { ConsoleMessage, Page } from 'playwright-core';
import { formatDateRu } from '../../src/domain/dates.ts';
import { formatInteger } from '../../src/domain/format.ts';
import {
  browserSuite,
  dateIn,
  DEMO_ACCOUNT,
  logInAsDemo,
  runScenario,
  SKIP,
  squash,
  SUPPLIER_TIME_ZONE,
  type Server,
} from './support.ts';
import {
  accessible,
  demoAccountId,
  enroll,
  isExpectedConsoleError,
  logIn,
  staffAdd,
  tableRows,
  totpCode,
} from './office-support.ts';

/** Refused forms (400) and the card of an account that does not exist (404), on purpose. */
function isExpected(msg: ConsoleMessage): boolean {
  return (
    isExpectedConsoleError(msg) ||
    (/status of 404/.test(msg.text()) && /\/office\/accounts\/\d+$/.test(msg.location().url))
  );
}

/** The search form's fields: label → the query parameter. */
const SEARCH_FIELDS: Record<string, string> = {
  'Номер лицевого счёта или его часть': 'number',
  'Фамилия и инициалы': 'name',
  Улица: 'street',
  Дом: 'house',
  Квартира: 'flat',
  'Заводской номер счётчика': 'serial',
};

/**
 * Fills the search form with `fields` (label → text, the others emptied), sends it and waits for
 * the page of exactly that query (each search here differs from the one before).
 */
async function search(page: Page, fields: Record<string, string>): Promise<void> {
  const form = page.locator('form[action="/office/search"]');
  for (const label of Object.keys(SEARCH_FIELDS)) {
    await form.getByLabel(label, { exact: true }).fill(fields[label] ?? '');
  }
  const sent = (url: URL) =>
    url.pathname === '/office/search' &&
    Object.entries(SEARCH_FIELDS).every(
      ([label, name]) => (url.searchParams.get(name) ?? '') === (fields[label] ?? ''),
    );
  await Promise.all([page.waitForURL(sent), form.getByRole('button', { name: 'Найти' }).click()]);
}

/**
 * The operator's search: by surname and by a part of the number (each finds the demo account), a
 * refused part of 2 digits, then the account card from the results; returns the card's URL.
 */
async function findDemoAccount(page: Page, server: Server): Promise<string> {
  await page.getByRole('link', { name: 'Поиск лицевого счёта' }).click();
  await page.getByRole('heading', { name: 'Поиск лицевого счёта', level: 1 }).waitFor();
  await accessible(page, 'search: the empty form');

  const found = () => page.locator('#search-results').getByRole('link', { name: DEMO_ACCOUNT, exact: true });
  await search(page, { 'Фамилия и инициалы': 'иванов' });
  await found().waitFor();
  const byName = await tableRows(page, '#search-results');
  assert.ok(
    byName.every((r) => /^Иванов/.test(r[1]!)),
    `only surnames starting with Иванов: ${JSON.stringify(byName)}`,
  );
  await accessible(page, 'search: results by surname');

  await search(page, { 'Номер лицевого счёта или его часть': '5057' });
  await found().waitFor();
  const byNumber = await tableRows(page, '#search-results');
  assert.ok(
    byNumber.every((r) => r[0]!.includes('5057')),
    `only numbers containing 5057: ${JSON.stringify(byNumber)}`,
  );
  await accessible(page, 'search: results by a part of the number');

  await search(page, { 'Номер лицевого счёта или его часть': '12' });
  const error = page.locator('#search-number-error');
  await error.waitFor();
  assert.equal(squash(await error.innerText()), 'Введите не меньше 4 цифр номера (любую его часть).');
  assert.match(
    (await page.getByLabel('Номер лицевого счёта или его часть').getAttribute('aria-describedby')) ?? '',
    /\bsearch-number-error\b/,
  );
  assert.equal(await page.locator('#search-results').count(), 0, 'a refused query shows no results');
  await accessible(page, 'search: a refused query');

  await search(page, { 'Фамилия и инициалы': 'Иванов' });
  await Promise.all([page.waitForURL(/\/office\/accounts\/\d+$/), found().click()]);
  await page.getByRole('heading', { name: `Лицевой счёт ${DEMO_ACCOUNT}`, level: 1 }).waitFor();
  const card = page.url();
  assert.equal(new URL(card).pathname, `/office/accounts/${demoAccountId(server)}`);
  await accessible(page, 'account card');
  return card;
}

/**
 * A reading on the customer's behalf from the card's account: refused without a reason, then
 * with a value that is no number, then stored; returns the value and the dates it may carry.
 */
async function readingOnBehalf(page: Page, card: string): Promise<{ value: string; dates: string[] }> {
  // From the card's «Действия», where the form is at the card's address + /reading.
  await Promise.all([
    page.waitForURL(`${card}/reading`),
    page.locator('#card-actions').getByRole('link', { name: 'Показание со слов абонента' }).click(),
  ]);
  await page.getByRole('heading', { name: 'Показание со слов абонента', level: 1 }).waitFor();
  await accessible(page, 'reading on behalf: the empty form');
  const form = page.locator(`form[action="${new URL(card).pathname}/reading"]`);
  const last = /Последнее принятое показание ([\d\s]+) от/.exec(squash(await form.innerText()));
  assert.ok(last, 'the form shows the last accepted reading');
  const next = Number(last[1]!.replace(/\s/g, '')) + 123;
  const save = form.getByRole('button', { name: 'Сохранить показание' });

  await save.click();
  const reasonError = page.locator('#reading-reason-error');
  await reasonError.waitFor();
  assert.equal(squash(await reasonError.innerText()), 'Укажите причину: она сохраняется в журнале действий.');
  await accessible(page, 'reading on behalf: refused without a reason');

  await form.getByLabel('Показание', { exact: true }).fill('28 4x0');
  await form.getByLabel('Причина (например, звонок абонента)').fill('Звонок абонента, 07.12');
  await save.click();
  await page.locator('#v1-error').waitFor();
  assert.equal(await page.locator('#reading-reason-error').count(), 0, 'the reason is accepted');
  assert.equal(
    await form.getByLabel('Причина (например, звонок абонента)').inputValue(),
    'Звонок абонента, 07.12',
    'the reason is kept',
  );
  await accessible(page, 'reading on behalf: refused value');

  await form.getByLabel('Показание', { exact: true }).fill(String(next));
  const before = dateIn(SUPPLIER_TIME_ZONE);
  await Promise.all([page.waitForURL(card), save.click()]);
  const dates = [...new Set([before, dateIn(SUPPLIER_TIME_ZONE)])];
  await page.getByRole('heading', { name: `Лицевой счёт ${DEMO_ACCOUNT}`, level: 1 }).waitFor();
  const value = squash(formatInteger(next));
  const rows = await tableRows(page, '#card-readings-table');
  assert.ok(
    rows.some(
      (r) =>
        dates.map(formatDateRu).includes(r[0]!) &&
        r[2] === value &&
        r[3] === 'Оператор' &&
        r[4] === 'принято',
    ),
    `a row [today, ${value}, Оператор, принято] on the card: ${JSON.stringify(rows)}`,
  );
  await accessible(page, 'reading on behalf: done (the account card)');
  return { value, dates };
}

/**
 * A reading below the one just stored: the form shows it with its consumption and asks for the
 * customer's confirmation; confirmed, it goes to the review queue («на проверке» on the card).
 */
async function doubtfulReadingOnBehalf(page: Page, card: string, below: number): Promise<string> {
  await page.goto(`${card}/reading`);
  const form = page.locator(`form[action="${new URL(card).pathname}/reading"]`);
  await form.getByLabel('Показание', { exact: true }).fill(String(below));
  await form.getByLabel('Причина (например, звонок абонента)').fill('Звонок абонента, счётчик заменён?');
  await form.getByRole('button', { name: 'Сохранить показание' }).click();
  const warning = page.getByRole('alert').filter({ hasText: 'Показание вызывает сомнение' });
  await warning.waitFor();
  assert.match(squash(await warning.innerText()), /Расход: [\d\s]+ кВт·ч/);
  await accessible(page, 'reading on behalf: doubtful, to be confirmed');
  await form.getByLabel('Абонент подтвердил показание').check();
  await Promise.all([
    page.waitForURL(card),
    form.getByRole('button', { name: 'Сохранить показание' }).click(),
  ]);
  const value = squash(formatInteger(below));
  const rows = await tableRows(page, '#card-readings-table');
  assert.ok(
    rows.some((r) => r[2] === value && r[3] === 'Оператор' && r[4] === 'на проверке'),
    `a row [${value}, Оператор, на проверке] on the card: ${JSON.stringify(rows)}`,
  );
  return value;
}

/** A month of bills by e-mail for the mailing page: one sent, one failed (the demo account's). */
function mailedBills(server: Server): void {
  const db = new Database(path.join(server.dataDir, 'portal.db'));
  try {
    const id = demoAccountId(server);
    const insert = db.prepare(
      `insert into mail_outbox (account_id, period, kind, status, attempts, last_error, next_attempt_at, created_at, updated_at)
       values (?, ?, 'bill', ?, ?, ?, ?, ?, ?)`,
    );
    const now = Date.now();
    insert.run(id, '2026-04', 'sent', 1, null, now, now, now);
    insert.run(id, '2026-05', 'failed', 5, '550 mailbox unavailable: i***@example.ru', now, now, now);
  } finally {
    db.close();
  }
}

describe('an operator and an accountant in the back office', { skip: SKIP }, () => {
  const suite = browserSuite();

  test('an operator finds the demo customer, sends a reading on their behalf, and the customer sees it', async (t) => {
    const server = suite.server();
    const enrollment = await staffAdd(server, 'operator-olga', 'Операторова Ольга', ['operator']);
    let sent: { value: string; dates: string[] } | undefined;
    let held: string | undefined;
    await runScenario(
      t,
      suite.browser(),
      { label: 'office-operator', jsEnabled: true, isExpectedConsoleError: isExpected },
      async (page) => {
        const { secret } = await enroll(page, server.url, enrollment, false);
        await logIn(page, server.url, 'operator-olga', () => totpCode(secret), false);
        await page.getByRole('heading', { name: 'Сводка', level: 1 }).waitFor();
        await accessible(page, "start page, an operator's");
        await page.goto(`${server.url}/office/accounts/999999999`);
        await page.getByRole('heading', { name: 'Лицевой счёт не найден', level: 1 }).waitFor();
        await accessible(page, 'the card of an account that does not exist');
        await page.goto(`${server.url}/office`);
        const card = await findDemoAccount(page, server);
        sent = await readingOnBehalf(page, card);
        held = await doubtfulReadingOnBehalf(page, card, Number(sent.value.replace(/\s/g, '')) - 1000);
      },
    );
    assert.ok(sent && held);
    const { value, dates } = sent;

    // The customer, in a browser context of their own, sees both on the main page.
    await runScenario(
      t,
      suite.browser(),
      { label: 'office-operator-customer', jsEnabled: true },
      async (page) => {
        await logInAsDemo(page, server.url);
        const rows = await tableRows(page, '#readings');
        assert.ok(
          rows.some((r) => dates.includes(r[0]!) && r.slice(1).join('|') === `${value}|Оператор|принято`),
          `a row [today, ${value}, Оператор, принято] on the main page: ${JSON.stringify(rows)}`,
        );
        assert.ok(
          rows.some((r) => dates.includes(r[0]!) && r.slice(1).join('|') === `${held}|Оператор|на проверке`),
          `a row [today, ${held}, Оператор, на проверке] on the main page: ${JSON.stringify(rows)}`,
        );
      },
    );
  });

  test("an accountant reads the review queue and retries a month's failed bills", async (t) => {
    const server = suite.server();
    mailedBills(server);
    const enrollment = await staffAdd(server, 'buh-boris', 'Бухгалтеров Борис', ['accountant']);
    await runScenario(
      t,
      suite.browser(),
      { label: 'office-accountant', jsEnabled: true, isExpectedConsoleError },
      async (page) => {
        const { secret } = await enroll(page, server.url, enrollment, false);
        await logIn(page, server.url, 'buh-boris', () => totpCode(secret), false);
        await page.getByRole('heading', { name: 'Сводка', level: 1 }).waitFor();
        await accessible(page, "start page, an accountant's");
        // The review queue without the operator's forms: an accountant only reads it.
        await page.getByRole('link', { name: 'Показания на проверке' }).first().click();
        await page.getByRole('heading', { name: 'Показания на проверке', level: 1 }).waitFor();
        assert.equal(await page.getByRole('button', { name: 'Принять' }).count(), 0);
        await accessible(page, "review queue, an accountant's");
        await page.getByRole('link', { name: 'Рассылка счетов' }).click();
        await page.getByRole('heading', { name: 'Рассылка счетов', level: 1 }).waitFor();
        const rows = await tableRows(page, '#mailings');
        assert.deepEqual(rows, [
          ['2026 Май', '1', '0', '0', '1', '0', '0'],
          ['2026 Апрель', '1', '0', '1', '0', '0', '0'],
        ]);
        await accessible(page, 'mailing');

        const retry = page.getByRole('button', { name: 'Отправить повторно' });
        await retry.click();
        await page.locator('#retry-2026-05-error').waitFor();
        await accessible(page, 'mailing: a refused retry');
        await page.getByLabel('Причина повторной отправки').fill('SMTP-сервер починили');
        await page.getByRole('button', { name: 'Отправить повторно' }).click();
        await page.locator('#mailing-done').waitFor();
        assert.match(
          squash(await page.locator('#mailing-done').innerText()),
          /2026 Май: снова в очереди 1\./,
        );
        await accessible(page, 'mailing: retried');
      },
    );
  });
});
