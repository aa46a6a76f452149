// End-to-end: the offices page in Chromium (see support.ts). The map is an enhancement: drawn
// only while the browser is online and OpenStreetMap's tile server answers; the list of offices
// is always there. The tile server is played by the test (page.route): this machine has no
// internet, and the test must not depend on it.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { ConsoleMessage, Page } from 'playwright-core';
import { browserSuite, runScenario, SKIP, squash } from './support.ts';

const TILES = 'https://tile.openstreetmap.org/**';
/** A 1×1 transparent PNG: what the stand-in tile server answers. */
const PNG = Buffer.from(
  'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAQAAAC1HAwCAAAAC0lEQVR42mNkYAAAAAYAAjCB0C8AAAAASUVORK5CYII=',
  'base64',
);

/** Chromium logs a failed tile request as a console error: expected when the tile server is away. */
function isTileError(msg: ConsoleMessage): boolean {
  return (
    /^https:\/\/tile\.openstreetmap\.org\//.test(msg.location().url) ||
    /ERR_FAILED|ERR_INTERNET_DISCONNECTED/.test(msg.text())
  );
}

/** The offices listed on the page: name, and whether they carry coordinates for the map. */
async function listedOffices(page: Page): Promise<Array<{ name: string; located: boolean }>> {
  const items = page.locator('#offices-list li.office');
  const out: Array<{ name: string; located: boolean }> = [];
  for (const li of await items.all()) {
    const text = squash(await li.innerText());
    assert.match(
      text,
      /Адрес .+ Телефоны .+ Часы работы .+/,
      `an office reads as address, phones and hours: ${text}`,
    );
    out.push({
      name: squash(await li.locator('h2').innerText()),
      located: (await li.getAttribute('data-lat')) !== null,
    });
  }
  return out;
}

describe('the offices page: a map when online, the list always', { skip: SKIP }, () => {
  const suite = browserSuite();

  test('online with the tile server answering: a marker per office above the full list', async (t) => {
    await runScenario(
      t,
      suite.browser(),
      { label: 'offices-online', jsEnabled: true },
      async (page, context) => {
        let tiles = 0;
        await context.route(TILES, (route) => {
          tiles++;
          return route.fulfill({ status: 200, contentType: 'image/png', body: PNG });
        });
        await page.goto(`${suite.server().url}/offices`);
        const offices = await listedOffices(page);
        assert.ok(offices.length >= 2, `the demo has several offices, listed: ${offices.length}`);
        const map = page.getByRole('region', { name: 'Карта офисов' });
        await map.waitFor({ state: 'visible' });
        const markers = page.locator('#offices-map .leaflet-marker-icon');
        await markers.first().waitFor();
        assert.equal(
          await markers.count(),
          offices.filter((o) => o.located).length,
          'one marker per located office',
        );
        assert.ok(tiles > 1, `tiles were asked for (${tiles})`);
        // The marker's title names its office.
        const titles = await markers.evaluateAll((els) => els.map((e) => e.getAttribute('title')));
        assert.deepEqual(
          [...titles].sort(),
          offices
            .filter((o) => o.located)
            .map((o) => o.name)
            .sort(),
        );

        // Going offline hides the map; the list stays.
        await context.setOffline(true);
        await map.waitFor({ state: 'hidden' });
        assert.equal((await listedOffices(page)).length, offices.length);
      },
    );
  });

  test('tile server unreachable: no map box at all, the list readable', async (t) => {
    await runScenario(
      t,
      suite.browser(),
      { label: 'offices-no-tiles', jsEnabled: true, isExpectedConsoleError: isTileError },
      async (page, context) => {
        let probed = false;
        await context.route(TILES, (route) => {
          probed = true;
          return route.abort('internetdisconnected');
        });
        await page.goto(`${suite.server().url}/offices`);
        await page.waitForLoadState('load');
        // The script asks for one tile after "load"; it fails, and the map is not drawn.
        for (let i = 0; i < 50 && !probed; i++) {
          await page.waitForTimeout(100);
        }
        assert.ok(probed, 'the page asked the tile server');
        await page.waitForTimeout(300);
        assert.equal(await page.locator('#offices-map').isHidden(), true, 'the map box stays hidden');
        assert.equal(await page.locator('#offices-map .leaflet-marker-icon').count(), 0);
        assert.ok((await listedOffices(page)).length >= 2);
      },
    );
  });

  test('without JavaScript: the list alone', async (t) => {
    await runScenario(t, suite.browser(), { label: 'offices-nojs', jsEnabled: false }, async (page) => {
      await page.goto(`${suite.server().url}/offices`);
      assert.equal(await page.locator('#offices-map').isHidden(), true);
      assert.ok((await listedOffices(page)).length >= 2);
    });
  });
});
