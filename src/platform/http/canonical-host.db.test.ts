import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createTestApp, testDialects, type TestApp } from '../../../test/helpers.ts';
import { listenText } from './canonical-host.ts';

// PUBLIC_URL is http://localhost:3000 in the tests; the server's socket is 127.0.0.1:3000.
const HTML = 'text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8';

async function open(
  t: TestApp,
  url: string,
  headers: Record<string, string>,
  method: 'GET' | 'POST' = 'GET',
) {
  return t.app.inject({ method, url, headers, remoteAddress: '127.0.0.1' });
}

for (const dialect of await testDialects()) {
  describe(`pages only at PUBLIC_URL's host (${dialect})`, () => {
    let t: TestApp;
    let off: TestApp;
    let proxied: TestApp;
    before(async () => {
      t = await createTestApp(dialect, { demo: false });
      off = await createTestApp(dialect, { demo: false, env: { HOST_REDIRECT: 'false' } });
      proxied = await createTestApp(dialect, { demo: false, env: { TRUST_PROXY: '1' } });
    });
    after(async () => {
      await t.close();
      await off.close();
      await proxied.close();
    });

    test('a page opened at 127.0.0.1 goes to the same path and query at PUBLIC_URL, with no cookie', async () => {
      const res = await open(t, '/cabinet?mail=sent#x', { host: '127.0.0.1:3000', accept: HTML });
      assert.equal(res.statusCode, 307);
      assert.equal(res.headers.location, 'http://localhost:3000/cabinet?mail=sent');
      assert.equal(res.cookies.length, 0, 'no session or CSRF cookie for the wrong host');
      assert.match(String(res.headers['content-security-policy']), /form-action/);
      const head = await t.app.inject({
        method: 'HEAD',
        url: '/',
        headers: { host: '127.0.0.1:3000', accept: HTML },
      });
      assert.equal(head.statusCode, 307);
      assert.equal(head.headers.location, 'http://localhost:3000/');
    });

    test('a path that looks like another site stays on PUBLIC_URL', async () => {
      const res = await open(t, '//evil.example/x', { host: 'evil.example', accept: HTML });
      assert.equal(res.statusCode, 307);
      assert.ok(String(res.headers.location).startsWith('http://localhost:3000/'), res.headers.location);
    });

    test('at PUBLIC_URL itself the page is served', async () => {
      const res = await open(t, '/cabinet', { host: 'localhost:3000', accept: HTML });
      assert.equal(res.statusCode, 200);
      assert.equal((await open(t, '/cabinet', { host: 'LOCALHOST:3000', accept: HTML })).statusCode, 200);
    });

    test('probes, posts and requests for something else than a page answer at any host', async () => {
      for (const url of ['/healthz', '/ping']) {
        const res = await open(t, url, { host: '127.0.0.1:3000', accept: HTML });
        assert.equal(res.statusCode, 200, url);
      }
      // The bank's server-to-server notification is a GET that asks for no page.
      const callback = await open(t, '/payments/callback?mdOrder=x', { host: '10.0.0.5:3000' });
      assert.notEqual(callback.statusCode, 307);
      const post = await open(t, '/login', { host: '127.0.0.1:3000', accept: HTML }, 'POST');
      assert.notEqual(post.statusCode, 307);
    });

    test('HOST_REDIRECT=false serves the page at any host', async () => {
      const res = await open(off, '/cabinet', { host: '127.0.0.1:3000', accept: HTML });
      assert.equal(res.statusCode, 200);
    });

    test('behind a trusted proxy the host compared is the one it forwards', async () => {
      // nginx talks to the instance at its own upstream address and forwards the customer's host.
      const viaProxy = (forwarded: string) =>
        open(proxied, '/cabinet', {
          host: '10.0.0.5:4601',
          'x-forwarded-host': forwarded,
          'x-forwarded-for': '203.0.113.7',
          accept: HTML,
        });
      assert.equal((await viaProxy('localhost:3000')).statusCode, 200);
      const wrong = await viaProxy('127.0.0.1:3000');
      assert.equal(wrong.statusCode, 307);
      assert.equal(wrong.headers.location, 'http://localhost:3000/cabinet');
    });
  });
}

test("the server's start message names PUBLIC_URL, not the socket's address as a link", () => {
  const text = listenText('https://lk.example.ru')('http://127.0.0.1:3000');
  assert.match(text, /https:\/\/lk\.example\.ru/);
  assert.doesNotMatch(text, /http:\/\/127\.0\.0\.1/);
});
