/**
 * The folding that makes surnames and addresses searchable regardless of case and of ё/е: the
 * database keeps a generated column folded by the same table (migration 2026120896, through
 * `foldSql`), and a search term is folded here, so both sides agree letter for letter. Only the
 * Russian and Latin alphabets are folded; every other character is kept as it is (SQLite's
 * lower() knows only ASCII, and PostgreSQL's depends on the database's locale, so neither is
 * used for Cyrillic).
 */

const UPPER = 'АБВГДЕЁЖЗИЙКЛМНОПРСТУФХЦЧШЩЪЫЬЭЮЯABCDEFGHIJKLMNOPQRSTUVWXYZё';
const LOWER = 'абвгдеежзийклмнопрстуфхцчшщъыьэюяabcdefghijklmnopqrstuvwxyzе';

const FOLD = new Map<string, string>([...UPPER].map((c, i) => [c, LOWER[i]!]));

export function foldText(s: string): string {
  let out = '';
  for (const c of s) {
    out += FOLD.get(c) ?? c;
  }
  return out;
}

/** The pairs (from, to) of the folding, for the SQL expression of the generated columns. */
export function foldPairs(): Array<[string, string]> {
  return [...UPPER].map((c, i) => [c, LOWER[i]!]);
}

/**
 * The smallest string greater than every string that starts with `prefix` (its last character
 * moved one code point up): `key >= prefix and key < upper` is a range an index can read, in
 * code-point order (SQLite's BINARY, PostgreSQL's "C" collation).
 */
export function prefixUpperBound(prefix: string): string {
  const chars = [...prefix];
  const last = chars.pop();
  if (last === undefined) {
    throw new RangeError('an empty prefix has no upper bound');
  }
  return chars.join('') + String.fromCodePoint(last.codePointAt(0)! + 1);
}

/**
 * Where a part of an account number may start, beyond the first digit: a part of 4 digits or
 * more of a 10-digit number starts at digit 7 at the latest. Each position has an index on
 * `substr(number, k)` (migration 2026120896).
 */
export const NUMBER_PART_POSITIONS = [2, 3, 4, 5, 6, 7] as const;

/** The fewest digits of a part of an account number that the search looks up. */
export const NUMBER_PART_MIN = 4;
