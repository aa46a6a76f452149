// What the back office's browser tests share (not a test file itself: scripts/test.mjs runs
// *.test.ts only): staff made with the CLI's `staff-add` against the test server's database,
// enrollment through the one-time link, login with a TOTP code (otplib computes it from the secret
// the page showed), axe-core at a desktop's and a phone's width, and small readers of the pages.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { setTimeout as sleep } from 'node:timers/promises';
import path from 'node:path';
import type { ConsoleMessage, Page } from 'playwright-core';
import { generate } from 'otplib';
import Database from 'better-sqlite3';
import { axeViolations } from './axe.ts';
import { DEMO_ACCOUNT, ROOT, squash, type Server } from './support.ts';
import { portalArgs } from '../portal-process.ts';

const run = promisify(execFile);
export const PASSWORD = 'зелёная лампа на столе 19';

/** The refused forms answer 400/401 on purpose; Chromium logs every 4xx document. */
export function isExpectedConsoleError(msg: ConsoleMessage): boolean {
  return /status of 40[01]/.test(msg.text()) && /\/office\//.test(msg.location().url);
}

/** `staff-add` against the test server's database; returns the enrollment link's path. */
export async function staffAdd(
  server: Server,
  login: string,
  name: string,
  roles: readonly string[],
): Promise<string> {
  const { stdout } = await run(
    process.execPath,
    portalArgs('cli', [
      'staff-add',
      '--login',
      login,
      '--name',
      name,
      ...roles.flatMap((r) => ['--role', r]),
    ]),
    { cwd: ROOT, env: cliEnv(server) },
  );
  return new URL(stdout.trim()).pathname;
}

/** The server's environment: its SQLite database, nothing of the test runner's own settings. */
export function cliEnv(server: Server): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env, DATA_DIR: server.dataDir, LOG_LEVEL: 'warn' };
  for (const k of ['DATABASE_URL', 'PUBLIC_URL', 'NODE_TEST_CONTEXT']) {
    delete env[k];
  }
  return env;
}

/** axe finds nothing on the page, at 1280 px and at 360 px wide. */
export async function accessible(page: Page, name: string): Promise<void> {
  await page.waitForLoadState('load');
  for (const width of [1280, 360]) {
    await page.setViewportSize({ width, height: 800 });
    assert.deepEqual(await axeViolations(page), [], `${name} at ${width} px`);
  }
  await page.setViewportSize({ width: 1280, height: 900 });
}

async function noCheck(): Promise<void> {}

/** The last 30-second TOTP step each secret's code was made for. */
const lastStep = new Map<string, number>();

/**
 * A TOTP code for `secret`. Each code is accepted once, and a step no later than the last one
 * used is refused: when this secret already gave a code in the current step, wait for the next.
 */
export async function totpCode(secret: string): Promise<string> {
  const last = lastStep.get(secret);
  if (last !== undefined && Math.floor(Date.now() / 30_000) <= last) {
    await sleep((last + 1) * 30_000 - Date.now() + 200);
  }
  const now = Date.now();
  lastStep.set(secret, Math.floor(now / 30_000));
  return generate({ secret, epoch: Math.floor(now / 1000) });
}

/** Enrollment through the link; `checks` adds a refused password and axe on every step. */
export async function enroll(
  page: Page,
  base: string,
  path: string,
  checks = true,
): Promise<{ secret: string; codes: string[] }> {
  const axe = checks ? accessible : noCheck;
  await page.goto(`${base}${path}`);
  await axe(page, 'enrollment: password');
  if (checks) {
    await page.getByLabel('Новый пароль').fill('qwerty123456');
    await page.getByLabel('Пароль ещё раз').fill('qwerty123456');
    await page.getByRole('button', { name: 'Далее' }).click();
    const error = page.locator('#enroll-password-error');
    assert.match(squash(await error.innerText()), /часто используемых паролей/);
    assert.equal(
      await page.getByLabel('Новый пароль').getAttribute('aria-describedby'),
      'enroll-password-error',
    );
    await axe(page, 'enrollment: refused password');
  }

  await page.getByLabel('Новый пароль').fill(PASSWORD);
  await page.getByLabel('Пароль ещё раз').fill(PASSWORD);
  await page.getByRole('button', { name: 'Далее' }).click();
  await page.getByRole('heading', { name: 'Второй фактор' }).waitFor();
  const qr = page.getByRole('img', { name: /QR-код для приложения-аутентификатора/ });
  assert.ok((await qr.boundingBox())!.width >= 100, 'the QR code is drawn');
  await axe(page, 'enrollment: second factor');
  const secret = (await page.locator('#totp-secret').innerText()).replace(/\s/g, '');
  await page.getByLabel('Код из приложения').fill(await totpCode(secret));
  await page.getByRole('button', { name: 'Подтвердить' }).click();
  await page.getByRole('heading', { name: 'Резервные коды' }).waitFor();
  const codes = await page.locator('#recovery-codes code').allInnerTexts();
  assert.equal(codes.length, 10);
  await axe(page, 'enrollment: recovery codes');
  return { secret, codes };
}

export async function logIn(
  page: Page,
  base: string,
  login: string,
  code: () => Promise<string>,
  checks = true,
): Promise<void> {
  const axe = checks ? accessible : noCheck;
  await page.goto(`${base}/office`);
  await page.waitForURL(/\/office\/login$/);
  await axe(page, 'login');
  await page.getByLabel('Логин').fill(login);
  await page.getByLabel('Пароль').fill(PASSWORD);
  await page.getByRole('button', { name: 'Далее' }).click();
  await page.waitForURL(/\/office\/login\/code$/);
  await axe(page, 'login: code');
  await page.getByLabel('Код', { exact: true }).fill(await code());
  await page.getByRole('button', { name: 'Войти' }).click();
}

/** The demo account's id in the server's database. */
export function demoAccountId(server: Server): number {
  const db = new Database(path.join(server.dataDir, 'portal.db'), { readonly: true });
  try {
    return (db.prepare('select id from accounts where number = ?').get(DEMO_ACCOUNT) as { id: number }).id;
  } finally {
    db.close();
  }
}

/** The rows of a table as squashed cell texts. */
export async function tableRows(page: Page, selector: string): Promise<string[][]> {
  const out: string[][] = [];
  for (const row of await page.locator(`${selector} tbody tr`).all()) {
    out.push((await row.locator('td').allInnerTexts()).map(squash));
  }
  return out;
}
