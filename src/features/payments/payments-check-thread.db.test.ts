// The electronic check (a PNG) is rendered off the event loop (issue 20, fault 14): it costs 40-170
// ms of CPU, during which the server answered nothing else. The proof is where resvg, the
// rasteriser, gets loaded: in the check pool's worker thread, never in the server's own thread.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import { sandboxFixture } from './payments.fixture.db.test.ts';

const require = createRequire(import.meta.url);
const resvgLoadedHere = () => Object.keys(require.cache).some((file) => file.includes('@resvg'));

describe('the electronic check is rendered in a worker thread (sqlite)', () => {
  const f = sandboxFixture('sqlite');

  test('GET check.png answers the PNG without loading the rasteriser in the server thread', async () => {
    const agent = await f.customer();
    const { mdOrder } = await f.toBank(agent, '123');
    const { resultUrl } = await f.backToPortal(agent, await f.pay(agent, mdOrder, '4111111111111111'));
    assert.equal(resvgLoadedHere(), false, 'nothing before the check loaded resvg');
    const png = await agent.get(`${resultUrl}/check.png`);
    assert.equal(png.statusCode, 200);
    assert.equal(png.headers['content-type'], 'image/png');
    assert.deepEqual([...png.rawPayload.subarray(0, 8)], [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
    assert.ok(png.rawPayload.length > 5000, `${png.rawPayload.length} bytes`);
    assert.equal(resvgLoadedHere(), false, 'the check was rendered in the server thread');
  });
});
