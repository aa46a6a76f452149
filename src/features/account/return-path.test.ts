import { test } from 'node:test';
import assert from 'node:assert/strict';
import { loginAddressFor, RETURN_PATH_MAX, safeReturnPath } from './return-path.ts';

test('a page of the cabinet is a return address, with its query', () => {
  for (const path of [
    '/cabinet/bills/2026-05.pdf',
    '/cabinet/bills/2026-05.pdf?download=1',
    '/cabinet/history/charges',
    '/cabinet/slip',
    '/cabinet/payment/result?orderId=a1b2-c3&x=%20',
  ]) {
    assert.equal(safeReturnPath(path), path, path);
  }
});

test('nothing else is: other sites, other paths, tricks with slashes and dots', () => {
  for (const path of [
    undefined,
    '',
    '/cabinet', // the login page's own destination: nothing to carry
    '//evil.example/cabinet',
    'https://evil.example/cabinet/x',
    '/cabinet//evil.example',
    '/\\evil.example',
    '/cabinet\\..\\x',
    '/cabinet/../logout',
    '/cabinet/./x',
    '/cabinet/.hidden',
    '/cabinetx',
    '/cabinet.evil.example',
    '/offices',
    '/cabinet/%2F%2Fevil.example',
    '/cabinet/x?next=//evil.example',
    '/cabinet/x#top',
    '/cabinet/x y',
    '/cabinet/\nSet-Cookie:x',
    `/cabinet/${'a'.repeat(RETURN_PATH_MAX)}`,
  ]) {
    assert.equal(safeReturnPath(path), undefined, String(path));
  }
});

test('the login address carries the return address encoded, or none', () => {
  assert.equal(
    loginAddressFor('/cabinet/bills/2026-05.pdf?download=1'),
    '/cabinet?next=%2Fcabinet%2Fbills%2F2026-05.pdf%3Fdownload%3D1',
  );
  assert.equal(loginAddressFor('//evil.example'), '/cabinet');
  assert.equal(loginAddressFor('/cabinet'), '/cabinet');
});
