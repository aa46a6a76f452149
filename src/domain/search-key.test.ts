import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import {
  foldPairs,
  foldText,
  NUMBER_PART_MIN,
  NUMBER_PART_POSITIONS,
  prefixUpperBound,
} from './search-key.ts';

// The search's folding (case and ё/е) and its index ranges, against what the language and the
// code-point order say they must be.

const CYRILLIC_UPPER = 'АБВГДЕЁЖЗИЙКЛМНОПРСТУФХЦЧШЩЪЫЬЭЮЯ';
const LATIN_UPPER = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ';
const ALPHABETS = [
  ...CYRILLIC_UPPER,
  ...CYRILLIC_UPPER.toLowerCase(),
  ...LATIN_UPPER,
  ...LATIN_UPPER.toLowerCase(),
];

/** What folding means: lower case by the language's own rules, then ё as е. */
function expected(s: string): string {
  return s.toLocaleLowerCase('ru-RU').replaceAll('ё', 'е');
}

test('every letter of both alphabets folds to its lower case, with ё and Ё as е', () => {
  for (const c of ALPHABETS) {
    assert.equal(foldText(c), expected(c), c);
  }
  assert.equal(foldText('Ёлкин-ФЁДОРОВ Smith'), 'елкин-федоров smith');
});

test('any text of those letters and separators folds as the language lowers it', () => {
  const char = fc.constantFrom(...ALPHABETS, ' ', '-', '.', ',', '1', '0');
  fc.assert(
    fc.property(fc.array(char, { maxLength: 30 }), (chars) => {
      const s = chars.join('');
      assert.equal(foldText(s), expected(s));
    }),
  );
});

test('other characters are kept as they are, even where the language would lower them', () => {
  for (const c of ['Ä', 'Ў', 'І', 'Ω', '№', '7', ' ', '😀']) {
    assert.equal(foldText(c), c);
  }
  assert.equal(foldText(''), '');
});

test('the pairs for SQL are the same folding, one per upper-case letter and ё', () => {
  const pairs = foldPairs();
  assert.equal(pairs.length, 33 + 26 + 1);
  assert.deepEqual(pairs.map(([from]) => from).sort(), [...CYRILLIC_UPPER, ...LATIN_UPPER, 'ё'].sort());
  for (const [from, to] of pairs) {
    assert.equal(to, expected(from), from);
    assert.equal(foldText(from), to);
  }
});

test('the upper bound of a prefix: its last character one code point up', () => {
  assert.equal(prefixUpperBound('abc'), 'abd');
  assert.equal(prefixUpperBound('иван'), 'ивао');
  assert.equal(prefixUpperBound('я'), 'ѐ');
  assert.equal(prefixUpperBound('x𝔸'), 'x𝔹', 'a character beyond the basic plane is one character');
  assert.throws(() => prefixUpperBound(''), {
    name: 'RangeError',
    message: 'an empty prefix has no upper bound',
  });
});

test('every string that starts with a prefix lies in [prefix, upper bound), and no other', () => {
  const text = fc.string({ unit: fc.constantFrom(...'абвгдеяabz0'), maxLength: 6 });
  fc.assert(
    fc.property(
      text.filter((p) => p.length > 0),
      text,
      (prefix, other) => {
        const upper = prefixUpperBound(prefix);
        const withPrefix = prefix + other;
        assert.ok(withPrefix >= prefix && withPrefix < upper);
        const inRange = other >= prefix && other < upper;
        assert.equal(inRange, other.startsWith(prefix), `${other} against ${prefix}`);
      },
    ),
  );
});

test('a part of 4 digits or more of a 10-digit number starts at digit 1 to 7', () => {
  assert.equal(NUMBER_PART_MIN, 4);
  assert.deepEqual(
    [1, ...NUMBER_PART_POSITIONS],
    Array.from({ length: 10 - NUMBER_PART_MIN + 1 }, (_, i) => i + 1),
  );
});
