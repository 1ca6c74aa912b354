// The log record format (engine/log-record.ts) and the value encoding under it (storage/byte-codec.ts):
// what a commit writes is what opening the database reads back, byte for byte the format of
// earlier versions (strings are UTF-8 after a varint length, whichever way they are encoded).
import { fc, test } from '@fast-check/vitest';
import { describe, expect } from 'vitest';
import { LogRecordWriter, encodeTxRecord, parseLog } from '../src/engine/log-record.js';
import { kw } from '../src/index.js';
import type { Value } from '../src/model/value.js';
import { ByteReader, ByteWriter } from '../src/storage/byte-codec.js';

const strings = fc.oneof(
  fc.string({ maxLength: 200 }),
  fc.string({ unit: 'binary', maxLength: 200 }),
  fc.string({ unit: 'grapheme', maxLength: 60 }),
  // Around the lengths where the encoder changes paths: 42/43 (3 bytes a char under 128), 127/128.
  fc.integer({ min: 40, max: 130 }).chain((n) => fc.tuple(fc.string({ minLength: n, maxLength: n, unit: fc.constantFrom('a', 'Z', '~', '\u0000', '\u007f') }), fc.constantFrom('', 'é', '😀'))).map(([s, tail]) => s + tail),
);
const values: fc.Arbitrary<Value> = fc.oneof(strings, fc.integer(), fc.double({ noNaN: true }), fc.boolean(), strings.map((s) => kw(`k/${s.replace(/[^a-z]/g, '') || 'x'}`)));

/** `s` with each lone surrogate replaced by U+FFFD, as UTF-8 encoding does (String#toWellFormed, ES2024). */
function wellFormed(s: string): string {
  return new TextDecoder().decode(new TextEncoder().encode(s));
}

/** The bytes the format prescribes for a string: its UTF-8 length as an unsigned varint, then its UTF-8. */
function utf8Field(s: string): number[] {
  const b = new TextEncoder().encode(s);
  const out: number[] = [];
  let n = b.length;
  while (n >= 0x80) {
    out.push((n % 0x80) | 0x80);
    n = Math.floor(n / 0x80);
  }
  out.push(n);
  return out.concat([...b]);
}

describe('log records and values', () => {

  test.prop([strings], { numRuns: 400, seed: 21 })('a string is its UTF-8 length and bytes, and reads back equal', (s) => {
    const w = new ByteWriter(4);
    w.str(s);
    expect([...w.view()]).toEqual(utf8Field(wellFormed(s)));
    expect(new ByteReader(w.view(), 'test').str()).toBe(wellFormed(s));
  });

  test.prop([fc.array(fc.tuple(fc.integer({ min: 1, max: 40 }), fc.array(fc.record({ e: fc.integer({ min: 1, max: 2 ** 40 }), a: fc.integer({ min: 1, max: 5000 }), v: values, added: fc.boolean() }), { maxLength: 12 })), { minLength: 1, maxLength: 6 })], {
    numRuns: 200,
    seed: 22,
  })('records written one after another parse back as the same transactions, and each alone as encodeTxRecord writes it', (txs) => {
    const clean = txs.map(([t, ds], i) => ({ t: t + 100 * i, datoms: ds.map((d) => ({ ...d, v: typeof d.v === 'string' ? wellFormed(d.v) : d.v })) }));
    const w = new LogRecordWriter(1);
    for (const { t, datoms } of clean) {
      w.begin(t, datoms.length);
      for (const d of datoms) w.datom(d.e, d.a, d.v, d.added);
      w.end();
    }
    const bytes = w.bytes().slice();
    const parsed = parseLog(bytes, 'test');
    expect(parsed.torn).toBe(false);
    expect(parsed.validLength).toBe(bytes.length);
    expect(parsed.records).toEqual(clean);
    // The same bytes as the records encoded one at a time, one after another.
    const alone = clean.flatMap(({ t, datoms }) => [...encodeTxRecord(t, datoms)]);
    expect([...bytes]).toEqual(alone);
  });
});
