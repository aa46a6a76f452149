/**
 * A small, fast, seeded pseudo-random generator (sfc32) and the hashing that derives
 * independent streams from (seed, key). Each account gets its own stream keyed by its id,
 * so the data does not depend on how the work is split into chunks or threads.
 */

/** murmur3's finaliser: a good 32-bit mixer. */
export function mix32(h: number): number {
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

/** A 32-bit hash of a few integers (any safe integers, negative included). */
export function hashInts(...xs: number[]): number {
  let h = 0x9e3779b9;
  for (const x of xs) {
    const lo = x >>> 0;
    const hi = Math.floor(x / 4294967296) >>> 0;
    h = mix32(h ^ lo) + 0x632be5ab;
    h = mix32(h ^ hi) + 0x85157af5;
  }
  return mix32(h);
}

export class Rng {
  private a: number;
  private b: number;
  private c: number;
  private d: number;

  constructor(seed: number, stream = 0) {
    this.a = hashInts(seed, stream, 1);
    this.b = hashInts(seed, stream, 2);
    this.c = hashInts(seed, stream, 3);
    this.d = 1;
    for (let i = 0; i < 12; i++) {
      this.next();
    }
  }

  /** A uniform 32-bit unsigned integer. */
  next(): number {
    const t = (((this.a + this.b) | 0) + this.d) | 0;
    this.d = (this.d + 1) | 0;
    this.a = this.b ^ (this.b >>> 9);
    this.b = (this.c + (this.c << 3)) | 0;
    this.c = (this.c << 21) | (this.c >>> 11);
    this.c = (this.c + t) | 0;
    return t >>> 0;
  }

  /** Uniform in [0, 1). */
  float(): number {
    return this.next() / 4294967296;
  }

  /** Uniform integer in [lo, hi], both included. */
  int(lo: number, hi: number): number {
    return lo + Math.floor(this.float() * (hi - lo + 1));
  }

  chance(p: number): boolean {
    return this.float() < p;
  }

  pick<T>(items: readonly T[]): T {
    return items[Math.floor(this.float() * items.length)]!;
  }

  /** An index drawn with the given cumulative weights (see `cumulative`). */
  weighted(cum: readonly number[]): number {
    const x = this.float() * cum[cum.length - 1]!;
    let i = 0;
    while (cum[i]! <= x) {
      i++;
    }
    return i;
  }
}

/** Running sums of weights, for `Rng.weighted`. */
export function cumulative(weights: readonly number[]): number[] {
  let s = 0;
  return weights.map((w) => (s += w));
}
