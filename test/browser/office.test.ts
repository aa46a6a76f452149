// End-to-end: the back office's way in, in Chromium (see support.ts): the first admin made with
// the CLI, enrollment through the one-time link (password, QR code and first TOTP code, recovery
// codes), then login with a TOTP code (otplib computes it from the secret the page showed), and
// with a recovery code; then the readings review queue (two held readings accepted in bulk) and
// the operator's forms on an account. axe-core checks every /office page on the way, refusals
// included, at a desktop's and a phone's width.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { setTimeout as sleep } from 'node:timers/promises';
import type { ConsoleMessage, Page } from 'playwright-core';
import { generate } from 'otplib';
import Database from 'better-sqlite3';
import path from 'node:path';
import { axeViolations } from './axe.ts';
import { browserSuite, DEMO_ACCOUNT, ROOT, runScenario, SKIP, squash, type Server } from './support.ts';

const run = promisify(execFile);
const PASSWORD = 'зелёная лампа на столе 19';

/** The refused forms answer 400/401 on purpose; Chromium logs every 4xx document. */
function isExpectedConsoleError(msg: ConsoleMessage): boolean {
  return /status of 40[01]/.test(msg.text()) && /\/office\//.test(msg.location().url);
}

/** `staff-add` against the test server's database; returns the enrollment link's path. */
async function staffAdd(server: Server, login: string): Promise<string> {
  const { stdout } = await run(
    process.execPath,
    [
      '--import',
      'tsx',
      'src/app/cli.ts',
      'staff-add',
      '--login',
      login,
      '--name',
      'Админова Анна',
      '--role',
      'admin',
      '--role',
      'operator',
    ],
    { cwd: ROOT, env: cliEnv(server) },
  );
  return new URL(stdout.trim()).pathname;
}

/** The server's environment: its SQLite database, nothing of the test runner's own settings. */
function cliEnv(server: Server): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env, DATA_DIR: server.dataDir, LOG_LEVEL: 'warn' };
  for (const k of ['DATABASE_URL', 'PUBLIC_URL', 'NODE_TEST_CONTEXT']) {
    delete env[k];
  }
  return env;
}

/** axe finds nothing on the page, at 1280 px and at 360 px wide. */
async function accessible(page: Page, name: string): Promise<void> {
  await page.waitForLoadState('load');
  for (const width of [1280, 360]) {
    await page.setViewportSize({ width, height: 800 });
    assert.deepEqual(await axeViolations(page), [], `${name} at ${width} px`);
  }
  await page.setViewportSize({ width: 1280, height: 900 });
}

/** Waits for the next 30-second TOTP step: each code is accepted once. */
async function nextStep(): Promise<void> {
  await sleep(30_000 - (Date.now() % 30_000) + 200);
}

async function enroll(page: Page, base: string, path: string): Promise<{ secret: string; codes: string[] }> {
  await page.goto(`${base}${path}`);
  await accessible(page, 'enrollment: password');
  await page.getByLabel('Новый пароль').fill('qwerty123456');
  await page.getByLabel('Пароль ещё раз').fill('qwerty123456');
  await page.getByRole('button', { name: 'Далее' }).click();
  const error = page.locator('#enroll-password-error');
  assert.match(squash(await error.innerText()), /часто используемых паролей/);
  assert.equal(
    await page.getByLabel('Новый пароль').getAttribute('aria-describedby'),
    'enroll-password-error',
  );
  await accessible(page, 'enrollment: refused password');

  await page.getByLabel('Новый пароль').fill(PASSWORD);
  await page.getByLabel('Пароль ещё раз').fill(PASSWORD);
  await page.getByRole('button', { name: 'Далее' }).click();
  await page.getByRole('heading', { name: 'Второй фактор' }).waitFor();
  const qr = page.getByRole('img', { name: /QR-код для приложения-аутентификатора/ });
  assert.ok((await qr.boundingBox())!.width >= 100, 'the QR code is drawn');
  await accessible(page, 'enrollment: second factor');
  const secret = (await page.locator('#totp-secret').innerText()).replace(/\s/g, '');
  await page.getByLabel('Код из приложения').fill(await generate({ secret }));
  await page.getByRole('button', { name: 'Подтвердить' }).click();
  await page.getByRole('heading', { name: 'Резервные коды' }).waitFor();
  const codes = await page.locator('#recovery-codes code').allInnerTexts();
  assert.equal(codes.length, 10);
  await accessible(page, 'enrollment: recovery codes');
  return { secret, codes };
}

async function logIn(page: Page, base: string, login: string, code: () => Promise<string>): Promise<void> {
  await page.goto(`${base}/office`);
  await page.waitForURL(/\/office\/login$/);
  await accessible(page, 'login');
  await page.getByLabel('Логин').fill(login);
  await page.getByLabel('Пароль').fill(PASSWORD);
  await page.getByRole('button', { name: 'Далее' }).click();
  await page.waitForURL(/\/office\/login\/code$/);
  await accessible(page, 'login: code');
  await page.getByLabel('Код', { exact: true }).fill(await code());
  await page.getByRole('button', { name: 'Войти' }).click();
}

/**
 * Two readings the rules held, written straight into the server's database (as the customer's
 * confirmed doubtful readings are stored); returns the demo account's id.
 */
function holdReadings(server: Server): number {
  const db = new Database(path.join(server.dataDir, 'portal.db'));
  try {
    const account = db.prepare('select id from accounts where number = ?').get(DEMO_ACCOUNT) as {
      id: number;
    };
    const meter = db
      .prepare('select id from meters where account_id = ? and removed_on is null')
      .get(account.id) as { id: number };
    const insert = db.prepare(
      `insert into readings (account_id, meter_id, reading_date, value1, channel, status, reason, submitted_at)
       values (?, ?, ?, ?, 'internet', 'review', 'rollover', ?)`,
    );
    insert.run(account.id, meter.id, '2026-06-10', 28000, Date.now());
    insert.run(account.id, meter.id, '2026-06-11', 28100, Date.now());
    return account.id;
  } finally {
    db.close();
  }
}

/** The review queue: both held readings ticked, one reason, «Принять». */
async function reviewInBulk(page: Page, server: Server): Promise<void> {
  holdReadings(server);
  await page.getByRole('link', { name: 'Показания на проверке' }).first().click();
  await page.getByRole('heading', { name: 'Показания на проверке', level: 1 }).waitFor();
  assert.match(squash(await page.locator('#review-total').innerText()), /Ожидают решения: 2/);
  await accessible(page, 'review queue');
  await page.getByRole('link', { name: 'Решить по этому показанию отдельно' }).first().click();
  await page.getByRole('heading', { name: /^Показание № \d+$/, level: 1 }).waitFor();
  await accessible(page, 'one held reading');
  await page.getByRole('link', { name: 'Показания на проверке' }).first().click();
  await page.getByRole('button', { name: 'Принять' }).click();
  await page.locator('#bulk-reason-error').waitFor();
  await accessible(page, 'review queue: refused');
  for (const box of await page.getByRole('checkbox', { name: /Выбрать показание/ }).all()) {
    await box.check();
  }
  await page.getByLabel('Причина решения (её увидит абонент)').fill('Сверено по фото счётчика');
  await page.getByRole('button', { name: 'Принять' }).click();
  await page.locator('#review-notice').waitFor();
  assert.equal(squash(await page.locator('#review-notice').innerText()), 'Принято показаний: 2.');
  assert.match(squash(await page.locator('#review-total').innerText()), /Ожидают решения: 0/);
}

/** The operator's forms on the demo account pass axe, as do their refusals. */
async function accountActions(page: Page, server: Server): Promise<void> {
  const db = new Database(path.join(server.dataDir, 'portal.db'), { readonly: true });
  const { id } = db.prepare('select id from accounts where number = ?').get(DEMO_ACCOUNT) as { id: number };
  db.close();
  for (const [action, button] of [
    ['reading', 'Сохранить показание'],
    ['unlock', 'Разблокировать'],
    ['resend-bill', 'Отправить'],
  ] as const) {
    await page.goto(`${server.url}/office/accounts/${id}/${action}`);
    await accessible(page, `account action ${action}`);
    await page.getByRole('button', { name: button }).click();
    await page.locator('.field-error').first().waitFor();
    await accessible(page, `account action ${action}: refused`);
  }
}

describe('back office in the browser', { skip: SKIP }, () => {
  const suite = browserSuite();

  test('the first admin enrolls with TOTP, logs in with a code and with a recovery code', async (t) => {
    const server = suite.server();
    const path = await staffAdd(server, 'first-admin');
    assert.match(path, /^\/office\/enroll\/[A-Za-z0-9_-]{43}$/);
    await runScenario(
      t,
      suite.browser(),
      { label: 'office', jsEnabled: true, isExpectedConsoleError },
      async (page) => {
        const { secret, codes } = await enroll(page, server.url, path);

        await nextStep();
        await logIn(page, server.url, 'first-admin', () => generate({ secret }));
        await page.waitForURL(/\/office$/);
        await page.getByRole('heading', { name: 'Сводка', level: 1 }).waitFor();
        assert.match(squash(await page.locator('#review-count').innerText()), /^\d+$/);
        assert.match(squash(await page.locator('#period-state').innerText()), /закрыт|Ни один месяц/);
        await accessible(page, 'start page');

        await page.getByRole('link', { name: 'Сотрудники' }).click();
        await page.getByRole('heading', { name: 'Сотрудники', level: 1 }).waitFor();
        assert.match(squash(await page.locator('main').innerText()), /Админова Анна \(first-admin\)/);
        await accessible(page, 'staff users');

        await page.getByRole('link', { name: 'Журнал аудита' }).click();
        await page.getByRole('heading', { name: 'Журнал аудита', level: 1 }).waitFor();
        assert.match(squash(await page.locator('#audit').innerText()), /staff\.login/);
        await accessible(page, 'audit log');
        await page.getByLabel('Лицевой счёт').fill('12');
        await page.getByRole('button', { name: 'Показать' }).click();
        await page.getByText('Номер лицевого счёта — 10 цифр.').first().waitFor();
        await accessible(page, 'audit log: a refused filter');

        await page.getByRole('button', { name: 'Выйти' }).click();
        await page.waitForURL(/\/office\/login$/);
        await page.goto(`${server.url}/office`);
        await page.waitForURL(/\/office\/login$/);

        await logIn(page, server.url, 'first-admin', () => Promise.resolve(codes[0]!));
        await page.getByRole('heading', { name: 'Резервный код использован' }).waitFor();
        assert.match(squash(await page.locator('main').innerText()), /Осталось резервных кодов: 9/);
        await accessible(page, 'recovery code used');
        await page.getByRole('link', { name: 'Перейти к сводке' }).click();
        await page.getByRole('heading', { name: 'Сводка', level: 1 }).waitFor();

        await reviewInBulk(page, server);
        await accountActions(page, server);
      },
    );
  });
});
