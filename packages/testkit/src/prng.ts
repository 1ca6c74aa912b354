import { Uuid } from '@datomkit/datom-core';

/**
 * Mixes a list of 32-bit integers into one well-scrambled 32-bit seed (MurmurHash3's finaliser
 * applied after each part), so that neighbouring inputs such as `(seed, 7)` and `(seed, 8)` give
 * unrelated streams.
 *
 * @example
 * ```ts
 * const groupSeed = mixSeed(1, 42) // the same number on every run and machine
 * ```
 */
export function mixSeed(...parts: readonly number[]): number {
  let h = 0x9e3779b9;
  for (const part of parts) {
    h = Math.imul(h ^ (part >>> 0), 0x85ebca6b);
    h ^= h >>> 13;
    h = Math.imul(h, 0xc2b2ae35);
    h ^= h >>> 16;
  }
  return h >>> 0;
}

/**
 * A small, fast, seeded pseudo-random generator (mulberry32, 32 bits of state). Not for
 * cryptography; for sample data whose every byte must be the same for the same seed on every run.
 *
 * @example
 * ```ts
 * const rng = new Prng(7)
 * rng.int(6)                 // 0..5
 * rng.pick(['a', 'b', 'c'])  // one of them
 * ```
 */
export class Prng {
  #state: number;

  constructor(seed: number) {
    this.#state = seed >>> 0;
  }

  /** The next 32-bit unsigned integer. */
  nextUint32(): number {
    this.#state = (this.#state + 0x6d2b79f5) >>> 0;
    let t = this.#state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return (t ^ (t >>> 14)) >>> 0;
  }

  /** A float in `[0, 1)`. */
  next(): number {
    return this.nextUint32() / 4294967296;
  }

  /** An integer in `[0, n)`; `n` must be a positive integer below 2^32. */
  int(n: number): number {
    return Math.floor(this.next() * n);
  }

  /** An integer in `[lo, hi]`, both ends included. */
  range(lo: number, hi: number): number {
    return lo + this.int(hi - lo + 1);
  }

  /** `true` with probability `p`. */
  chance(p: number): boolean {
    return this.next() < p;
  }

  /** One element of a non-empty array. */
  pick<T>(items: readonly T[]): T {
    const item = items[this.int(items.length)];
    if (item === undefined && items.length === 0) throw new RangeError('pick from an empty array');
    return item as T;
  }

  /** `n` random bytes. */
  bytes(n: number): Uint8Array {
    const out = new Uint8Array(n);
    for (let i = 0; i < n; i += 4) {
      let w = this.nextUint32();
      for (let j = i; j < Math.min(n, i + 4); j++) {
        out[j] = w & 0xff;
        w >>>= 8;
      }
    }
    return out;
  }

  /** A version-4-shaped {@link Uuid} drawn from this stream. */
  uuid(): Uuid {
    const b = this.bytes(16);
    b[6] = ((b[6] ?? 0) & 0x0f) | 0x40;
    b[8] = ((b[8] ?? 0) & 0x3f) | 0x80;
    const h = Buffer.from(b).toString('hex');
    return new Uuid(`${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`);
  }
}

/**
 * Makes a {@link Prng} seeded with `seed` (the mulberry32 algorithm).
 *
 * @example
 * ```ts
 * const a = mulberry32(1).next()
 * const b = mulberry32(1).next() // a === b
 * ```
 */
export function mulberry32(seed: number): Prng {
  return new Prng(seed);
}
