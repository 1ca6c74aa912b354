// hashValue (model/value-hash.ts) keys the head's map of unique values: two values the index order
// makes equal must hash alike, or a lookup would miss a value that is held and let a second entity
// take it.
import { fc, test } from '@fast-check/vitest';
import { describe, expect, it } from 'vitest';
import { hashValue } from '../src/model/value-hash.js';
import { BigDec, compareValues, kw, type Scalar, sym, uri, uuid, type Value } from '../src/index.js';

/** A scalar, and another object or representation of it (the same value as the index sees it). */
const scalarTwins: fc.Arbitrary<[Scalar, Scalar]> = fc.oneof(
  fc.boolean().map((b) => [b, b] as [Scalar, Scalar]),
  fc.integer().map((n) => [n, BigInt(n)] as [Scalar, Scalar]),
  fc.bigInt({ min: -(2n ** 70n), max: 2n ** 70n }).map((n) => [Number(n), BigInt(Number(n))] as [Scalar, Scalar]),
  // NaNs of other bits are one value.
  fc.constantFrom<[Scalar, Scalar]>([0, -0], [-0, 0n], [Number.POSITIVE_INFINITY, Number.POSITIVE_INFINITY], [Number.NaN, new Float64Array(new BigUint64Array([0xfff8_0000_0000_0123n]).buffer)[0] as number]),
  fc.double().map((d) => [d, d] as [Scalar, Scalar]),
  fc.string({ maxLength: 8 }).map((s) => [s, [...s].join('')] as [Scalar, Scalar]),
  fc.uuid().map((u) => [uuid(u), uuid(u.toUpperCase())] as [Scalar, Scalar]),
  fc.string({ minLength: 1, maxLength: 6 }).map((s) => [kw(`k/${s}`), kw(`k/${s}`)] as [Scalar, Scalar]),
  fc.string({ minLength: 1, maxLength: 6 }).map((s) => [sym(`s/${s}`), sym(`s/${s}`)] as [Scalar, Scalar]),
  fc.webUrl().map((s) => [uri(s), uri(s)] as [Scalar, Scalar]),
  fc.integer({ min: -1e12, max: 1e12 }).map((t) => [new Date(t), new Date(t)] as [Scalar, Scalar]),
  fc.tuple(fc.bigInt({ min: -(2n ** 80n), max: 2n ** 80n }), fc.integer({ min: 0, max: 5 })).map(([u, s]) => [new BigDec(u, s), new BigDec(u, s)] as [Scalar, Scalar]),
  fc.uint8Array({ maxLength: 6 }).map((b) => [b, Uint8Array.from(b)] as [Scalar, Scalar]),
);

const twins: fc.Arbitrary<[Value, Value]> = fc.oneof(
  scalarTwins,
  fc.array(fc.option(scalarTwins, { nil: null }), { maxLength: 3 }).map((xs) => [xs.map((x) => (x === null ? null : x[0])), xs.map((x) => (x === null ? null : x[1]))] as [Value, Value]),
);

describe('hashValue', () => {
  test.prop([twins], { numRuns: 2000, seed: 31 })('hashes values the index order makes equal alike', ([x, y]) => {
    expect(compareValues(x, y)).toBe(0);
    expect(hashValue(x)).toBe(hashValue(y));
    expect(hashValue(x)).not.toBe(0);
  });

  test.prop([twins, twins], { numRuns: 2000, seed: 37 })('hashes any two equal values alike', ([x], [y]) => {
    if (compareValues(x, y) === 0) expect(hashValue(x)).toBe(hashValue(y));
  });

  it('spreads similar values over the low bits a table indexes by', () => {
    // Keys of a bulk import: names with a counter, ids in a run, uuids of one prefix.
    const sets: Value[][] = [
      Array.from({ length: 1 << 14 }, (_, i) => `person ${i}`),
      Array.from({ length: 1 << 14 }, (_, i) => i * 1024),
      Array.from({ length: 1 << 14 }, (_, i) => uuid(`6f1d3c1a-0000-4000-8000-${i.toString(16).padStart(12, '0')}`)),
      Array.from({ length: 1 << 14 }, (_, i) => [i >> 4, i & 15]),
    ];
    for (const values of sets) {
      // Into twice as many slots as values, as an attribute's table is at most half full.
      const slots = new Set(values.map((v) => hashValue(v) & ((2 << 14) - 1)));
      // A uniform hash fills 1 - e^-1/2 of them, 39%.
      expect(slots.size / (2 << 14)).toBeGreaterThan(0.37);
    }
  });
});
