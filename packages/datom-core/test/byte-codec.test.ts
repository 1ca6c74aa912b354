// The value encoding of log records and index pages (storage/byte-codec.ts): what is written reads back.
import { fc, test } from '@fast-check/vitest';
import { describe, expect } from 'vitest';
import { Uuid } from '../src/model/uuid.js';
import { ByteReader, ByteWriter } from '../src/storage/byte-codec.js';

describe('value encoding', () => {
  test.prop([fc.oneof(fc.integer(), fc.maxSafeInteger(), fc.integer({ min: -(2 ** 53) + 1, max: -(2 ** 52) + 2 }).map((x) => Math.max(x, Number.MIN_SAFE_INTEGER)))], { numRuns: 400, seed: 23 })(
    'every safe integer reads back equal (also below -2^52, where the zig-zag form is past 2^53)',
    (x) => {
      const w = new ByteWriter(2);
      w.svar(x);
      w.svar(-x);
      const r = new ByteReader(w.view(), 'test');
      expect([r.svar(), r.svar()]).toEqual([x, -x]);
    },
  );

  test.prop([fc.array(fc.oneof(fc.nat(), fc.integer({ min: 2 ** 31 - 3, max: 2 ** 31 + 3 }), fc.integer({ min: 2 ** 32 - 3, max: 2 ** 32 + 3 }), fc.maxSafeNat()), { minLength: 1, maxLength: 8 })], {
    numRuns: 300,
    seed: 37,
  })('every unsigned varint reads back equal, on both sides of 2^31 and 2^32', (xs) => {
    const w = new ByteWriter(1);
    for (const x of xs) w.uvar(x);
    const r = new ByteReader(w.view(), 'test');
    expect(xs.map(() => r.uvar())).toEqual(xs);
    expect(r.done).toBe(true);
  });

  test.prop([fc.double({ noNaN: true }), fc.nat(), fc.boolean(), fc.string()], { numRuns: 200, seed: 41 })('a datom head reads back as float64, varint and flag', (e, a, added, v) => {
    const w = new ByteWriter(1);
    w.datomHead(e, a, added);
    w.value(v);
    const r = new ByteReader(w.view(), 'test');
    expect([r.f64(), r.uvar(), r.byte(), r.value()]).toEqual([e, a, added ? 1 : 0, v]);
  });

  test.prop([fc.uuid({ version: [1, 2, 3, 4, 5, 6, 7, 8] }), fc.boolean()], { numRuns: 300, seed: 29 })('a uuid is its 16 bytes in order, and reads back equal', (text, upper) => {
    const u = new Uuid(upper ? text.toUpperCase() : text);
    const w = new ByteWriter(1);
    w.value(u);
    const bytes = w.view();
    expect(Buffer.from(bytes.subarray(1)).toString('hex')).toBe(text.toLowerCase().replaceAll('-', ''));
    expect((new ByteReader(bytes, 'test').value() as Uuid).text).toBe(u.text);
  });
});
