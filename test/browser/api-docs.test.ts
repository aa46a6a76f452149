// End-to-end: the open API's documentation, Swagger UI at /api/docs (src/pages/api), in
// Chromium under the site's own strict CSP: it draws every operation of the OpenAPI document
// with no CSP violation, console error or uncaught exception (runScenario checks), from files the
// server serves itself.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { browserSuite, runScenario, SKIP } from './support.ts';

describe('the API documentation page', { skip: SKIP }, () => {
  const suite = browserSuite();

  test('Swagger UI shows the /api/v1 operations under the strict CSP, loading nothing from elsewhere', async (t) => {
    await runScenario(t, suite.browser(), { label: 'api-docs', jsEnabled: true }, async (page) => {
      const base = suite.server().url;
      const requested: string[] = [];
      page.on('request', (r) => requested.push(r.url()));
      const res = await page.goto(`${base}/api/docs`);
      assert.equal(res?.status(), 200);
      assert.match(String(res?.headers()['content-security-policy']), /script-src 'self';/);
      await page.locator('.opblock-summary-path', { hasText: '/api/v1/accounts/{number}/balance' }).waitFor();
      const paths = await page.locator('.opblock-summary-path').allInnerTexts();
      assert.ok(
        paths.some((p) => p.includes('/api/v1/accounts/{number}/readings')),
        paths.join(', '),
      );
      assert.ok(!paths.some((p) => p.includes('/cabinet')), 'no HTML page in the document');
      // The server's own origins: the address the test started it on, and its canonical host.
      const own = new Set([new URL(base).origin, new URL(page.url()).origin]);
      assert.ok(requested.some((u) => u.endsWith('/api/docs/json')));
      assert.deepEqual(
        requested.filter((u) => !u.startsWith('data:') && !own.has(new URL(u).origin)),
        [],
      );
    });
  });
});
