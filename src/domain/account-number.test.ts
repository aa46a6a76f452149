import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseAccountNumber, SETTLEMENTS } from './account-number.ts';

test('the seed account is valid and belongs to Черногорск (17)', () => {
  assert.deepEqual(parseAccountNumber('1705057190'), {
    ok: true,
    number: '1705057190',
    settlementCode: '17',
  });
});

test('all 13 settlement codes of the seed are accepted', () => {
  assert.equal(SETTLEMENTS.length, 13);
  for (const { code } of SETTLEMENTS) {
    assert.equal(parseAccountNumber(`${code}00000001`).ok, true, code);
  }
});

test('spaces and dashes copied from a paper bill are ignored', () => {
  const r = parseAccountNumber(' 17 0505-7190 ');
  assert.equal(r.ok && r.number, '1705057190');
});

test('each error says what is wrong', () => {
  const cases: Array<[string, string, RegExp]> = [
    ['', 'empty', /Введите номер/],
    ['17050571a0', 'not_digits', /только из цифр/],
    ['170505719', 'length', /10 цифр, а введено 9 цифр/],
    ['17050571901', 'length', /введено 11 цифр/],
    ['1', 'length', /введено 1 цифра/],
    ['1705', 'length', /введено 4 цифры/],
    ['1305057190', 'unknown_settlement', /кода «13» нет/],
    ['9905057190', 'unknown_settlement', /кода «99» нет/],
    ['１７０５０５７１９０', 'not_digits', /только из цифр/],
  ];
  for (const [input, error, message] of cases) {
    const r = parseAccountNumber(input);
    assert.equal(r.ok, false, input);
    if (!r.ok) {
      assert.equal(r.error, error, input);
      assert.match(r.message, message, input);
    }
  }
});
