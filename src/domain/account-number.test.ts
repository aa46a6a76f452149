import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseAccountNumber } from './account-number.ts';

// The seed's table of settlement codes, as a supplier would load it: the check is given the codes.
const SEED_CODES = ['10', '11', '12', '14', '15', '16', '17', '20', '21', '22', '23', '24', '25'];
const SEED = new Set(SEED_CODES);

test('the seed account is valid and belongs to Черногорск (17)', () => {
  assert.deepEqual(parseAccountNumber('1705057190', SEED), {
    ok: true,
    number: '1705057190',
    settlementCode: '17',
  });
});

test('of all 100 two-digit prefixes exactly the given codes are accepted', () => {
  for (let i = 0; i < 100; i++) {
    const code = String(i).padStart(2, '0');
    const r = parseAccountNumber(`${code}05057190`, SEED);
    const known = SEED_CODES.includes(code);
    assert.equal(r.ok, known, code);
    if (r.ok) {
      assert.equal(r.settlementCode, code);
      assert.equal(r.number, `${code}05057190`);
    } else {
      assert.equal(r.error, 'unknown_settlement', code);
      assert.equal(
        r.message,
        `Номер лицевого счёта начинается с кода населённого пункта; кода «${code}» нет. Проверьте номер по квитанции (поле «Код абонента»).`,
        code,
      );
    }
  }
});

test("another supplier's codes: only they are accepted, the seed's are not", () => {
  const own = new Set(['01', '99']);
  assert.deepEqual(parseAccountNumber('9900000001', own), {
    ok: true,
    number: '9900000001',
    settlementCode: '99',
  });
  assert.equal(parseAccountNumber('0100000001', own).ok, true);
  const seedCode = parseAccountNumber('1705057190', own);
  assert.equal(!seedCode.ok && seedCode.error, 'unknown_settlement');
  const none = parseAccountNumber('1705057190', new Set());
  assert.equal(!none.ok && none.error, 'unknown_settlement');
});

test('without the codes only the shape is checked: any two digits pass, the rest is still checked', () => {
  for (const code of ['00', '13', '99']) {
    assert.deepEqual(parseAccountNumber(`${code}05057190`), {
      ok: true,
      number: `${code}05057190`,
      settlementCode: code,
    });
  }
  const short = parseAccountNumber('990505719');
  assert.equal(!short.ok && short.error, 'length');
  const letters = parseAccountNumber('99050571a0');
  assert.equal(!letters.ok && letters.error, 'not_digits');
});

test('spaces, no-break spaces and dashes copied from a paper bill are ignored', () => {
  for (const typed of [' 17 0505-7190 ', '17\u00a00505\u00a07190', '17--0505  7190', '\t1705057190\n']) {
    const r = parseAccountNumber(typed, SEED);
    assert.equal(r.ok && r.number, '1705057190', JSON.stringify(typed));
  }
  const blank = parseAccountNumber(' - ', SEED);
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
    const r = parseAccountNumber('1'.repeat(length), SEED);
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
    const r = parseAccountNumber(input, SEED);
    assert.equal(r.ok, false, input);
    if (!r.ok) {
      assert.equal(r.error, error, input);
      assert.match(r.message, message, input);
    }
  }
});
