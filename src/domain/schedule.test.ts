import { test } from 'node:test';
import assert from 'node:assert/strict';
import { dayMonthRu, paymentDueDate, readingsWindow, windowRu } from './schedule.ts';

test('the readings window: soon before its first day, open through its last, then next month’s', () => {
  const w = (today: string) => readingsWindow(today, 15, 25);
  assert.deepEqual(w('2026-12-01'), {
    state: 'soon',
    from: '2026-12-15',
    to: '2026-12-25',
    period: '2026-12',
  });
  assert.deepEqual(w('2026-12-14'), {
    state: 'soon',
    from: '2026-12-15',
    to: '2026-12-25',
    period: '2026-12',
  });
  assert.deepEqual(w('2026-12-15'), {
    state: 'open',
    from: '2026-12-15',
    to: '2026-12-25',
    period: '2026-12',
  });
  assert.deepEqual(w('2026-12-25'), {
    state: 'open',
    from: '2026-12-15',
    to: '2026-12-25',
    period: '2026-12',
  });
  assert.deepEqual(w('2026-12-26'), {
    state: 'closed',
    from: '2027-01-15',
    to: '2027-01-25',
    period: '2027-01',
  });
  assert.deepEqual(w('2026-12-31'), {
    state: 'closed',
    from: '2027-01-15',
    to: '2027-01-25',
    period: '2027-01',
  });
});

test('days past a month’s end fall on its last day, leap years included', () => {
  assert.deepEqual(readingsWindow('2026-02-10', 25, 31), {
    state: 'soon',
    from: '2026-02-25',
    to: '2026-02-28',
    period: '2026-02',
  });
  assert.equal(readingsWindow('2028-02-29', 25, 31).state, 'open');
  assert.deepEqual(readingsWindow('2026-01-31', 30, 30), {
    state: 'closed',
    from: '2026-02-28',
    to: '2026-02-28',
    period: '2026-02',
  });
  // The whole month as the window: always open.
  for (const day of ['2026-04-01', '2026-04-15', '2026-04-30']) {
    assert.equal(readingsWindow(day, 1, 31).state, 'open', day);
  }
});

test('a bill is due on the due day of the month after its period', () => {
  assert.equal(paymentDueDate('2026-05', 10), '2026-06-10');
  assert.equal(paymentDueDate('2026-12', 10), '2027-01-10');
  assert.equal(paymentDueDate('2026-01', 31), '2026-02-28');
  assert.equal(paymentDueDate('2027-12', 1), '2028-01-01');
});

test('dates and windows in Russian words', () => {
  const months = Array.from({ length: 12 }, (_, i) =>
    dayMonthRu(`2026-${String(i + 1).padStart(2, '0')}-03`),
  );
  assert.deepEqual(months, [
    '3 января',
    '3 февраля',
    '3 марта',
    '3 апреля',
    '3 мая',
    '3 июня',
    '3 июля',
    '3 августа',
    '3 сентября',
    '3 октября',
    '3 ноября',
    '3 декабря',
  ]);
  assert.equal(dayMonthRu('2026-06-03', true), '3 июня 2026 г.');
  assert.equal(windowRu({ from: '2026-12-15', to: '2026-12-25' }), 'с 15 по 25 декабря');
  assert.equal(windowRu({ from: '2026-02-01', to: '2026-02-28' }), 'с 1 по 28 февраля');
});
