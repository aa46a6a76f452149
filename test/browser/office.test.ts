// End-to-end: the back office's way in, in Chromium (see support.ts): the first admin made with
// the CLI, enrollment through the one-time link (password, QR code and first TOTP code, recovery
// codes), then login with a TOTP code, and with a recovery code; then the readings review queue
// (two held readings accepted in bulk) and the operator's forms on an account. axe-core checks
// every /office page on the way, refusals included, at a desktop's and a phone's width; and the
// accountant's payments page. The operator's and the accountant's days are in
// office-operator.test.ts.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import Database from 'better-sqlite3';
import path from 'node:path';
import type { Page } from 'playwright-core';
import { browserSuite, DEMO_ACCOUNT, runScenario, SKIP, squash, type Server } from './support.ts';
import {
  accessible,
  demoAccountId,
  enroll,
  isExpectedConsoleError,
  logIn,
  staffAdd,
  totpCode,
} from './office-support.ts';

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
  const id = demoAccountId(server);
  for (const [action, button] of [
    ['reading', 'Сохранить показание'],
    ['unlock', 'Разблокировать'],
    ['resend-bill', 'Отправить'],
    ['residents', 'Сохранить'],
    ['email', 'Сохранить'],
  ] as const) {
    await page.goto(`${server.url}/office/accounts/${id}/${action}`);
    await accessible(page, `account action ${action}`);
    await page.getByRole('button', { name: button }).click();
    await page.locator('.field-error').first().waitFor();
    await accessible(page, `account action ${action}: refused`);
  }
}

/**
 * The accountant's payments page with a registry payment waiting for an account: it and its
 * refused allocation (no account, no reason) pass axe.
 */
async function payments(page: Page, server: Server): Promise<void> {
  const db = new Database(path.join(server.dataDir, 'portal.db'));
  try {
    const now = Date.now();
    const run = db
      .prepare(
        `insert into import_runs (kind, profile, file_name, file_sha256, file_bytes, status, summary, created_at, updated_at)
         values ('registry', 'sberbank', 'registry-0606.txt', 'x', 100, 'applied', '{}', ?, ?)`,
      )
      .run(now, now);
    db.prepare(
      `insert into registry_payments (source, operation_id, import_run_id, line_no, paid_on, account_number, amount_kop,
         commission_kop, payer_name, payer_address, status, reason, created_at)
       values ('sberbank', 'op-1', ?, 3, '2026-06-06', '1799999999', 70000, 700, 'ПЕТРОВА АННА ИВАНОВНА',
         'г. Черногорск, ул. Советская 1', 'unallocated', 'Лицевого счёта нет в портале.', ?)`,
    ).run(run.lastInsertRowid, now);
  } finally {
    db.close();
  }
  await page.getByRole('link', { name: 'Платежи' }).first().click();
  await page.getByRole('heading', { name: 'Платежи', level: 1 }).waitFor();
  assert.match(squash(await page.locator('#unallocated-count').innerText()), /Ждут лицевого счёта: 1\./);
  await accessible(page, 'payments');
  await page.getByRole('button', { name: 'Зачислить' }).click();
  await page.locator('.field-error').first().waitFor();
  await accessible(page, 'payments: a refused allocation');
}

describe('back office in the browser', { skip: SKIP }, () => {
  const suite = browserSuite();

  test('the first admin enrolls with TOTP, logs in with a code and with a recovery code', async (t) => {
    const server = suite.server();
    const path = await staffAdd(server, 'first-admin', 'Админова Анна', ['admin', 'operator', 'accountant']);
    assert.match(path, /^\/office\/enroll\/[A-Za-z0-9_-]{43}$/);
    await runScenario(
      t,
      suite.browser(),
      { label: 'office', jsEnabled: true, isExpectedConsoleError },
      async (page) => {
        const { secret, codes } = await enroll(page, server.url, path);

        await logIn(page, server.url, 'first-admin', () => totpCode(secret));
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

        await page.getByRole('link', { name: 'Настройки' }).click();
        await page.getByRole('heading', { name: 'Настройки', level: 1 }).waitFor();
        assert.match(squash(await page.locator('#setting-PORT').innerText()), /PORT/);
        assert.match(squash(await page.locator('#reference-settlements').innerText()), /settlements-load/);
        await accessible(page, 'settings');

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
        await payments(page, server);
      },
    );
  });
});
