import { describe, expect, it } from 'vitest';
import { BigDec, DatomError, isDatomError, kw, Keyword, uuid } from '../src/index.js';

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
});
