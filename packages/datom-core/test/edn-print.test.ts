import { describe, expect, it } from 'vitest';
import { DatomError } from '../src/error/datom-error.js';
import { BigDec } from '../src/model/big-dec.js';
import { EdnBigInt, EdnDouble } from '../src/model/edn-number.js';
import { kw } from '../src/model/keyword.js';
import { Sym } from '../src/model/sym.js';
import { Uri } from '../src/model/uri.js';
import { Uuid } from '../src/model/uuid.js';
import { ednEquals, EdnValueSet } from '../src/edn/edn-equals.js';
import { EdnList } from '../src/edn/edn-list.js';
import { EdnSet } from '../src/edn/edn-set.js';
import { parseEdn } from '../src/edn/parse-edn.js';
import { printEdn } from '../src/edn/print-edn.js';

function unsupported(value: unknown): DatomError {
  try {
    printEdn(value);
  } catch (err) {
    if (err instanceof DatomError && err.code === 'edn/unsupported') return err;
    throw err;
  }
  throw new Error('expected printEdn to reject the value');
}

describe('printEdn', () => {
  it('prints nil, booleans, strings with escapes', () => {
    expect(printEdn(null)).toBe('nil');
    expect(printEdn(undefined)).toBe('nil');
    expect(printEdn(true)).toBe('true');
    expect(printEdn(false)).toBe('false');
    expect(printEdn('say "hi"\\\n\t\r\b\f\u0001é😀')).toBe('"say \\"hi\\"\\\\\\n\\t\\r\\b\\f\\u0001é😀"');
    expect(parseEdn(printEdn('\ud800 lone'))).toBe('\ud800 lone');
  });

  it('prints safe integers as longs, other numbers as doubles that read back the same', () => {
    expect(printEdn(1)).toBe('1');
    expect(printEdn(-42)).toBe('-42');
    expect(printEdn(-0)).toBe('0');
    expect(printEdn(Number.MAX_SAFE_INTEGER)).toBe('9007199254740991');
    expect(printEdn(1.5)).toBe('1.5');
    expect(printEdn(-0.002)).toBe('-0.002');
    expect(printEdn(1e21)).toBe('1.0E21');
    expect(printEdn(2 ** 53)).toBe('9007199254740992.0');
    expect(printEdn(1e-7)).toBe('1.0E-7');
    expect(printEdn(1.5e-7)).toBe('1.5E-7');
    expect(printEdn(1.7976931348623157e308)).toBe('1.7976931348623157E308');
    expect(printEdn(Number.NaN)).toBe('##NaN');
    expect(printEdn(Number.POSITIVE_INFINITY)).toBe('##Inf');
    expect(printEdn(Number.NEGATIVE_INFINITY)).toBe('##-Inf');
    expect(parseEdn(printEdn(1e21))).toEqual(new EdnDouble(1e21));
    expect(parseEdn(printEdn(0.1 + 0.2))).toBe(0.1 + 0.2);
  });

  it('prints EdnDouble always as a double, bigint as a long, EdnBigInt with N, BigDec with its scale', () => {
    expect(printEdn(new EdnDouble(1))).toBe('1.0');
    expect(printEdn(new EdnDouble(-0))).toBe('-0.0');
    expect(printEdn(new EdnDouble(1e300))).toBe('1.0E300');
    expect(printEdn(new EdnDouble(2.5))).toBe('2.5');
    expect(printEdn(new EdnDouble(Number.NaN))).toBe('##NaN');
    expect(printEdn(123456789012345678901234567890n)).toBe('123456789012345678901234567890');
    expect(printEdn(-5n)).toBe('-5');
    expect(printEdn(new EdnBigInt(12n))).toBe('12N');
    expect(printEdn(new BigDec(150n, 2))).toBe('1.50M');
    expect(printEdn(new BigDec(-5n, 3))).toBe('-0.005M');
    expect(printEdn(new BigDec(1n, -3))).toBe('1E+3M');
    expect(printEdn(new BigDec(7n, 100))).toBe('7E-100M');
    expect(parseEdn(printEdn(new BigDec(7n, 100)))).toEqual(new BigDec(7n, 100));
    expect(parseEdn(printEdn(new BigDec(-12n, -5)))).toEqual(new BigDec(-12n, -5));
  });

  it('prints keywords, symbols and tagged values', () => {
    expect(printEdn(kw('person/name'))).toBe(':person/name');
    expect(printEdn(kw('001-a.edn'))).toBe(':001-a.edn');
    expect(printEdn(new Sym('my.app/backfill'))).toBe('my.app/backfill');
    expect(printEdn(new Date(Date.UTC(2020, 0, 1)))).toBe('#inst "2020-01-01T00:00:00.000-00:00"');
    expect(printEdn(new Uuid('6F1D0A5E-0000-4000-8000-00000000000A'))).toBe('#uuid "6f1d0a5e-0000-4000-8000-00000000000a"');
    expect(printEdn(new Uri('https://example.com/"q"'))).toBe('#uri "https://example.com/\\"q\\""');
    expect(printEdn(new Uint8Array([0, 1, 2, 255]))).toBe('#bytes "AAEC/w=="');
    expect(printEdn(Buffer.from([1]))).toBe('#bytes "AQ=="');
    expect(printEdn(new Uint8Array(new Uint8Array([9, 8, 7, 6]).buffer, 1, 2))).toBe('#bytes "CAc="');
  });

  it('prints collections compactly', () => {
    expect(printEdn([1, [2, 3], []])).toBe('[1 [2 3] []]');
    expect(printEdn(new EdnList([new Sym('inc'), 1]))).toBe('(inc 1)');
    expect(printEdn(new EdnSet([kw('a'), 2]))).toBe('#{:a 2}');
    expect(printEdn(new Map<unknown, unknown>([[kw('a'), 1], ['b', [2]], [[1], null]]))).toBe('{:a 1, "b" [2], [1] nil}');
    expect(printEdn(new Map())).toBe('{}');
    expect(printEdn(new EdnList([]))).toBe('()');
    expect(printEdn(new EdnSet([]))).toBe('#{}');
  });

  it('prints plain objects as maps with keyword keys', () => {
    expect(printEdn({ 'person/name': 'x', 'db/id': -1, 'person/tags': new EdnSet([kw('a')]) })).toBe(
      '{:person/name "x", :db/id -1, :person/tags #{:a}}',
    );
    expect(printEdn({})).toBe('{}');
    expect(printEdn(Object.assign(Object.create(null), { a: 1 }))).toBe('{:a 1}');
    expect(printEdn({ a: undefined })).toBe('{:a nil}');
    expect(ednEquals(parseEdn(printEdn({ 'a/b': [1] })), { 'a/b': [1] })).toBe(true);
  });

  it('pretty-prints what does not fit in 80 columns, aligned under the bracket', () => {
    const schema = [
      { 'db/ident': kw('person/name'), 'db/valueType': kw('db.type/string'), 'db/cardinality': kw('db.cardinality/one') },
      { 'db/ident': kw('person/friends'), 'db/valueType': kw('db.type/ref'), 'db/cardinality': kw('db.cardinality/many') },
    ];
    const text = printEdn(schema, { pretty: true });
    expect(text).toBe(
      [
        '[{:db/ident :person/name,',
        '  :db/valueType :db.type/string,',
        '  :db/cardinality :db.cardinality/one}',
        ' {:db/ident :person/friends,',
        '  :db/valueType :db.type/ref,',
        '  :db/cardinality :db.cardinality/many}]',
      ].join('\n'),
    );
    expect(ednEquals(parseEdn(text), schema)).toBe(true);
    expect(printEdn([1, 2], { pretty: true })).toBe('[1 2]');
    const nested = new Map<unknown, unknown>([[kw('k'), new EdnSet(['x'.repeat(50), 'y'.repeat(50)])]]);
    expect(printEdn(nested, { pretty: true })).toBe(`{:k #{"${'x'.repeat(50)}"\n      "${'y'.repeat(50)}"}}`);
  });

  it('rejects what EDN cannot hold, as edn/unsupported', () => {
    expect(unsupported(() => 1).message).toContain('cannot print a function');
    expect(unsupported(Symbol('s')).message).toContain('cannot print a symbol');
    expect(unsupported(new Set([1])).message).toContain('EdnSet');
    class Point {
      x = 1;
    }
    expect(unsupported([new Point()]).message).toContain('cannot print a Point');
    expect(unsupported(new Int32Array(1)).message).toContain('Int32Array');
    expect(unsupported(kw('has space')).message).toContain('keyword');
    expect(unsupported(kw('a/b/c')).message).toContain('more than one /');
    expect(unsupported(new Sym('nil')).message).toContain('literal nil');
    expect(unsupported(new Sym('1a')).message).toContain('may not start with a digit');
    expect(unsupported({ 'not a keyword': 1 }).message).toContain('use a Map');
    expect(unsupported(new Date(Number.NaN)).message).toContain('invalid Date');
    expect(unsupported(new Date(Date.UTC(10000, 0, 1))).message).toContain('0000..9999');
    const cyclic: unknown[] = [];
    cyclic.push(cyclic);
    expect(unsupported(cyclic).message).toContain('cyclic');
  });
});

describe('ednEquals', () => {
  it('compares as EDN does', () => {
    expect(ednEquals(1, 1n)).toBe(true);
    expect(ednEquals(1n, 1)).toBe(true);
    expect(ednEquals(1, new EdnDouble(1))).toBe(false);
    expect(ednEquals(new EdnDouble(1.5), 1.5)).toBe(true);
    expect(ednEquals(1e21, new EdnDouble(1e21))).toBe(true);
    expect(ednEquals(Number.NaN, Number.NaN)).toBe(true);
    expect(ednEquals(new EdnDouble(0), new EdnDouble(-0))).toBe(false);
    expect(ednEquals(1, new EdnBigInt(1n))).toBe(false);
    expect(ednEquals(new BigDec(10n, 1), new BigDec(100n, 2))).toBe(false);
    expect(ednEquals(null, undefined)).toBe(true);
    expect(ednEquals([1, 2], new EdnList([1, 2]))).toBe(false);
    expect(ednEquals(new EdnSet([1, 2]), new EdnSet([2, 1]))).toBe(true);
    expect(ednEquals(new Map([[1, 2], [3, 4]]), new Map([[3, 4], [1, 2]]))).toBe(true);
    expect(ednEquals({ a: 1 }, new Map([[kw('a'), 1]]))).toBe(true);
    expect(ednEquals({ a: 1 }, new Map([['a', 1]]))).toBe(false);
    expect(ednEquals(new Uint8Array([1, 2]), Buffer.from([1, 2]))).toBe(true);
    expect(ednEquals(new Date(5), new Date(5))).toBe(true);
    expect(ednEquals(new Sym('a'), new Sym('a'))).toBe(true);
    expect(ednEquals(new Sym('a'), kw('a'))).toBe(false);
    expect(ednEquals({}, {})).toBe(true);
    expect(ednEquals(new (class X {})(), new (class X {})())).toBe(false);
    const big = Array.from({ length: 20 }, (_, i) => [i, new Sym(`s${i}`)]);
    expect(ednEquals(new EdnSet(big), new EdnSet([...big].reverse()))).toBe(true);
  });

  it('EdnValueSet finds values equal by ednEquals', () => {
    const set = new EdnValueSet();
    for (const v of [1, 'a', kw('a'), new Sym('a'), 1.5, new EdnDouble(1), [1], new Map([[1, 2]]), null, 2n ** 60n]) {
      expect(set.add(v)).toBe(true);
    }
    const probes: [unknown, boolean][] = [
      [1n, true],
      ['a', true],
      [kw('a'), true],
      [new Sym('a'), true],
      [new EdnDouble(1.5), true],
      [new EdnDouble(1), true],
      [1.0, true],
      [[1], true],
      [new Map([[1, 2]]), true],
      [undefined, true],
      [2n ** 60n, true],
      [new Sym('b'), false],
      [new EdnDouble(2), false],
      [[1, 2], false],
      [new EdnList([1]), false],
      [{ 1: 2 }, false],
      [2n ** 61n, false],
    ];
    for (const [v, present] of probes) expect(set.has(v), String(v)).toBe(present);
    expect(set.add(new Sym('a'))).toBe(false);
  });
});
