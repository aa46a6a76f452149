import { hashInts } from './prng.ts';

/**
 * Account numbers: the settlement code and eight digits. The eight digits are a keyed
 * permutation of the account id, so that generated numbers look random, never repeat for one
 * seed, and need no lookup table: ids are taken in blocks of 10 000, each block is sent to its
 * own 10 000 numbers (a bijective affine map of the block), and a four-round Feistel network over
 * 100 × 100 shuffles the ids inside it. Numbers of neighbouring ids stay close, so the unique
 * index on accounts.number takes a chunk's rows in one small region instead of all over.
 */
const BLOCK = 10_000;
const HALF = 100;
const SPACE = BLOCK * BLOCK;
/** Coprime with 10 000: i → (i × STEP + offset) mod 10 000 is a bijection. */
const STEP = 7_919;

export function suffixOf(id: number, seed: number): number {
  if (!Number.isSafeInteger(id) || id < 0 || id >= SPACE) {
    throw new RangeError(`account id out of range: ${id}`);
  }
  const block = Math.floor(id / BLOCK);
  const target = (block * STEP + (hashInts(seed, 0x6b) % BLOCK)) % BLOCK;
  const inner = id % BLOCK;
  let l = Math.floor(inner / HALF);
  let r = inner % HALF;
  for (let round = 0; round < 4; round++) {
    const f = hashInts(seed, block, round, r) % HALF;
    const next = (l + f) % HALF;
    l = r;
    r = next;
  }
  return target * BLOCK + l * HALF + r;
}

/**
 * The number of an account, as a number (the text is its decimal form: codes start with 1 or 2).
 * When code + suffix is already taken by an account that was not generated with this seed
 * (the demo account, or another run), the next settlement code is tried; returns the code index used.
 */
export function accountNumber(
  id: number,
  seed: number,
  codeIndex: number,
  codes: readonly string[],
  taken: ReadonlySet<string>,
): { number: number; codeIndex: number } {
  const suffix = suffixOf(id, seed);
  for (let k = 0; k < codes.length; k++) {
    const ci = (codeIndex + k) % codes.length;
    const n = Number(codes[ci]) * SPACE + suffix;
    if (!taken.has(String(n))) {
      return { number: n, codeIndex: ci };
    }
  }
  throw new Error(`no free account number for id ${id}`);
}
