import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  addMonths,
  addYears,
  dateInZone,
  daysBetween,
  isIsoDate,
  lastDayOfPeriod,
  periodTitle,
} from './dates.ts';
import { normalizeSurname, surnamesMatch } from './surname.ts';

test('the calendar date is the supplier time zone date, not UTC', () => {
  // 18:30 UTC on 31 May is already 1 June in Krasnoyarsk (UTC+7).
  assert.equal(dateInZone(new Date('2026-05-31T18:30:00Z'), 'Asia/Krasnoyarsk'), '2026-06-01');
  assert.equal(dateInZone(new Date('2026-05-31T18:30:00Z'), 'Europe/Moscow'), '2026-05-31');
});

test('the date is right for each instant and zone asked in turn, across midnight and back in time', () => {
  const zone = 'Asia/Krasnoyarsk';
  // Midnight in Krasnoyarsk is 17:00 UTC: the last millisecond before it and the first after.
  assert.equal(dateInZone(new Date('2026-05-31T16:59:59.999Z'), zone), '2026-05-31');
  assert.equal(dateInZone(new Date('2026-05-31T16:59:59.000Z'), zone), '2026-05-31');
  assert.equal(dateInZone(new Date('2026-05-31T17:00:00.000Z'), zone), '2026-06-01');
  assert.equal(dateInZone(new Date('2026-05-31T17:00:00.000Z'), 'Europe/Moscow'), '2026-05-31');
  assert.equal(dateInZone(new Date('2026-05-31T17:00:00.500Z'), zone), '2026-06-01');
  assert.equal(dateInZone(new Date('2026-05-31T16:59:59.999Z'), zone), '2026-05-31');
  assert.equal(dateInZone(new Date('2025-05-31T17:00:00.000Z'), zone), '2025-06-01');
  assert.throws(() => dateInZone(new Date(Number.NaN), zone), RangeError);
});

test('date arithmetic', () => {
  assert.equal(addYears('2014-02-28', 12), '2026-02-28');
  assert.equal(addYears('2016-02-29', 1), '2017-02-28');
  assert.equal(daysBetween('2026-01-01', '2027-01-01'), 365);
  assert.equal(lastDayOfPeriod('2028-02'), '2028-02-29');
  assert.equal(addMonths('2026-12', 1), '2027-01');
  assert.equal(addMonths('2026-01', -1), '2025-12');
  assert.equal(periodTitle('2014-02'), '2014 Февраль');
  assert.equal(isIsoDate('2026-02-30'), false);
  assert.equal(isIsoDate('2026-02-28'), true);
});

test('surnames: trimmed, case-insensitive, ё = е', () => {
  assert.equal(normalizeSurname('  ИВАНОВ '), 'иванов');
  assert.ok(surnamesMatch('Фёдоров', 'федоров'));
  assert.ok(surnamesMatch('ФЕДОРОВ', 'Фёдоров'));
  assert.ok(surnamesMatch(' Римский-Корсаков ', 'римский-корсаков'));
  assert.ok(!surnamesMatch('Иванова', 'Иванов'));
  assert.ok(!surnamesMatch('', ''));
  assert.ok(!surnamesMatch('   ', '   '));
});
