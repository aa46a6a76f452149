import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseAccountNumber, settlementName, SETTLEMENTS } from './account-number.ts';

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

// The seed's table of settlement codes: every other two-digit prefix is refused.
const SEED_CODES = ['10', '11', '12', '14', '15', '16', '17', '20', '21', '22', '23', '24', '25'];

test('of all 100 two-digit prefixes exactly the seed codes are accepted, each with its settlement', () => {
  for (let i = 0; i < 100; i++) {
    const code = String(i).padStart(2, '0');
    const r = parseAccountNumber(`${code}05057190`);
    const known = SEED_CODES.includes(code);
    assert.equal(r.ok, known, code);
    if (r.ok) {
      assert.equal(r.settlementCode, code);
      assert.equal(r.number, `${code}05057190`);
    } else {
      assert.equal(r.error, 'unknown_settlement', code);
      assert.match(r.message, new RegExp(`кода «${code}» нет`), code);
    }
    assert.equal(settlementName(code) !== undefined, known, code);
  }
});

test('each settlement has a name of its own; the seed bill names 17 Черногорск', () => {
  const names = SEED_CODES.map((c) => settlementName(c) ?? '');
  assert.ok(names.every((name) => name.trim() !== ''));
  assert.equal(new Set(names).size, names.length);
  assert.match(settlementName('17') ?? '', /Черногорск/);
  assert.match(settlementName('25') ?? '', /Абаза/);
});

test('spaces, no-break spaces and dashes copied from a paper bill are ignored', () => {
  for (const typed of [' 17 0505-7190 ', '17\u00a00505\u00a07190', '17--0505  7190', '\t1705057190\n']) {
    const r = parseAccountNumber(typed);
    assert.equal(r.ok && r.number, '1705057190', JSON.stringify(typed));
  }
  const blank = parseAccountNumber(' - ');
  assert.equal(!blank.ok && blank.error, 'empty');
});

test('the length message agrees the number of digits typed', () => {
  const words: Array<[number, string]> = [
    [1, 'цифра'],
    [2, 'цифры'],
    [3, 'цифры'],
    [4, 'цифры'],
    [5, 'цифр'],
    [9, 'цифр'],
    [11, 'цифр'],
    [12, 'цифр'],
    [14, 'цифр'],
    [21, 'цифра'],
    [22, 'цифры'],
    [25, 'цифр'],
  ];
  for (const [length, word] of words) {
    const r = parseAccountNumber('1'.repeat(length));
    assert.equal(r.ok, false);
    assert.equal(
      !r.ok && r.message,
      `Номер лицевого счёта состоит из 10 цифр, а введено ${length} ${word}.`,
      String(length),
    );
  }
});

test('each error says what is wrong', () => {
  const cases: Array<[string, string, RegExp]> = [
    ['', 'empty', /^Введите номер лицевого счёта\.$/],
    ['17050571a0', 'not_digits', /только из цифр/],
    ['a705057190', 'not_digits', /только из цифр/],
    ['170505719a', 'not_digits', /только из цифр/],
    ['17.5057190', 'not_digits', /только из цифр/],
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
