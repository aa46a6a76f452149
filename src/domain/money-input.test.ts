import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { chargeKopecks, MAX_KOPECKS, parseRubles, rublesInput } from './money.ts';

/** Sums as people type them: the ruble sign, the messages, the largest sum; and what the money helpers refuse. */

test('the ruble sign is dropped only at the end: "руб", "руб.", "р.", "₽"', () => {
  for (const s of ['980 руб', '980 руб.', '980руб', '980 р.', '980 Р.', '980 ₽', '980 РУБ']) {
    assert.deepEqual(parseRubles(s), { ok: true, kopecks: 98000 }, s);
  }
  for (const s of ['₽980', 'руб 980', '980 р', '980 руб..']) {
    assert.equal(parseRubles(s).ok, false, s);
  }
});

test('each refusal says what is wrong', () => {
  const says = (s: string) => {
    const r = parseRubles(s);
    return r.ok ? `ok ${r.kopecks}` : r.message;
  };
  assert.equal(says(''), 'Введите сумму в рублях.');
  assert.equal(says(' \u00a0₽'), 'Введите сумму в рублях.');
  assert.equal(says('1e3'), 'Сумма записывается цифрами, например 980 или 980,50.');
  assert.equal(says('980,505'), 'В сумме не может быть больше двух знаков после запятой.');
});

test('the largest sum is 10 million rubles either way; any more digits are too many', () => {
  assert.equal(MAX_KOPECKS, 1_000_000_000);
  assert.deepEqual(parseRubles('10 000 000,00'), { ok: true, kopecks: MAX_KOPECKS });
  assert.deepEqual(parseRubles('-10000000'), { ok: true, kopecks: -MAX_KOPECKS });
  assert.deepEqual(parseRubles('000000000000010000000'), { ok: true, kopecks: MAX_KOPECKS });
  for (const s of ['10000000,01', '-10000000,01', '99999999999', '1'.repeat(400)]) {
    assert.deepEqual(parseRubles(s), { ok: false, message: 'Сумма слишком велика.' }, s);
  }
});

test('property: digits typed with spaces anywhere between them read as the same sum', () => {
  fc.assert(
    fc.property(
      fc.integer({ min: 0, max: 1_000_000_000 }),
      fc.array(fc.nat(), { maxLength: 4 }),
      (kop, cuts) => {
        let s = rublesInput(kop);
        for (const c of cuts) {
          const at = c % (s.length + 1);
          s = `${s.slice(0, at)} \u00a0 ${s.slice(at)}`;
        }
        assert.deepEqual(parseRubles(s), { ok: true, kopecks: kop });
      },
    ),
  );
});

test('kWh and prices must be safe integers; the error says so', () => {
  for (const [kwh, price] of [
    [2 ** 53, 1],
    [1, 2 ** 53],
    [1.5, 100],
    [1, 100.5],
  ] as const) {
    assert.throws(() => chargeKopecks(kwh, price), { name: 'RangeError', message: 'integers expected' });
  }
  assert.throws(() => rublesInput(-1), { message: 'not a non-negative amount: -1' });
  assert.throws(() => rublesInput(0.5), { message: 'not a non-negative amount: 0.5' });
});
