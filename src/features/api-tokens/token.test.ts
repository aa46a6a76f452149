// The token's form and the form's rules, without a database.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { newApiToken, parseScopes, TOKEN_PATTERN } from './token.ts';
import { validateTokenForm } from './api-tokens.service.ts';

test('a token is lk_ and 256 random bits in base64url, never the same twice', () => {
  const seen = new Set<string>();
  for (let i = 0; i < 2000; i++) {
    const t = newApiToken();
    assert.match(t, TOKEN_PATTERN);
    assert.equal(Buffer.from(t.slice(3), 'base64url').length, 32);
    seen.add(t);
  }
  assert.equal(seen.size, 2000);
});

test('scopes: only the two known words survive a stored value', () => {
  assert.deepEqual([...parseScopes('read,readings:write')], ['read', 'readings:write']);
  assert.deepEqual([...parseScopes('read,admin,,readings:write ')], ['read']);
});

test('the name: trimmed, 1 to 100 characters (code points), no control characters', () => {
  const ok = (name: string) => validateTokenForm({ name, readingsWrite: false, days: '30' }).errors.name;
  assert.equal(ok('  HA  '), undefined);
  assert.equal(validateTokenForm({ name: '  HA  ', readingsWrite: false, days: '30' }).name, 'HA');
  assert.equal(ok('я'.repeat(100)), undefined);
  assert.equal(ok('🏠'.repeat(100)), undefined);
  assert.match(ok('я'.repeat(101)) ?? '', /не длиннее 100/);
  assert.match(ok('') ?? '', /Укажите название/);
  assert.match(ok('a\u0000b') ?? '', /управляющие/);
  assert.match(ok('a\tb') ?? '', /управляющие/);
});

test('the expiry: 30, 90, 180 or 365 days, nothing else', () => {
  const days = (d: string) => validateTokenForm({ name: 'x', readingsWrite: false, days: d });
  for (const d of ['30', '90', '180', '365', ' 365 ']) {
    assert.equal(days(d).errors.days, undefined, d);
  }
  assert.equal(days('365').days, 365);
  for (const d of ['', '0', '31', '366', '730', '3650', '-30', '30.0', '1e2', 'год']) {
    assert.match(days(d).errors.days ?? '', /Больше года токен не действует/, d);
  }
});
