import { fc, test } from '@fast-check/vitest';
import { describe, expect, it } from 'vitest';
import { BigDec, DatomError, isDatomError, kw, Keyword, uuid } from '../src/index.js';
import { Uuid, uuidFromBytes } from '../src/model/uuid.js';

describe('Keyword', () => {
  it('interns, with or without the colon', () => {
    expect(kw('person/name')).toBe(kw(':person/name'));
    expect(kw('person/name')).toBeInstanceOf(Keyword);
    expect(kw('a.b/c').namespace).toBe('a.b');
    expect(kw('plain').namespace).toBeNull();
    expect(String(kw('x/y'))).toBe(':x/y');
  });
});

describe('BigDec', () => {
  it('keeps its scale', () => {
    expect(BigDec.parse('1.50').toString()).toBe('1.50');
    expect(BigDec.parse('-0.05M').toString()).toBe('-0.05');
    expect(BigDec.parse('12e2').toString()).toBe('1200');
    expect(BigDec.parse('1.0').compare(BigDec.parse('1.00'))).toBe(0);
    expect(BigDec.parse('1.0').equals(BigDec.parse('1.00'))).toBe(false);
  });
});

describe('DatomError', () => {
  it('carries a code and a brand', () => {
    const err = new DatomError('transact/unique', 'boom', { data: { attribute: ':a/b' } });
    expect(isDatomError(err)).toBe(true);
    expect(isDatomError(err, 'transact/unique')).toBe(true);
    expect(isDatomError(err, 'transact/')).toBe(true);
    expect(isDatomError(err, 'edn/syntax')).toBe(false);
    expect(err.data).toEqual({ attribute: ':a/b' });
  });
  it('rejects a malformed uuid', () => {
    expect(() => uuid('nope')).toThrow(TypeError);
  });
  it('makes a uuid from its 16 bytes, as its canonical text says', () => {
    const bytes = Uint8Array.from({ length: 20 }, (_, i) => (i * 37 + 11) & 0xff);
    const u = uuidFromBytes(bytes, 2);
    const hex = Buffer.from(bytes.subarray(2, 18)).toString('hex');
    expect(u.text).toBe(`${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`);
    expect(uuid(u.text.toUpperCase())).toEqual(u);
    expect(Object.isFrozen(u)).toBe(true);
    expect(() => uuidFromBytes(bytes, 5)).toThrow(RangeError);
    // The constructor checks text again after a uuid made from bytes.
    expect(() => uuid('nope')).toThrow(TypeError);
    expect(Uuid.random().text).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
  });
});

describe('uuid text', () => {
  /** The rule: 8-4-4-4-12 hex digits once in lower case (what a regular expression checked before). */
  const RULE = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
  /** Uuid-like text: the right length and dashes mostly, with characters of every kind in them. */
  const nearly = fc
    .tuple(fc.uuid(), fc.array(fc.tuple(fc.nat({ max: 35 }), fc.constantFrom('A', 'F', 'G', 'g', 'z', '-', '0', '9', ' ', 'é', 'İ', '\u212a', 'ａ')), { maxLength: 3 }), fc.boolean())
    .map(([u, edits, upper]) => {
      const chars = [...(upper ? u.toUpperCase() : u)];
      for (const [at, c] of edits) chars[at] = c;
      return chars.join('');
    });
  test.prop([fc.oneof(nearly, fc.string({ maxLength: 40 }))], { numRuns: 2000 })('a uuid is made of text the rule takes, in lower case; other text is a TypeError', (text) => {
    const lower = text.toLowerCase();
    if (RULE.test(lower)) expect(uuid(text).text).toBe(lower);
    else expect(() => uuid(text)).toThrow(TypeError);
  });
});
