import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseTrustProxy } from './trust-proxy.ts';

test('TRUST_PROXY: none, the nearest hops, or proxy addresses; never every entry', () => {
  assert.equal(parseTrustProxy('false'), false);
  assert.equal(parseTrustProxy('0'), false);
  assert.equal(parseTrustProxy('true'), 1, '"true" is the one proxy in front, not all of them');
  assert.equal(parseTrustProxy('2'), 2);
  assert.deepEqual(parseTrustProxy('127.0.0.1, 10.0.0.0/8,::1,fd00::/8,loopback'), [
    '127.0.0.1',
    '10.0.0.0/8',
    '::1',
    'fd00::/8',
    'loopback',
  ]);
  for (const bad of ['all', 'yes', '10.0.0.0/33', '::/129', '1.2.3', '10.0.0.1/8/1', 'localhost', '11']) {
    assert.throws(() => parseTrustProxy(bad), /TRUST_PROXY/, bad);
  }
});
