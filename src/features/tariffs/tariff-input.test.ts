import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  bandNote,
  lockedProblem,
  parseBand,
  parsePrice,
  parseValidFrom,
  parseZone,
  zoneProblem,
  type PlanRef,
} from './tariff-input.ts';

// How a price is read from what people type, and the rules that need only the plan and the
// latest closed period.

const message = (r: { ok: boolean; message?: string }) => (r.ok ? '' : r.message!);

test('a price in rubles per kWh, up to five decimals, becomes integer 1/100000 rub.', () => {
  const ok: Array<[string, number]> = [
    ['5.47', 547_000],
    ['5,47', 547_000],
    ['1,61000', 161_000],
    ['1.1270', 112_700],
    ['0,00001', 1],
    [' 7 ', 700_000],
    ['12,', 1_200_000],
    ['1000', 100_000_000],
  ];
  for (const [s, e5] of ok) {
    assert.deepEqual(parsePrice(s), { ok: true, value: e5 }, s);
  }
});

test('a price refused: negative, not a number, six decimals, zero, too large, empty', () => {
  const bad: Array<[string, RegExp]> = [
    ['-5,47', /^«-5,47»: цена не может быть отрицательной\.$/],
    ['−1', /не может быть отрицательной/],
    ['abc', /^«abc» — не цена: пишется цифрами/],
    ['5,47 руб', /не цена/],
    ['1e3', /не цена/],
    ['5.47.1', /не цена/],
    ['5,123456', /^«5,123456»: в цене не больше пяти знаков после запятой/],
    ['0', /цена должна быть больше нуля/],
    ['0,00000', /больше нуля/],
    ['1000,00001', /больше 1 000 руб\./],
    ['99999999999999999999', /больше 1 000 руб\./],
    ['', /^Не указана цена\.$/],
  ];
  for (const [s, re] of bad) {
    assert.match(message(parsePrice(s)), re, s);
  }
});

test('the date a price takes effect: the 1st of a month, ISO or Russian form', () => {
  assert.deepEqual(parseValidFrom('2026-07-01'), { ok: true, value: '2026-07-01' });
  assert.deepEqual(parseValidFrom('01.12.2022'), { ok: true, value: '2022-12-01' });
  assert.match(
    message(parseValidFrom('15.07.2026')),
    /^«15\.07\.2026»: цены меняются только с 1-го числа месяца .* Укажите 01\.07\.2026/,
  );
  assert.match(message(parseValidFrom('2026-07-02')), /только с 1-го числа/);
  assert.match(message(parseValidFrom('31.02.2026')), /^«31\.02\.2026»: такой даты нет в календаре\.$/);
  assert.match(message(parseValidFrom('2026-13-01')), /такой даты нет/);
  assert.match(message(parseValidFrom('1.7.2026')), /не дата: пишется ГГГГ-ММ-ДД или ДД\.ММ\.ГГГГ/);
  assert.match(message(parseValidFrom('')), /Не указана дата/);
});

test('zones and bands by code or Russian name; anything else refused', () => {
  assert.deepEqual(parseZone(' Half_Peak '), { ok: true, value: 'half_peak' });
  assert.deepEqual(parseZone('Ночь'), { ok: true, value: 'night' });
  assert.deepEqual(parseZone('полупик'), { ok: true, value: 'half_peak' });
  assert.match(message(parseZone('evening')), /^«evening» — не зона/);
  assert.deepEqual(parseBand(''), { ok: true, value: 'base' });
  assert.deepEqual(parseBand('сверх  нормы'), { ok: true, value: 'above_norm' });
  assert.deepEqual(parseBand('above_norm'), { ok: true, value: 'above_norm' });
  assert.match(message(parseBand('norm')), /^«norm» — не диапазон/);
});

const plan = (zones: number, socialNormKwh: number | null = null): PlanRef => ({
  id: 1,
  code: `p${zones}`,
  zones,
  socialNormKwh,
});

test("a zone must be one of the plan's zones", () => {
  assert.equal(zoneProblem(plan(1), 'single'), null);
  assert.match(zoneProblem(plan(1), 'day')!, /^У тарифа «p1» одна зона \(single\): зоны day у него нет\.$/);
  assert.equal(zoneProblem(plan(2), 'night'), null);
  assert.match(zoneProblem(plan(2), 'peak')!, /2 зоны \(day, night\)/);
  assert.match(zoneProblem(plan(3), 'day')!, /3 зоны \(peak, half_peak, night\)/);
  assert.equal(zoneProblem(plan(3), 'half_peak'), null);
});

test('a month closed, or being closed, from the price month on refuses it; the next month is free', () => {
  const closed = { period: '2026-05', status: 'closed' as const };
  assert.equal(lockedProblem('2026-06-01', closed), null);
  assert.equal(lockedProblem('2026-06-01', null), null);
  assert.match(
    lockedProblem('2026-05-01', closed)!,
    /^Цену с 01\.05\.2026 записать нельзя: май 2026 г\. уже закрыт, .*перерасчётом.* с 01\.06\.2026 или позже\.$/,
  );
  assert.match(lockedProblem('2026-01-01', closed)!, /май 2026 г\. уже закрыт/);
  assert.match(
    lockedProblem('2026-12-01', { period: '2026-12', status: 'closing' })!,
    /декабрь 2026 г\. сейчас закрывается.* с 01\.01\.2027/,
  );
});

test('a price above the norm on a plan without a social norm is noted, not refused', () => {
  assert.match(bandNote(plan(1), 'above_norm')!, /нет социальной нормы/);
  assert.equal(bandNote(plan(1, 110), 'above_norm'), null);
  assert.equal(bandNote(plan(1), 'base'), null);
});
