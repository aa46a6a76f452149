import { test } from 'node:test';
import assert from 'node:assert/strict';
import { verificationStatus } from './verification.ts';
import { addDays } from './dates.ts';

const today = '2026-06-10';

test('91 days before the end: no warning', () => {
  assert.equal(verificationStatus(addDays(today, 91), today).state, 'valid');
});

test('90 and 89 days before the end: warned ("within 90 days")', () => {
  assert.deepEqual(verificationStatus(addDays(today, 90), today), {
    state: 'due_soon',
    due: '2026-09-08',
    daysLeft: 90,
  });
  assert.equal(verificationStatus(addDays(today, 89), today).state, 'due_soon');
  assert.equal(verificationStatus(addDays(today, 1), today).state, 'due_soon');
});

test('on the due date and after it: expired ("наступила")', () => {
  assert.equal(verificationStatus(today, today).state, 'expired');
  assert.equal(verificationStatus('2025-07-23', today).state, 'expired');
});

test('day counts cross month, year and leap-day boundaries', () => {
  assert.equal(verificationStatus('2028-03-01', '2027-12-02').daysLeft, 90); // 2028 is a leap year
  assert.equal(verificationStatus('2027-03-01', '2026-12-01').daysLeft, 90);
});
