import { test } from 'node:test';
import assert from 'node:assert/strict';
import { assessLogin, clientKey, type Attempt } from './login-throttle.ts';

const MIN = 60_000;
const LIMITS = { maxFailures: 5, addressMaxFailures: 10, accountMaxFailures: 20, windowMs: 15 * MIN };
const NOW = 1_000 * MIN;
const ME = { client: clientKey('aaaa', '10.0.0.1'), ip: '10.0.0.1' };

/** `n` failures a minute apart, the newest `ageMin` minutes ago, newest first. */
function failures(n: number, who: { client: string | null; ip: string }, ageMin = 1): Attempt[] {
  return Array.from({ length: n }, (_, i) => ({ at: NOW - (ageMin + i) * MIN, success: false, ...who }));
}

test('a client key is the browser when it has one, else the address', () => {
  assert.equal(clientKey('abc', '10.0.0.1'), 'b:abc');
  assert.equal(clientKey(undefined, '10.0.0.1'), 'ip:10.0.0.1');
  assert.equal(clientKey('', '10.0.0.1'), 'ip:10.0.0.1');
});

test('each scope locks at its own limit, and the fewest failures left are reported', () => {
  assert.deepEqual(assessLogin([], ME, LIMITS, NOW), { lockedBy: [], retryAt: 0, left: 5 });
  const four = assessLogin(failures(4, ME), ME, LIMITS, NOW);
  assert.deepEqual(four, { lockedBy: [], retryAt: 0, left: 1 });
  const five = assessLogin(failures(5, ME), ME, LIMITS, NOW);
  assert.deepEqual(five.lockedBy, ['browser']);
  assert.equal(five.left, 0);
  // The oldest of the five (5 minutes ago) leaves the 15-minute window in 10 minutes.
  assert.equal(five.retryAt, NOW + 10 * MIN);

  // Another browser at the same address: the address has 9 failures, so 1 left, not 5.
  const neighbour = { client: clientKey('bbbb', ME.ip), ip: ME.ip };
  assert.deepEqual(assessLogin(failures(9, ME), neighbour, LIMITS, NOW), {
    lockedBy: [],
    retryAt: 0,
    left: 1,
  });
  assert.deepEqual(assessLogin(failures(10, ME), neighbour, LIMITS, NOW).lockedBy, ['address']);

  // Elsewhere: only the account's 20 count, and 16 of them leave 4, fewer than a fresh browser's 5.
  const elsewhere = { client: clientKey('cccc', '10.9.9.9'), ip: '10.9.9.9' };
  assert.equal(assessLogin(failures(10, ME), elsewhere, LIMITS, NOW).left, 5);
  const many = Array.from({ length: 20 }, (_, i) => ({
    at: NOW - (i + 1) * 10_000,
    success: false,
    client: clientKey(`x${i}`, `10.1.0.${i}`),
    ip: `10.1.0.${i}`,
  }));
  assert.equal(assessLogin(many.slice(0, 16), elsewhere, LIMITS, NOW).left, 4);
  const all = assessLogin(many, elsewhere, LIMITS, NOW);
  assert.deepEqual(all.lockedBy, ['account']);
  assert.equal(all.retryAt, NOW - 20 * 10_000 + 15 * MIN);
});

test('failures older than the window do not count; one just inside does', () => {
  const old = [...failures(4, ME), { at: NOW - 15 * MIN, success: false, ...ME }];
  assert.equal(assessLogin(old, ME, LIMITS, NOW).left, 1);
  const inside = [...failures(4, ME), { at: NOW - 15 * MIN + 1, success: false, ...ME }];
  assert.deepEqual(assessLogin(inside, ME, LIMITS, NOW).lockedBy, ['browser']);
});

test("a success resets its own scopes only: the holder's login does not free a stranger's browser", () => {
  const stranger = ME;
  const holder = { client: clientKey('hhhh', '10.2.0.1'), ip: '10.2.0.1' };
  const attempts: Attempt[] = [{ at: NOW - 30_000, success: true, ...holder }, ...failures(5, stranger)];
  assert.deepEqual(assessLogin(attempts, stranger, LIMITS, NOW).lockedBy, ['browser']);
  assert.equal(assessLogin(attempts, holder, LIMITS, NOW).left, 5);
  // The stranger's own success (it was the holder after all) frees the browser.
  const own: Attempt[] = [{ at: NOW - 30_000, success: true, ...stranger }, ...failures(5, stranger)];
  assert.deepEqual(assessLogin(own, stranger, LIMITS, NOW), { lockedBy: [], retryAt: 0, left: 5 });
});

test('rows from before browsers were recorded count for the address and the account', () => {
  const legacy = failures(10, { client: null, ip: ME.ip });
  const r = assessLogin(legacy, ME, LIMITS, NOW);
  assert.deepEqual(r.lockedBy, ['address']);
});

test('several scopes locked: retry when the last of them allows', () => {
  // 10 failures from this browser (the address's limit too): the address frees when its 10th
  // newest (10 minutes old) leaves the window, the browser later, when its 5th newest does.
  const r = assessLogin(failures(10, ME), ME, LIMITS, NOW);
  assert.deepEqual(r.lockedBy, ['browser', 'address']);
  assert.equal(r.retryAt, NOW - 5 * MIN + 15 * MIN);
});
