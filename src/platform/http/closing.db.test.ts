import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import type { AddressInfo } from 'node:net';
import { Type } from 'typebox';
import { buildApp } from '../../app/app.ts';
import { ManualClock } from '../clock.ts';
import { createTestApp, testConfig, testDialects, TEST_NOW, testLogging } from '../../../test/helpers.ts';
import { createTestDb } from '../../../test/db.ts';
import type { Dialect } from '../db/connect.ts';

interface RawResponse {
  status: number;
  headers: Record<string, string>;
  body: string;
}

/** Splits what a server wrote on one connection into its responses (bodies sized by Content-Length). */
function responses(raw: string): RawResponse[] {
  const out: RawResponse[] = [];
  let rest = raw;
  while (rest.startsWith('HTTP/1.1 ')) {
    const end = rest.indexOf('\r\n\r\n');
    const [statusLine = '', ...lines] = rest.slice(0, end).split('\r\n');
    const headers: Record<string, string> = {};
    for (const line of lines) {
      const colon = line.indexOf(':');
      headers[line.slice(0, colon).toLowerCase()] = line.slice(colon + 1).trim();
    }
    const length = Number(headers['content-length'] ?? 0);
    const bodyBytes = Buffer.from(rest.slice(end + 4), 'utf8').subarray(0, length);
    const body = bodyBytes.toString('utf8');
    out.push({ status: Number(statusLine.split(' ')[1]), headers, body });
    rest = rest.slice(end + 4 + body.length);
  }
  return out;
}

/**
 * The answer to `request` (raw HTTP) when it arrives on a keep-alive connection while the server
 * closes: a first request is still being handled then, so the connection stays open.
 */
async function answerDuringShutdown(dialect: Dialect, request: string): Promise<RawResponse> {
  const t = await createTestDb(dialect);
  const app = await buildApp({
    config: testConfig(),
    db: t.db,
    clock: new ManualClock(TEST_NOW),
    ...testLogging(),
  });
  let release = () => {};
  let arrived = () => {};
  const slowArrived = new Promise<void>((resolve) => (arrived = resolve));
  app.get('/test-slow', { schema: { response: { 200: Type.String() } } }, async () => {
    arrived();
    await new Promise<void>((resolve) => (release = resolve));
    return 'done';
  });
  try {
    await app.listen({ port: 0, host: '127.0.0.1' });
    const { port } = app.server.address() as AddressInfo;
    const socket = net.connect(port, '127.0.0.1');
    let raw = '';
    let received = () => {};
    socket.setEncoding('utf8');
    socket.on('data', (chunk: string) => {
      raw += chunk;
      if (responses(raw).length === 2) {
        received();
      }
    });
    const both = new Promise<void>((resolve) => (received = resolve));
    socket.write('GET /test-slow HTTP/1.1\r\nHost: localhost\r\n\r\n');
    await slowArrived;
    const closed = app.close();
    await new Promise((r) => setImmediate(r));
    const second = new Promise<void>((resolve) => app.server.once('request', () => resolve()));
    socket.write(request);
    await second;
    release();
    await both;
    socket.destroy();
    await closed;
    const [slow, answer] = responses(raw);
    assert.equal(slow?.status, 200);
    assert.ok(answer, raw);
    return answer;
  } finally {
    await app.close();
    await t.drop();
  }
}

for (const dialect of await testDialects()) {
  describe(`answers while the server closes (${dialect})`, () => {
    test('a request that arrives during the shutdown is served, with Connection: close and the security headers', async () => {
      const page = await answerDuringShutdown(
        dialect,
        'GET / HTTP/1.1\r\nHost: localhost:3000\r\nAccept: text/html\r\n\r\n',
      );
      assert.equal(page.status, 200);
      assert.equal(page.headers['connection'], 'close');
      assert.match(page.headers['content-security-policy'] ?? '', /default-src 'self'/);
      assert.equal(page.headers['x-frame-options'], 'DENY');
      assert.equal(page.headers['x-content-type-options'], 'nosniff');
      assert.match(page.headers['content-type'] ?? '', /^text\/html/);
    });

    test('draining: GET gets 503 with Retry-After, a POST is served, and it ends soon after that 503', async () => {
      const made = await createTestApp(dialect, { demo: false });
      const app = made.app;
      try {
        const began = Date.now();
        let over = false;
        const drained = app.drain(20_000).then(() => (over = true));
        const post = await app.inject({
          method: 'POST',
          url: '/login',
          headers: { 'content-type': 'application/x-www-form-urlencoded' },
          payload: 'account=&surname=',
        });
        assert.ok(post.statusCode < 500, `a POST is served, not refused: ${post.statusCode}`);
        assert.equal(post.headers['connection'], 'close');
        const ready = await app.inject({ url: '/readyz' });
        assert.equal(ready.statusCode, 503, ready.body);
        await new Promise((r) => setTimeout(r, 400));
        assert.equal(over, false, 'the drain waits for a GET that nginx can pass on');
        const page = await app.inject({ url: '/', headers: { accept: 'text/html', host: 'localhost:3000' } });
        assert.equal(page.statusCode, 503);
        assert.equal(page.headers['retry-after'], '5');
        assert.equal(page.headers['connection'], 'close');
        assert.match(page.headers['content-security-policy'] as string, /default-src 'self'/);
        assert.match(page.body, /Сервис временно недоступен/);
        await drained;
        assert.ok(Date.now() - began < 10_000, 'ended after the 503, not at its limit');
      } finally {
        await made.close();
      }
    });

    test('with no drain (SHUTDOWN_DRAIN_MS=0) it ends at once and GET is served', async () => {
      const made = await createTestApp(dialect, { demo: false });
      const app = made.app;
      try {
        await app.drain(0);
        const page = await app.inject({ url: '/', headers: { accept: 'text/html', host: 'localhost:3000' } });
        assert.equal(page.statusCode, 200);
        const ready = await app.inject({ url: '/readyz' });
        assert.equal(ready.statusCode, 200, ready.body);
      } finally {
        await made.close();
      }
    });

    test('/readyz says that the instance is shutting down', async () => {
      const ready = await answerDuringShutdown(dialect, 'GET /readyz HTTP/1.1\r\nHost: localhost\r\n\r\n');
      assert.equal(ready.status, 503);
      assert.equal(ready.headers['retry-after'], '5');
      assert.equal(ready.headers['x-content-type-options'], 'nosniff');
      assert.deepEqual(JSON.parse(ready.body), {
        status: 'unavailable',
        checks: { database: 'ok', migrations: 'ok', shutdown: 'failing', load: 'ok' },
      });
    });
  });
}
