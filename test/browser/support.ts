// Shared machinery of the browser tests (not a test file itself: scripts/test.mjs runs *.test.ts only).
//
// The real server (`cli.ts quickstart`, demo mode, fresh SQLite in a temp DATA_DIR) in a child
// process, driven by Debian's Chromium through playwright-core. One server and one browser per
// test file: `browserSuite()` inside a `describe` starts both before its tests and stops them after.
//
// Chromium is /usr/bin/chromium (or CHROMIUM_PATH). When it is missing the suites are skipped with
// a note, except in CI (CI=true), where that is a failure. Never `npx playwright install` here.
//
// `npm run screens` (scripts/screens/run.ts) takes the README's screenshots with the same server,
// browser and login.
import { after, before, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { setTimeout as sleep } from 'node:timers/promises';
import {
  chromium,
  type Browser,
  type BrowserContext,
  type ConsoleMessage,
  type Locator,
  type Page,
} from 'playwright-core';
import { portalArgs } from '../portal-process.ts';

export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
export const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
export const IN_CI = process.env.CI === 'true';
export const HAVE_CHROMIUM = existsSync(CHROMIUM);
/** The `skip` option of a browser suite: a reason when Chromium is missing outside CI, else false. */
export const SKIP: string | false =
  !HAVE_CHROMIUM && !IN_CI ? `Chromium not found at ${CHROMIUM}: browser tests skipped` : false;
if (SKIP) {
  console.warn(`# ${SKIP}`);
}

/** The demo account (src/demo/demo-account.ts). */
export const DEMO_ACCOUNT = '1705057190';
export const DEMO_SURNAME = 'Иванов';
/** The supplier's time zone (SUPPLIER_TIME_ZONE's default; the server runs with it). */
export const SUPPLIER_TIME_ZONE = 'Asia/Krasnoyarsk';

// ---------------------------------------------------------------------------------------------
// The server

export interface Server {
  url: string;
  child: ChildProcess;
  dataDir: string;
  output: () => string;
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.unref();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address();
      srv.close(() => (addr && typeof addr === 'object' ? resolve(addr.port) : reject(new Error('no port'))));
    });
  });
}

/** What a caller may add to the tests' server; the fixed conditions above win over `env`. */
export interface ServerOptions {
  /** More environment variables for the server. */
  env?: Record<string, string>;
  /** Node.js options after tsx's `--import`, e.g. `['--import', url]` of a module to preload. */
  nodeArgs?: string[];
}

export async function startServer(options: ServerOptions = {}): Promise<Server> {
  let lastError: unknown;
  // The port is free when we ask, but another process may take it before the server listens: retry.
  for (let attempt = 0; attempt < 3; attempt++) {
    const dataDir = mkdtempSync(path.join(os.tmpdir(), 'lk-browser-'));
    const port = await freePort();
    const env: NodeJS.ProcessEnv = {
      ...process.env,
      ...options.env,
      DATA_DIR: dataDir,
      PORT: String(port),
      HOST: '127.0.0.1',
      DEMO_MODE: 'true',
      LOG_LEVEL: 'warn',
    };
    // Always SQLite in DATA_DIR, and nothing of the test runner's own settings.
    for (const k of ['DATABASE_URL', 'PUBLIC_URL', 'TRUST_PROXY', 'NODE_TEST_CONTEXT']) {
      delete env[k];
    }
    const args = [...(options.nodeArgs ?? []), ...portalArgs('cli', ['quickstart'])];
    const child = spawn(process.execPath, args, {
      cwd: ROOT,
      env,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout?.on('data', (d: Buffer) => (output += d.toString()));
    child.stderr?.on('data', (d: Buffer) => (output += d.toString()));
    const server: Server = { url: `http://127.0.0.1:${port}`, child, dataDir, output: () => output };
    try {
      await waitForHealth(server, 30_000);
      return server;
    } catch (err) {
      lastError = err;
      await stopServer(server);
    }
  }
  throw lastError instanceof Error ? lastError : new Error(String(lastError));
}

async function waitForHealth(server: Server, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (server.child.exitCode !== null || server.child.signalCode !== null) {
      throw new Error(
        `the server exited (${server.child.exitCode ?? server.child.signalCode}):\n${server.output()}`,
      );
    }
    try {
      const res = await fetch(`${server.url}/readyz`, { signal: AbortSignal.timeout(1000) });
      if (res.ok) {
        const body = (await res.json()) as { status?: string };
        if (body.status === 'ready') {
          return;
        }
      }
    } catch {
      // not listening yet
    }
    await sleep(100);
  }
  throw new Error(`no healthy server at ${server.url} after ${timeoutMs} ms:\n${server.output()}`);
}

export async function stopServer(server: Server | undefined): Promise<void> {
  if (!server) {
    return;
  }
  const { child } = server;
  if (child.exitCode === null && child.signalCode === null) {
    const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
    await exited;
    clearTimeout(timer);
  }
  rmSync(server.dataDir, { recursive: true, force: true });
}

// ---------------------------------------------------------------------------------------------
// The browser

export async function launchBrowser(): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking'],
  });
}

export interface Suite {
  /** The running server (only inside tests and hooks, after `before`). */
  server(): Server;
  /** The running browser (only inside tests and hooks, after `before`). */
  browser(): Browser;
}

/**
 * Call inside a `describe` (declared with `{ skip: SKIP }`): starts the server and Chromium before
 * its tests, stops both after them, and kills the server if the process dies without `after`.
 */
export function browserSuite(): Suite {
  let server: Server | undefined;
  let browser: Browser | undefined;

  before(async () => {
    if (!HAVE_CHROMIUM) {
      throw new Error(`Chromium is required in CI: nothing at ${CHROMIUM}`);
    }
    [server, browser] = await Promise.all([startServer(), launchBrowser()]);
  });

  after(async () => {
    await browser?.close();
    await stopServer(server);
  });

  // If the test process dies without `after`, the server must not stay behind.
  process.once('exit', () => {
    if (server && server.child.exitCode === null) {
      server.child.kill('SIGKILL');
    }
  });

  return {
    server: () => {
      assert.ok(server, 'the server is started in before()');
      return server;
    },
    browser: () => {
      assert.ok(browser, 'the browser is launched in before()');
      return browser;
    },
  };
}

// ---------------------------------------------------------------------------------------------
// Page problems: console errors, uncaught exceptions and CSP violations

export interface Watch {
  problems: string[];
}

/** Console errors a scenario expects; each file lists its own, each with its reason. */
export type ExpectedConsoleError = (msg: ConsoleMessage) => boolean;

export async function watchPage(
  context: BrowserContext,
  page: Page,
  jsEnabled: boolean,
  isExpectedConsoleError: ExpectedConsoleError = () => false,
): Promise<Watch> {
  const w: Watch = { problems: [] };
  page.on('console', (msg) => {
    const text = msg.text();
    if (/Content[- ]Security[- ]Policy/i.test(text)) {
      w.problems.push(`CSP: ${text}`);
    } else if (msg.type() === 'error' && !isExpectedConsoleError(msg)) {
      w.problems.push(`console.error: ${text} (${msg.location().url})`);
    }
  });
  page.on('pageerror', (err) => w.problems.push(`uncaught: ${err.message}`));
  if (jsEnabled) {
    // The browser's own report of every blocked resource or inline code, also when nothing is logged.
    await context.exposeBinding('__reportCspViolation', (_source, v: string) => {
      w.problems.push(`CSP violation: ${v}`);
    });
    await context.addInitScript(() => {
      document.addEventListener('securitypolicyviolation', (e) => {
        const report = (window as unknown as { __reportCspViolation?: (v: string) => void })
          .__reportCspViolation;
        report?.(
          `${e.effectiveDirective} blocked ${e.blockedURI || 'inline'} at ${e.sourceFile}:${e.lineNumber}`,
        );
      });
    });
  }
  return w;
}

export interface ScenarioOptions {
  /** Names the failure screenshot. */
  label: string;
  jsEnabled: boolean;
  isExpectedConsoleError?: ExpectedConsoleError;
  /** The window's size (default 1280×900, a desktop); 360×800 is a phone. */
  viewport?: { width: number; height: number };
}

/**
 * Runs `steps` in a fresh browser context (ru-RU, 1280×900 unless given, 10 s default timeout), then asserts
 * that the page logged no console errors, uncaught exceptions or CSP violations. On failure it
 * saves a full-page screenshot in the temp directory and names it in the test's diagnostics.
 */
export async function runScenario(
  t: TestContext,
  browser: Browser,
  opts: ScenarioOptions,
  steps: (page: Page, context: BrowserContext) => Promise<void>,
): Promise<void> {
  const context = await browser.newContext({
    javaScriptEnabled: opts.jsEnabled,
    locale: 'ru-RU',
    viewport: opts.viewport ?? { width: 1280, height: 900 },
  });
  context.setDefaultTimeout(10_000);
  const page = await context.newPage();
  const watch = await watchPage(context, page, opts.jsEnabled, opts.isExpectedConsoleError);
  try {
    await steps(page, context);
    assert.deepEqual(watch.problems, [], 'no console errors, uncaught exceptions or CSP violations');
  } catch (err) {
    const shot = path.join(
      os.tmpdir(),
      `lk-browser-failure-${opts.label}-${opts.jsEnabled ? 'js' : 'nojs'}-${Date.now()}.png`,
    );
    await page.screenshot({ path: shot, fullPage: true }).catch(() => undefined);
    t.diagnostic(`screenshot: ${shot}; page: ${page.url()}; problems: ${JSON.stringify(watch.problems)}`);
    throw err;
  } finally {
    await context.close();
  }
}

// ---------------------------------------------------------------------------------------------
// Small helpers

export function squash(s: string): string {
  return s.replace(/\s+/g, ' ').trim();
}

/** Waits until the element's text (whitespace squashed) is `expected`; fails with the last text seen. */
export async function waitForText(locator: Locator, expected: string, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const seen = squash(await locator.innerText());
    if (seen === expected || Date.now() > deadline) {
      assert.equal(seen, expected);
      return;
    }
    await sleep(25);
  }
}

/** The calendar date ('YYYY-MM-DD') of `at` in `timeZone`, as the server's dateInZone. */
export function dateIn(timeZone: string, at: Date = new Date()): string {
  // en-CA formats as YYYY-MM-DD.
  return new Intl.DateTimeFormat('en-CA', {
    timeZone,
    year: 'numeric',
    month: '2-digit',
    day: '2-digit',
  }).format(at);
}

/** Logs in as the demo customer from the home page (consent ticked) and waits for the main page. */
export async function logInAsDemo(page: Page, baseUrl: string): Promise<void> {
  await page.goto(`${baseUrl}/?tab=individuals`);
  const form = page.locator('form.login-form');
  await form.getByLabel('Номер лицевого счёта').fill(DEMO_ACCOUNT);
  await form.getByLabel('Фамилия').fill(DEMO_SURNAME);
  await form.getByRole('checkbox').check();
  await Promise.all([page.waitForURL(/\/cabinet$/), form.getByRole('button', { name: 'Войти' }).click()]);
}
