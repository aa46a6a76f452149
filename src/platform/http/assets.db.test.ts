import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { ASSETS_DIR, assetManifest, assetPath } from '../assets.ts';
import { createTestApp, testDialects, type TestApp } from '../../../test/helpers.ts';

const IMMUTABLE = 'public, max-age=31536000, immutable';
const TYPES: Record<string, RegExp> = {
  '.css': /^text\/css; charset=utf-8$/i,
  '.js': /^application\/javascript; charset=utf-8$/i,
  '.png': /^image\/png$/,
};

for (const dialect of await testDialects()) {
  describe(`browser assets (${dialect})`, () => {
    let t: TestApp;
    before(async () => {
      t = await createTestApp(dialect, { demo: false });
    });
    after(async () => t.close());

    test('every built file is served by its hashed URL, immutable, with its type and bytes', async () => {
      const urls = [...assetManifest().values()];
      // Leaflet's stylesheet names its images relative to itself, under the same hashed folder.
      const leafletDir = path.posix.dirname(assetPath('vendor/leaflet/leaflet.css'));
      urls.push(`${leafletDir}/images/marker-icon.png`);
      for (const url of urls) {
        const res = await t.app.inject({ url });
        assert.equal(res.statusCode, 200, url);
        assert.equal(res.headers['cache-control'], IMMUTABLE, url);
        assert.match(String(res.headers['content-type']), TYPES[path.extname(url)]!, url);
        assert.ok(res.rawPayload.equals(fs.readFileSync(path.join(ASSETS_DIR, '..', url))), url);
      }
    });

    test('an unknown asset is a 404 that nobody caches for a year', async () => {
      const site = assetPath('css/site.css');
      for (const url of [
        site.replace(/-[A-Z0-9]{8}\.css$/, '-AAAAAAAA.css'),
        '/assets/css/site.css',
        '/assets/no-such.js',
        '/assets/',
        // The manifest lies beside the served folder, not in it.
        '/assets/../assets-manifest.json',
        '/assets/%2e%2e/assets-manifest.json',
      ]) {
        const res = await t.app.inject({ url });
        assert.equal(res.statusCode, 404, url);
        assert.doesNotMatch(String(res.headers['cache-control'] ?? ''), /immutable|max-age=31536000/, url);
      }
    });

    test('the icon keeps its fixed URL with a short lifetime; unhashed bundles are gone', async () => {
      const icon = await t.app.inject({ url: '/static/favicon.svg' });
      assert.equal(icon.statusCode, 200);
      assert.doesNotMatch(String(icon.headers['cache-control']), /immutable/);
      for (const url of ['/assets/reading-form.js', '/static/vendor/leaflet/leaflet.js']) {
        assert.equal((await t.app.inject({ url })).statusCode, 404, url);
      }
    });
  });
}
