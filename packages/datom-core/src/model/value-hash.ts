import { BigDec } from './big-dec.js';
import { Keyword } from './keyword.js';
import { Sym } from './sym.js';
import { Uri } from './uri.js';
import { Uuid } from './uuid.js';
import type { Scalar, Value } from './value.js';

/** Seeds that keep the kinds apart (equal values of different kinds never meet in one attribute). */
const NUMBER = 0x2f3a_9b11;
const STRING = 0x5bd1_e995;
const KEYWORD = 0x68e3_1da4;
const SYMBOL = 0x1b87_3593;
const UUID = 0x7a2c_4d29;
const URI = 0x3c6e_f372;
const BYTES = 0x4b2a_d6c1;
const INSTANT = 0x1f83_d9ab;
const BIGDEC = 0x5be0_cd19;
const TUPLE = 0x6a09_e667;

const F64 = new Float64Array(1);
const F64_WORDS = new Int32Array(F64.buffer);

/** Murmur3's finaliser: every input bit moves every output bit, so the low bits index a table. */
function mix(h: number): number {
  h ^= h >>> 16;
  h = Math.imul(h, 0x85eb_ca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2_ae35);
  return h ^ (h >>> 16);
}

function hashString(s: string, seed: number): number {
  let h = seed;
  for (let i = 0; i < s.length; i++) h = Math.imul(h ^ s.charCodeAt(i), 0x0100_0193);
  return mix(h ^ s.length);
}

/** A number's hash: 0 and -0, equal in the index order, hash alike, and so do all NaNs (whatever their bits). */
function hashNumber(x: number, seed: number): number {
  if ((x | 0) === x) return mix(x ^ seed); // -0 | 0 is 0
  if (Number.isNaN(x)) return mix(seed ^ 0x7ff8_0000);
  F64[0] = x;
  return mix(Math.imul((F64_WORDS[0] as number) ^ seed, 0x9e37_79b1) ^ (F64_WORDS[1] as number));
}

function hashBytes(b: Uint8Array): number {
  let h = BYTES;
  for (let i = 0; i < b.length; i++) h = Math.imul(h ^ (b[i] as number), 0x0100_0193);
  return mix(h ^ b.length);
}

function hashScalar(v: Scalar | null): number {
  switch (typeof v) {
    case 'string':
      return hashString(v, STRING);
    case 'number':
      return hashNumber(v, NUMBER);
    // A bigint equals the number of its value: Number() of equal bigints is one number, and of
    // a bigint equal to a number, that number.
    case 'bigint':
      return hashNumber(Number(v), NUMBER);
    case 'boolean':
      return v ? 0x2545_f491 : 0x1234_5679;
    default:
      if (v === null) return 0x6c07_8965;
      if (v instanceof Uuid) return hashString(v.text, UUID);
      if (v instanceof Keyword) return hashString(v.fqn, KEYWORD);
      if (v instanceof Date) return hashNumber(v.getTime(), INSTANT);
      if (v instanceof Sym) return hashString(v.fqn, SYMBOL);
      if (v instanceof Uri) return hashString(v.text, URI);
      if (v instanceof BigDec) return mix(hashNumber(Number(v.unscaled), BIGDEC) ^ v.scale);
      if (v instanceof Uint8Array) return hashBytes(v);
      // Anything else: compareValues makes all such values equal.
      return 0x0bad_cafe;
  }
}

/**
 * A 32-bit hash of `v`, never 0, that agrees with the index order: values that
 * {@link compareValues} makes equal (a number and the bigint of its value, 0 and -0, two NaNs, a
 * tuple and a tuple of equal elements) hash alike. A hash table of values compares the values
 * themselves only where the hashes match.
 *
 * @example
 * ```ts
 * hashValue(5) === hashValue(5n) // true
 * hashValue('a') === hashValue(new Uuid('00000000-0000-4000-8000-000000000000')) // false (almost surely)
 * ```
 */
export function hashValue(v: Value): number {
  let h: number;
  if (typeof v === 'string') h = hashString(v, STRING);
  else if (Array.isArray(v)) {
    h = TUPLE ^ v.length;
    for (let i = 0; i < v.length; i++) h = mix(Math.imul(h, 0x9e37_79b1) ^ hashScalar(v[i] as Scalar | null));
  } else h = hashScalar(v as Scalar);
  return h === 0 ? 1 : h;
}
