// End-to-end: the back office's pages that the other browser tests do not reach, each checked by
// axe-core at a desktop's and a phone's width (see support.ts, office-support.ts): the login's
// refusals (a wrong password, 401; a login locked after too many failures, 429), a used enrollment
// link (410); the staff admin's refused add, the added user's enrollment link, the disable and
// reset-factor results; then the added operator-and-accountant's meter replacement form (and its
// refusal), the recalculation form and its preview, the exports page, and the 403 page of a
// section that is not theirs. One server, one browser, one browser context.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { ConsoleMessage, Page } from 'playwright-core';
import { browserSuite, runScenario, SKIP, squash, type Server } from './support.ts';
import {
  accessible,
  demoAccountId,
  enroll,
  isExpectedConsoleError,
  logIn,
  PASSWORD,
  staffAdd,
} from './office-support.ts';
import { LOCK_FAILURES } from '../../src/features/office/staff-login.service.ts';

/** The refusals this file asks for on purpose: Chromium logs every 4xx document. */
function isExpected(msg: ConsoleMessage): boolean {
  return (
    isExpectedConsoleError(msg) ||
    (/status of (403|410|429)/.test(msg.text()) && /\/office\//.test(msg.location().url))
  );
}

/** Sends the login form with a wrong password; returns the form's message. */
async function wrongPassword(page: Page, login: string): Promise<string> {
  await page.getByLabel('Логин').fill(login);
  await page.getByLabel('Пароль').fill(`${PASSWORD} не тот`);
  await page.getByRole('button', { name: 'Далее' }).click();
  const error = page.locator('.form-error');
  await error.waitFor();
  return squash(await error.innerText());
}

/** A wrong password (401), then a login locked by too many failures (429). */
async function refusedLogins(page: Page, server: Server): Promise<void> {
  await page.goto(`${server.url}/office/login`);
  assert.equal(await wrongPassword(page, 'admin-anna'), 'Неверный логин или пароль.');
  await accessible(page, 'login: a wrong password');
  // A login nobody has: it fails like a wrong password, and is locked all the same. The address's
  // own limit (20 failures) stays far away, so the logins below still pass.
  for (let i = 0; i < LOCK_FAILURES; i++) {
    assert.equal(await wrongPassword(page, 'nobody'), 'Неверный логин или пароль.');
  }
  assert.match(await wrongPassword(page, 'nobody'), /^Слишком много неудачных попыток: вход заблокирован до/);
  await accessible(page, 'login: locked');
}

/** Logs in with a recovery code (no wait for the next TOTP step after the enrollment's code). */
async function logInWith(page: Page, server: Server, login: string, code: string): Promise<void> {
  await logIn(page, server.url, login, () => Promise.resolve(code), false);
  await page.getByRole('link', { name: 'Перейти к сводке' }).click();
  await page.getByRole('heading', { name: 'Сводка', level: 1 }).waitFor();
}

/** One action on the staff user `login` (its own reason field and button), and its result. */
async function staffAction(page: Page, login: string, action: string, reason: string): Promise<string> {
  const card = page.locator('li', { has: page.getByRole('heading', { name: `(${login})` }) });
  await card.getByLabel(`Причина: ${action.toLowerCase()} (${login})`).fill(reason);
  await card.getByRole('button', { name: action, exact: true }).click();
  await page.locator('#staff-done').waitFor();
  return squash(await page.locator('#staff-done').innerText());
}

/**
 * The admin's staff page: a refused add, an added user (returns the enrollment link's path), and
 * `other` disabled, then its password and second factor reset.
 */
async function staffAdmin(page: Page, other: string): Promise<string> {
  await page.getByRole('link', { name: 'Сотрудники' }).click();
  await page.getByRole('heading', { name: 'Сотрудники', level: 1 }).waitFor();
  const add = page.getByRole('button', { name: 'Добавить и получить ссылку' });
  await add.click();
  await page.locator('#new-login-error').waitFor();
  assert.equal(await page.locator('#enroll-link').count(), 0, 'a refused add makes no link');
  await accessible(page, 'staff: a refused add');

  await page.getByLabel('Логин', { exact: true }).fill('oper-buh');
  await page.getByLabel('Фамилия, имя, отчество').fill('Операторова-Бухгалтерова Ольга');
  await page.getByLabel('оператор', { exact: true }).check();
  await page.getByLabel('бухгалтер', { exact: true }).check();
  await page.getByLabel('Причина (например, номер приказа)').fill('Приказ № 12 от 01.12');
  await add.click();
  await page.locator('#enroll-link').waitFor();
  assert.match(squash(await page.locator('#staff-done').innerText()), /Сотрудник oper-buh добавлен/);
  const link = new URL(await page.locator('#enroll-link').innerText()).pathname;
  assert.match(link, /^\/office\/enroll\/[A-Za-z0-9_-]{43}$/);
  await accessible(page, 'staff: the enrollment link of the added user');

  await staffAction(page, other, 'Отключить', 'Уволился, приказ № 13');
  assert.match(squash(await page.locator('main').innerText()), new RegExp(`\\(${other}\\) Роли: .*отключён`));
  await accessible(page, 'staff: disabled');
  await staffAction(page, other, 'Сбросить пароль и второй фактор', 'Потерял телефон');
  await page.locator('#enroll-link').waitFor();
  await accessible(page, 'staff: the password and second factor reset');
  return link;
}

/** The operator-and-accountant's pages: the meter, the recalculation, the exports, the 403. */
async function operatorAccountant(page: Page, server: Server): Promise<void> {
  const account = `${server.url}/office/accounts/${demoAccountId(server)}`;
  await page.goto(`${account}/meter`);
  await page.getByRole('heading', { name: 'Замена счётчика', level: 1 }).waitFor();
  await accessible(page, 'meter replacement: the form');
  await page.getByRole('button', { name: 'Заменить счётчик' }).click();
  await page.locator('#meter-reason-error').waitFor();
  await accessible(page, 'meter replacement: refused');

  await page.goto(`${account}/recalculate`);
  await page.getByRole('heading', { name: 'Перерасчёт', level: 1 }).waitFor();
  await accessible(page, 'recalculation: the form');
  await page.getByLabel('Причина (сохраняется в журнале действий)').fill('Жалоба абонента от 01.12');
  await page.getByRole('button', { name: 'Рассчитать разницу' }).click();
  await page.locator('#recalc-preview').waitFor();
  await accessible(page, 'recalculation: the preview');

  await page.goto(`${server.url}/office/exports`);
  await page.getByRole('heading', { name: 'Выгрузки', level: 1 }).waitFor();
  await accessible(page, 'exports');

  await page.goto(`${server.url}/office/staff`);
  await page.getByRole('heading', { name: 'Недостаточно прав', level: 1 }).waitFor();
  await accessible(page, 'forbidden (403)');
}

describe('the back office pages the other browser tests do not reach', { skip: SKIP }, () => {
  const suite = browserSuite();

  test('refusals, the staff admin, the meter, the recalculation, the exports, the 403', async (t) => {
    const server = suite.server();
    const adminLink = await staffAdd(server, 'admin-anna', 'Админова Анна', ['admin']);
    await staffAdd(server, 'kassir-ivan', 'Кассиров Иван', ['operator']);
    await runScenario(
      t,
      suite.browser(),
      { label: 'office-pages', jsEnabled: true, isExpectedConsoleError: isExpected },
      async (page) => {
        await refusedLogins(page, server);

        const admin = await enroll(page, server.url, adminLink, false);
        await page.goto(`${server.url}${adminLink}`);
        await page.getByRole('heading', { name: 'Ссылка недействительна', level: 1 }).waitFor();
        await accessible(page, 'a used enrollment link (410)');

        await logInWith(page, server, 'admin-anna', admin.codes[0]!);
        const link = await staffAdmin(page, 'kassir-ivan');
        await page.getByRole('button', { name: 'Выйти' }).click();
        await page.waitForURL(/\/office\/login$/);

        const user = await enroll(page, server.url, link, false);
        await logInWith(page, server, 'oper-buh', user.codes[0]!);
        await operatorAccountant(page, server);
      },
    );
  });
});
