import { test } from 'node:test';
import assert from 'node:assert/strict';
import { formatDateRu, isIsoDate, isPeriod, parseIsoDate, periodInWords, periodTitle } from './dates.ts';

/** Dates and periods as text: what is one, and the month names the bills and pages print. */

test('a date is exactly YYYY-MM-DD: nothing before or after it', () => {
  assert.deepEqual(parseIsoDate('2026-02-07'), { y: 2026, m: 2, d: 7 });
  for (const s of ['x2026-02-07', '2026-02-07T00:00', '2026-02-07 ', '12026-02-07', '2026-2-07', '']) {
    assert.throws(() => parseIsoDate(s), { name: 'RangeError', message: `not a date: ${s}` }, s);
    assert.equal(isIsoDate(s), false, s);
  }
  assert.equal(isIsoDate('2028-02-29'), true);
  assert.equal(isIsoDate('2026-13-01'), false);
});

test('a period is YYYY-MM with a month from 01 to 12', () => {
  for (const p of ['2026-01', '2026-09', '2026-10', '2026-12', '0001-05']) {
    assert.equal(isPeriod(p), true, p);
  }
  for (const p of [
    '2026-00',
    '2026-13',
    '2026-1',
    '2026-001',
    'x2026-01',
    '2026-01x',
    '20a6-01',
    '202-01',
    '',
  ]) {
    assert.equal(isPeriod(p), false, p);
  }
});

// The month names as ru-RU's Intl writes them stand alone ("июнь"), an oracle independent of dates.ts.
const standalone = new Intl.DateTimeFormat('ru-RU', { month: 'long', timeZone: 'UTC' });
const monthName = (m: number) => standalone.format(new Date(Date.UTC(2026, m - 1, 1)));

test('every month has its name: "2014 Февраль" in the charge history, "июнь 2026 г." in sentences', () => {
  assert.equal(periodTitle('2014-02'), '2014 Февраль');
  assert.equal(periodInWords('2026-06'), 'июнь 2026 г.');
  for (let m = 1; m <= 12; m++) {
    const period = `2026-${String(m).padStart(2, '0')}`;
    const name = monthName(m);
    assert.equal(periodTitle(period), `2026 ${name.charAt(0).toUpperCase()}${name.slice(1)}`);
    assert.equal(periodInWords(period), `${name} 2026 г.`);
  }
});

test('a date as the bills print it: DD.MM.YYYY', () => {
  assert.equal(formatDateRu('2026-11-27'), '27.11.2026');
  assert.equal(formatDateRu('2026-01-05'), '05.01.2026');
  assert.throws(() => formatDateRu('5.1.2026'), RangeError);
});
