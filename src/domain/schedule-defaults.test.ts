import { test } from 'node:test';
import assert from 'node:assert/strict';
import { DEFAULT_READINGS_LAST_DAY } from './readings.ts';
import { DEFAULT_MONTH_SCHEDULE, paymentDueDate, readingsWindow, windowRu } from './schedule.ts';

test('by default readings are asked for from the 15th to the 25th, and a bill is due on the 10th', () => {
  const s = DEFAULT_MONTH_SCHEDULE;
  assert.equal(s.readingsLastDay, DEFAULT_READINGS_LAST_DAY);
  const w = readingsWindow('2026-06-20', s.readingsFirstDay, s.readingsLastDay);
  assert.equal(windowRu(w), 'с 15 по 25 июня');
  assert.equal(paymentDueDate('2026-06', s.paymentDueDay), '2026-07-10');
});
