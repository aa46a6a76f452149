// End-to-end: the demo customer submits meter readings through the main page's form, with the real
// server and Chromium (see support.ts). One server for the file, so the tests share its database
// and run in the order written: the first sees the demo's last accepted reading (28470); each
// later one submits a value above everything accepted before it, so any subset in this order works.
//
// The server uses the real clock here: "today" is computed with Intl in the supplier's time zone,
// before and after each submission (either is accepted, should the test cross midnight there).
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { ConsoleMessage, Locator, Page } from 'playwright-core';
import {
  browserSuite,
  dateIn,
  logInAsDemo,
  runScenario,
  SKIP,
  squash,
  SUPPLIER_TIME_ZONE,
  waitForText,
} from './support.ts';
import { demoYear } from '../../src/tools/demo/seed-demo.ts';
import { formatInteger } from '../../src/domain/format.ts';

/** --debt in site.css (#b3261e): the colour of `.consumption.suspicious`. */
const DEBT_RGB = 'rgb(179, 38, 30)';
const FORM_TITLE = 'Форма для передачи показания прибора учета';

function today(): string {
  return dateIn(SUPPLIER_TIME_ZONE);
}

/** Runs `submit` and returns the supplier-zone dates before and after it (usually the same). */
async function aroundToday(submit: () => Promise<void>): Promise<string[]> {
  const before = today();
  await submit();
  return [...new Set([before, today()])];
}

/** The refused reading is answered 400 on purpose; Chromium logs every 4xx document. */
function isRefusal(msg: ConsoleMessage): boolean {
  return /status of 400/.test(msg.text()) && /\/cabinet\/readings$/.test(msg.location().url);
}

function theFormSection(page: Page): Locator {
  return page.getByRole('region', { name: FORM_TITLE, exact: true });
}

/** Scrolls to the reading form and returns its parts (the demo meter has one zone: one row). */
async function readingForm(page: Page) {
  const section = theFormSection(page);
  await section.getByRole('heading', { name: FORM_TITLE, exact: true }).scrollIntoViewIfNeeded();
  const rows = section.locator('tbody tr[data-previous]');
  assert.equal(await rows.count(), 1, 'the demo meter has one register');
  const row = rows.first();
  return {
    section,
    previousDate: row.locator('td[data-label="Дата предыдущего показания"]'),
    previous: row.locator('td[data-label="Предыдущее показание"]'),
    input: row.getByRole('textbox', { name: 'Текущее показание', exact: true }),
    consumption: row.locator('output.consumption'),
    submit: section.getByRole('button', { name: 'Передать показание', exact: true }),
  };
}

async function colorOf(locator: Locator): Promise<string> {
  return locator.evaluate((el) => getComputedStyle(el).color);
}

/** The history table (#readings) as rows of squashed cell texts. */
async function historyRows(page: Page): Promise<string[][]> {
  const rows = page.locator('#readings tbody tr');
  const out: string[][] = [];
  for (const row of await rows.all()) {
    out.push((await row.locator('td').allInnerTexts()).map(squash));
  }
  return out;
}

/** The result message under the heading, squashed. */
async function resultMessage(page: Page): Promise<string> {
  return squash(await page.locator('#reading-result').innerText());
}

const afterSubmission = /\/cabinet\?reading=\d+(&repeat=1)?#reading-result$/;

describe('submitting meter readings with a real browser', { skip: SKIP }, () => {
  const suite = browserSuite();

  test('the live consumption turns red for a reading below the last one, which is confirmed and sent for review', async (t) => {
    const baseUrl = suite.server().url;
    await runScenario(t, suite.browser(), { label: 'readings-review', jsEnabled: true }, async (page) => {
      await logInAsDemo(page, baseUrl);
      const form = await readingForm(page);
      assert.equal(
        squash(await form.previousDate.innerText()),
        `${demoYear(today())}-06-03`,
        'the demo seed date, moved to this year (last year until 3 June)',
      );
      assert.equal(squash(await form.previous.innerText()), '28 470');
      assert.equal(squash(await form.consumption.innerText()), '0', 'nothing typed yet');

      // A plausible reading: 28600 − 28470, in the normal colour.
      await form.input.pressSequentially('28600');
      await waitForText(form.consumption, '130');
      assert.notEqual(await colorOf(form.consumption), DEBT_RGB, '130 kWh is not shown in red');

      // Below the last reading: the meter would have gone round, 100000 + 28000 − 28470, in red.
      await form.input.clear();
      await form.input.pressSequentially('28000');
      await waitForText(form.consumption, '99 530');
      assert.equal(await colorOf(form.consumption), DEBT_RGB, '99530 kWh is shown in red');

      // The server asks for confirmation.
      await Promise.all([page.waitForURL(/\/cabinet\/readings$/), form.submit.click()]);
      const warning = page.locator('section[aria-labelledby="confirm-title"]');
      assert.equal(
        squash(await warning.getByRole('heading', { level: 1 }).innerText()),
        'Показание введено некорректно!',
      );
      const paragraphs = (await warning.locator('p').allInnerTexts()).map(squash);
      for (const expected of [
        'Показание 28 000 меньше, чем Ваше прошлое принятое показание 28 470',
        'Расход составляет 99 530 кВтч',
      ]) {
        assert.ok(paragraphs.includes(expected), `"${expected}" in ${JSON.stringify(paragraphs)}`);
      }

      const dates = await aroundToday(() =>
        Promise.all([
          page.waitForURL(afterSubmission),
          warning.getByRole('button', { name: 'Принять показание', exact: true }).click(),
        ]).then(() => undefined),
      );

      // Back on the main page: the message and the history.
      const message = await resultMessage(page);
      assert.ok(
        dates.some((d) => message.startsWith(`Показание 28 000 от ${d} передано специалистам на проверку`)),
        `the review message for ${dates.join(' or ')}: ${message}`,
      );
      const rows = await historyRows(page);
      assert.ok(
        rows.some((r) => dates.includes(r[0]!) && r.slice(1).join('|') === '28 000|Интернет|на проверке'),
        `a row [today, 28 000, Интернет, на проверке] in ${JSON.stringify(rows)}`,
      );
    });
  });

  test('with JavaScript disabled a plain reading is shown with its consumption, then accepted', async (t) => {
    const baseUrl = suite.server().url;
    await runScenario(t, suite.browser(), { label: 'readings-nojs', jsEnabled: false }, async (page) => {
      await logInAsDemo(page, baseUrl);
      const form = await readingForm(page);
      const previous = Number(squash(await form.previous.innerText()).replace(/\s/g, ''));
      await form.input.fill('28480');
      // No live figure without a script: the server computes it on a confirmation step.
      await Promise.all([page.waitForURL(/\/cabinet\/readings$/), form.submit.click()]);
      const check = page.locator('section[aria-labelledby="confirm-title"]');
      assert.equal(squash(await check.getByRole('heading', { level: 1 }).innerText()), 'Проверьте показание');
      const paragraphs = (await check.locator('p').allInnerTexts()).map(squash);
      const kwh = formatInteger(28480 - previous).replace(/\s/g, ' ');
      assert.ok(paragraphs.includes(`Расход составляет ${kwh} кВтч`), JSON.stringify(paragraphs));
      const dates = await aroundToday(() =>
        Promise.all([
          page.waitForURL(afterSubmission),
          check.getByRole('button', { name: 'Передать показание', exact: true }).click(),
        ]).then(() => undefined),
      );
      const message = await resultMessage(page);
      assert.ok(
        dates.some((d) => message.startsWith(`Показание 28 480 от ${d} принято.`)),
        `the acceptance message for ${dates.join(' or ')}: ${message}`,
      );
      assert.match(
        message,
        /Оно будет учтено при расчёте за [а-яё]+ \d{4} г\.$/,
        'the billing month is named',
      );
      const rows = await historyRows(page);
      assert.ok(
        rows.some((r) => dates.includes(r[0]!) && r.slice(1).join('|') === '28 480|Интернет|принято'),
        `a row [today, 28 480, Интернет, принято] in ${JSON.stringify(rows)}`,
      );
    });
  });

  test('on a phone (360 × 800) the top comes first: both primary buttons on the first screen', async (t) => {
    const baseUrl = suite.server().url;
    const phone = { width: 360, height: 800 };
    await runScenario(
      t,
      suite.browser(),
      { label: 'main-phone', jsEnabled: true, viewport: phone },
      async (page) => {
        await logInAsDemo(page, baseUrl);
        // Earlier tests of this file add readings, and the demo's months after the manual's are
        // billed when it is run later in the year: the amount and its sign change, its words do not.
        const summary = page.getByRole('region', { name: 'Главное', exact: true });
        assert.match(
          squash(await summary.innerText()),
          /^Главное (Переплата [\d\s]+,\d\d ₽ — будет учтена в следующем счёте|К оплате [\d\s]+,\d\d ₽ до \d+ [а-я]+) /,
        );
        for (const name of ['Передать показания', 'Оплатить']) {
          const box = await summary.getByRole('link', { name, exact: true }).boundingBox();
          assert.ok(box, name);
          assert.ok(
            box.y >= 0 && box.y + box.height <= phone.height,
            `${name} on the first screen: ${JSON.stringify(box)}`,
          );
          assert.ok(
            box.height >= 44 && box.width >= 44,
            `${name}: a tap target of at least 44 px: ${JSON.stringify(box)}`,
          );
        }
        assert.equal(
          await page.evaluate(() => document.documentElement.scrollWidth),
          phone.width,
          'nothing wider than the phone',
        );
        // «Передать показания» brings the form's first field into view.
        await summary.getByRole('link', { name: 'Передать показания', exact: true }).click();
        await page.waitForURL(/#reading-form$/);
        const input = (await readingForm(page)).input;
        const field = await input.boundingBox();
        assert.ok(
          field && field.y >= 0 && field.y < phone.height,
          `the field in view: ${JSON.stringify(field)}`,
        );
      },
    );
  });

  test('a refused reading: the summary above the form has the focus, in view, and leads to the field', async (t) => {
    const baseUrl = suite.server().url;
    const options = { label: 'readings-refused', jsEnabled: false, isExpectedConsoleError: isRefusal };
    await runScenario(t, suite.browser(), options, async (page) => {
      await logInAsDemo(page, baseUrl);
      const form = await readingForm(page);
      await form.input.fill('28 47a');
      await Promise.all([page.waitForLoadState('load'), form.submit.click()]);
      const summary = page.locator('#reading-errors');
      await summary.waitFor();
      const focused = await page.evaluate(() => document.activeElement?.id);
      assert.equal(focused, 'reading-errors', 'the summary has the focus');
      const box = await summary.boundingBox();
      const viewport = page.viewportSize();
      assert.ok(
        box && viewport && box.y >= 0 && box.y < viewport.height,
        `the summary is in view: ${JSON.stringify(box)}`,
      );
      assert.match(
        squash(await summary.innerText()),
        /^Показание не передано Показание записывается только цифрами/,
      );
      // The message stays next to the field too, and the link leads to it.
      const field = (await readingForm(page)).input;
      assert.equal(await field.inputValue(), '28 47a', 'the typed value is kept');
      await summary.getByRole('link').click();
      assert.equal(await page.evaluate(() => location.hash), '#reading-v1');
    });
  });

  test('a double click on "Передать показание" stores the reading once', async (t) => {
    const baseUrl = suite.server().url;
    await runScenario(t, suite.browser(), { label: 'readings-dblclick', jsEnabled: true }, async (page) => {
      await logInAsDemo(page, baseUrl);
      const form = await readingForm(page);
      await form.input.pressSequentially('28490');
      await waitForText(
        form.consumption,
        formatInteger(28490 - Number(squash(await form.previous.innerText()).replace(/\s/g, ''))).replace(
          /\s/g,
          ' ',
        ),
      );

      let posts = 0;
      page.on('request', (r) => {
        if (r.method() === 'POST' && new URL(r.url()).pathname === '/cabinet/readings') {
          posts++;
        }
      });
      await Promise.all([page.waitForURL(afterSubmission), form.submit.dblclick()]);
      await page.waitForLoadState('load');
      const message = await resultMessage(page);
      assert.match(message, /Показание 28 490 от \d{4}-\d{2}-\d{2} принято\./);
      t.diagnostic(`POSTs sent by the double click: ${posts}; landed on ${new URL(page.url()).search}`);

      // Read the stored history afresh, not the page the double click landed on.
      await page.goto(`${baseUrl}/cabinet`);
      const rows = (await historyRows(page)).filter((r) => r[1] === '28 490');
      assert.equal(rows.length, 1, `exactly one 28490 in the history: ${JSON.stringify(rows)}`);
    });
  });
});
