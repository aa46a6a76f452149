import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import zlib from 'node:zlib';
import type { LightMyRequestResponse } from 'fastify';
import { assetPath } from '../assets.ts';
import { COMPRESS_THRESHOLD } from './compression.ts';
import { Agent, createTestApp, testDialects, type TestApp } from '../../../test/helpers.ts';
import { DEMO_ACCOUNT } from '../../tools/demo/demo-account.ts';

const DECODE: Record<string, (b: Buffer) => Buffer> = {
  br: (b) => zlib.brotliDecompressSync(b),
  gzip: (b) => zlib.gunzipSync(b),
};

/**
 * The forms' hidden tokens (CSRF, the reading's idempotency key) are new on every response: the
 * only parts in which two renderings of a page differ.
 */
const sameTokens = (html: string) =>
  html.replace(/(<input type="hidden" name="[^"]+" value=")[^"]*"/g, '$1"');

function decoded(res: LightMyRequestResponse, encoding: string): string {
  assert.equal(res.statusCode, 200);
  assert.equal(res.headers['content-encoding'], encoding);
  assert.match(String(res.headers.vary), /accept-encoding/i);
  return DECODE[encoding]!(res.rawPayload).toString('utf8');
}

for (const dialect of await testDialects()) {
  describe(`compressed responses (${dialect})`, () => {
    let t: TestApp;
    let agent: Agent;
    before(async () => {
      t = await createTestApp(dialect);
      agent = new Agent(t.app);
      assert.equal((await agent.login(DEMO_ACCOUNT.number, DEMO_ACCOUNT.surname)).statusCode, 303);
    });
    after(async () => t.close());

    test('pages over 1 KB come compressed with brotli or gzip, and decompress to the same HTML', async () => {
      // The login page (about 3 KB) and the customer's main page (about 25 KB): on two cores or more
      // the library compresses the first in one go and streams the second.
      const login = await t.app.inject({ url: '/cabinet' });
      const main = await agent.get('/cabinet');
      for (const [page, get] of [
        [login, (h: Record<string, string>) => t.app.inject({ url: '/cabinet', headers: h })],
        [main, (h: Record<string, string>) => agent.get('/cabinet', h)],
      ] as const) {
        assert.equal(page.statusCode, 200);
        assert.equal(page.headers['content-encoding'], undefined, 'nothing asked for it');
        assert.ok(page.rawPayload.length > COMPRESS_THRESHOLD);
        for (const encoding of ['br', 'gzip']) {
          const res = await get({ 'accept-encoding': `${encoding}, identity` });
          assert.ok(res.rawPayload.length < page.rawPayload.length / 2, `${encoding} saves most bytes`);
          assert.equal(sameTokens(decoded(res, encoding)), sameTokens(page.body));
        }
      }
      const both = await agent.get('/cabinet', { 'accept-encoding': 'gzip, deflate, br' });
      assert.equal(both.headers['content-encoding'], 'br', 'brotli when the browser takes both');
    });

    test('the built stylesheet comes compressed, and stays immutable', async () => {
      const url = assetPath('css/site.css');
      const plain = await t.app.inject({ url });
      for (const encoding of ['br', 'gzip']) {
        const res = await t.app.inject({ url, headers: { 'accept-encoding': encoding } });
        assert.equal(decoded(res, encoding), plain.body);
        assert.equal(res.headers['cache-control'], 'public, max-age=31536000, immutable');
      }
    });

    test('small responses and PDFs go as they are', async () => {
      const headers = { 'accept-encoding': 'br, gzip' };
      const health = await t.app.inject({ url: '/healthz', headers });
      assert.equal(health.statusCode, 200);
      assert.ok(health.rawPayload.length < COMPRESS_THRESHOLD);
      assert.equal(health.headers['content-encoding'], undefined);
      assert.deepEqual(health.json(), { status: 'ok' });

      const pdf = await agent.get('/cabinet/bills/2026-02.pdf', headers);
      assert.equal(pdf.statusCode, 200);
      assert.ok(pdf.rawPayload.length > COMPRESS_THRESHOLD);
      assert.equal(pdf.headers['content-encoding'], undefined);
      assert.equal(pdf.rawPayload.subarray(0, 5).toString('latin1'), '%PDF-');
    });
  });
}
