// `npm run screens`: the screenshots in docs/screens/ (screens.ts lists them), made from the pages
// the browser tests drive: the same server (demo data, fresh SQLite; test/browser/support.ts), the
// same Chromium, the same login. Only the server's clock differs: it starts at SCREENS_NOW
// (clock.mjs), so that the pictures change only when the pages do.
//
// A documentation tool, not a test: `npm test` never runs it. It needs Chromium (as the browser
// tests), and poppler-utils' pdftoppm for the bill (without it bill.png is left as it is).
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { PNG } from 'pngjs';
import {
  CHROMIUM,
  HAVE_CHROMIUM,
  ROOT,
  launchBrowser,
  logInAsDemo,
  squash,
  startServer,
  stopServer,
} from '../../test/browser/support.ts';
import {
  MAX_PAGE_HEIGHT,
  SCREENS,
  SCREENS_DIR,
  SCREENS_NOW,
  SIZES,
  type Screen,
  type Size,
} from './screens.ts';

const OUT = path.join(ROOT, SCREENS_DIR);
type PageScreen = Extract<Screen, { kind: 'page' }>;

/** Brings the page to what a view's screenshots show, checking that it is that page. */
const VIEWS: Record<PageScreen['view'], (page: Page, baseUrl: string) => Promise<void>> = {
  async main(page, baseUrl) {
    await page.goto(`${baseUrl}/cabinet`);
    // The server's clock is SCREENS_NOW's (20 June): the readings window is open.
    const summary = squash(await page.getByRole('region', { name: 'Главное', exact: true }).innerText());
    assert.match(summary, /с 15 по 25 июня \(приём открыт\)/, `the summary on SCREENS_NOW: ${summary}`);
  },

  // A reading below the last one (28 470): the server asks to confirm it.
  async 'reading-confirm'(page, baseUrl) {
    await page.goto(`${baseUrl}/cabinet`);
    const form = page.locator('#reading-form');
    await form.getByRole('textbox', { name: 'Текущее показание', exact: true }).fill('28000');
    await Promise.all([
      page.waitForURL(/\/cabinet\/readings$/),
      form.getByRole('button', { name: 'Передать показание', exact: true }).click(),
    ]);
    const heading = squash(await page.locator('#confirm-title').innerText());
    assert.equal(heading, 'Показание введено некорректно!');
  },

  // The main page's «Оплатить», wherever it leads.
  async payment(page, baseUrl) {
    await page.goto(`${baseUrl}/cabinet`);
    const summary = page.getByRole('region', { name: 'Главное', exact: true });
    await Promise.all([
      page.waitForURL((url) => url.pathname !== '/cabinet'),
      summary.getByRole('link', { name: 'Оплатить', exact: true }).click(),
    ]);
    assert.equal(squash(await page.locator('h1').innerText()), 'Оплата электроэнергии');
  },
};

async function newPage(browser: Browser, size: Size): Promise<{ context: BrowserContext; page: Page }> {
  const context = await browser.newContext({ locale: 'ru-RU', viewport: SIZES[size] });
  context.setDefaultTimeout(10_000);
  return { context, page: await context.newPage() };
}

/** Every page screenshot of one size, in one browser context logged in once. */
async function shootPages(browser: Browser, baseUrl: string, size: Size): Promise<void> {
  const { context, page } = await newPage(browser, size);
  try {
    await logInAsDemo(page, baseUrl);
    for (const [view, prepare] of Object.entries(VIEWS)) {
      const screens = SCREENS.filter(
        (s): s is PageScreen => s.kind === 'page' && s.view === view && s.size === size,
      );
      if (screens.length > 0) {
        await prepare(page, baseUrl);
        for (const screen of screens) {
          save(screen, await shoot(page, screen));
        }
      }
    }
  } finally {
    await context.close();
  }
}

async function shoot(page: Page, screen: PageScreen): Promise<Buffer> {
  await page.evaluate(async () => {
    await document.fonts.ready;
    window.scrollTo(0, 0);
  });
  const options = { animations: 'disabled', caret: 'hide' } as const;
  if (screen.extent === 'top') {
    return page.screenshot(options);
  }
  const height = await page.evaluate(() => document.documentElement.scrollHeight);
  const { width } = SIZES[screen.size];
  const clip = { x: 0, y: 0, width, height: Math.min(height, MAX_PAGE_HEIGHT[screen.size]) };
  return page.screenshot({ ...options, fullPage: true, clip });
}

/** The demo's latest bill (the charges history's newest PDF), its first page by pdftoppm. */
async function shootBill(browser: Browser, baseUrl: string, screen: Screen): Promise<void> {
  if (spawnSync('pdftoppm', ['-v']).error) {
    console.warn(`pdftoppm not found (apt-get install poppler-utils): ${screen.file} left as it is`);
    return;
  }
  const { context, page } = await newPage(browser, 'desktop');
  const tmp = mkdtempSync(path.join(os.tmpdir(), 'lk-screens-'));
  try {
    await logInAsDemo(page, baseUrl);
    const hrefs = await page
      .locator('#charges a[href^="/cabinet/bills/"]')
      .evaluateAll((links) => links.map((a) => a.getAttribute('href') ?? ''));
    const latest = hrefs.sort().at(-1);
    assert.ok(latest, 'a bill in the charges history');
    const res = await page.request.get(`${baseUrl}${latest}`);
    assert.equal(res.status(), 200, `${latest}: ${res.status()}`);
    assert.equal(res.headers()['content-type'], 'application/pdf');
    const pdf = path.join(tmp, 'bill.pdf');
    writeFileSync(pdf, await res.body());
    const out = path.join(tmp, 'bill');
    const run = spawnSync('pdftoppm', ['-png', '-r', '110', '-f', '1', '-l', '1', '-singlefile', pdf, out]);
    assert.equal(run.status, 0, `pdftoppm: ${String(run.stderr)}`);
    save(screen, readFileSync(`${out}.png`));
  } finally {
    await context.close();
    rmSync(tmp, { recursive: true, force: true });
  }
}

/** The smallest PNG colour type that keeps every pixel: grey (the bill), colour, or with alpha. */
function colorTypeOf(rgba: Buffer): 0 | 2 | 6 {
  let grey = true;
  for (let i = 0; i < rgba.length; i += 4) {
    if (rgba[i + 3] !== 255) {
      return 6;
    }
    grey &&= rgba[i] === rgba[i + 1] && rgba[i + 1] === rgba[i + 2];
  }
  return grey ? 0 : 2;
}

/**
 * Writes the screenshot, re-encoded smaller (colorTypeOf, best deflate),
 * unless the file there already has the same pixels: an unchanged page leaves its file alone.
 */
function save(screen: Screen, png: Buffer): void {
  const file = path.join(OUT, screen.file);
  const image = PNG.sync.read(png);
  if (existsSync(file)) {
    const old = PNG.sync.read(readFileSync(file));
    if (old.width === image.width && old.height === image.height && old.data.equals(image.data)) {
      console.log(`${screen.file}: unchanged`);
      return;
    }
  }
  const encoded = PNG.sync.write(image, { colorType: colorTypeOf(image.data), deflateLevel: 9 });
  writeFileSync(file, encoded);
  console.log(`${screen.file}: ${image.width}×${image.height}, ${Math.round(encoded.length / 1024)} KB`);
}

async function main(): Promise<void> {
  mkdirSync(OUT, { recursive: true });
  const clock = new URL('./clock.mjs', import.meta.url).href;
  const [server, browser] = await Promise.all([
    startServer({ env: { SCREENS_NOW }, nodeArgs: ['--import', clock] }),
    launchBrowser(),
  ]);
  // Should this process die on the way, the server must not stay behind.
  process.once('exit', () => server.child.exitCode === null && server.child.kill('SIGKILL'));
  try {
    for (const size of Object.keys(SIZES) as Size[]) {
      await shootPages(browser, server.url, size);
    }
    for (const screen of SCREENS.filter((s) => s.kind === 'bill')) {
      await shootBill(browser, server.url, screen);
    }
  } finally {
    await browser.close();
    await stopServer(server);
  }
}

if (HAVE_CHROMIUM) {
  await main();
} else {
  console.error(`Chromium not found at ${CHROMIUM}: apt-get install chromium, or set CHROMIUM_PATH`);
  process.exitCode = 1;
}
