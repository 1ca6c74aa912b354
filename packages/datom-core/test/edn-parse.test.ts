import { describe, expect, it } from 'vitest';
import { DatomError, type DatomErrorCode, isDatomError } from '../src/error/datom-error.js';
import { BigDec } from '../src/model/big-dec.js';
import { EdnBigInt, EdnDouble } from '../src/model/edn-number.js';
import { Keyword, kw } from '../src/model/keyword.js';
import { Sym } from '../src/model/sym.js';
import { Uri } from '../src/model/uri.js';
import { Uuid } from '../src/model/uuid.js';
import { EdnList } from '../src/edn/edn-list.js';
import { EdnSet } from '../src/edn/edn-set.js';
import { parseEdn, parseEdnAll, parseEdnForms } from '../src/edn/parse-edn.js';
import type { ParseEdnOptions } from '../src/edn/parse-edn.js';
import { printEdn } from '../src/edn/print-edn.js';

/** The DatomError that parsing `text` throws. */
function failure(text: string, options?: ParseEdnOptions): DatomError {
  try {
    parseEdn(text, options);
  } catch (err) {
    if (err instanceof DatomError) return err;
    throw new Error(`expected a DatomError for ${JSON.stringify(text)}, got ${String(err)}`);
  }
  throw new Error(`expected ${JSON.stringify(text)} to be rejected`);
}

describe('parseEdn: scalars', () => {
  it('reads nil, booleans and strings with every escape', () => {
    expect(parseEdn('nil')).toBeNull();
    expect(parseEdn('true')).toBe(true);
    expect(parseEdn('false')).toBe(false);
    expect(parseEdn('"plain"')).toBe('plain');
    expect(parseEdn('""')).toBe('');
    expect(parseEdn('"a\\tb\\nc\\rd\\\\e\\"f\\bg\\fh"')).toBe('a\tb\nc\rd\\e"f\bg\fh');
    expect(parseEdn('"caf\\u00e9 \\u00C9 \\ud83d\\ude00"')).toBe('café É 😀');
    expect(parseEdn('"two\nlines"')).toBe('two\nlines');
  });

  it('reads strings after a long run without escapes, and escapes after it', () => {
    const long = 'x'.repeat(10_000);
    expect(parseEdnAll(`"${long}" "a\\nb" "${long}" "c\\"d"`)).toEqual([long, 'a\nb', long, 'c"d']);
  });

  it('reads characters as one-character strings', () => {
    expect(parseEdn('[\\a \\Z \\( \\\\ \\" \\; \\,]')).toEqual(['a', 'Z', '(', '\\', '"', ';', ',']);
    expect(parseEdn('[\\newline \\space \\tab \\return \\backspace \\formfeed]')).toEqual(['\n', ' ', '\t', '\r', '\b', '\f']);
    expect(parseEdn('[\\u0041 \\u00e9 \\u]')).toEqual(['A', 'é', 'u']);
    expect(parseEdn('[\\a\\b]')).toEqual(['a', 'b']);
    expect(parseEdn('\\😀')).toBe('😀');
  });

  it('reads integers as safe numbers, else bigints, and N as EdnBigInt', () => {
    expect(parseEdn('0')).toBe(0);
    expect(Object.is(parseEdn('-0'), 0)).toBe(true);
    expect(parseEdn('+7')).toBe(7);
    expect(parseEdn('-42')).toBe(-42);
    expect(parseEdn('9007199254740991')).toBe(Number.MAX_SAFE_INTEGER);
    expect(parseEdn('-9007199254740991')).toBe(-Number.MAX_SAFE_INTEGER);
    expect(parseEdn('9007199254740992')).toBe(9007199254740992n);
    expect(parseEdn('-123456789012345678901234567890')).toBe(-123456789012345678901234567890n);
    expect(parseEdn('12N')).toEqual(new EdnBigInt(12n));
    expect(parseEdn('-0N')).toEqual(new EdnBigInt(0n));
    expect(parseEdn('99999999999999999999N')).toEqual(new EdnBigInt(99999999999999999999n));
  });

  it('reads floats as numbers, integral ones as EdnDouble', () => {
    expect(parseEdn('1.5')).toBe(1.5);
    expect(parseEdn('-2.0E-3')).toBe(-0.002);
    expect(parseEdn('+0.25')).toBe(0.25);
    expect(parseEdn('1.0')).toEqual(new EdnDouble(1));
    expect(parseEdn('1e3')).toEqual(new EdnDouble(1000));
    expect(parseEdn('1E+3')).toEqual(new EdnDouble(1000));
    const negZero = parseEdn('-0.0');
    expect(negZero).toBeInstanceOf(EdnDouble);
    expect(Object.is((negZero as EdnDouble).value, -0)).toBe(true);
    expect(parseEdn('1.0')).not.toEqual(parseEdn('1'));
    expect(parseEdn('1e400')).toBe(Number.POSITIVE_INFINITY);
    expect(parseEdn('0.1')).toBe(0.1);
  });

  it('reads ##Inf, ##-Inf and ##NaN', () => {
    expect(parseEdn('##Inf')).toBe(Number.POSITIVE_INFINITY);
    expect(parseEdn('##-Inf')).toBe(Number.NEGATIVE_INFINITY);
    expect(parseEdn('##NaN')).toBeNaN();
    expect(parseEdn('[##Inf ##NaN]')).toHaveLength(2);
  });

  it('reads M as a BigDec with the scale as written', () => {
    const d = parseEdn('1.50M') as BigDec;
    expect(d).toBeInstanceOf(BigDec);
    expect([d.unscaled, d.scale]).toEqual([150n, 2]);
    expect(parseEdn('1M')).toEqual(new BigDec(1n, 0));
    expect(parseEdn('-0.05M')).toEqual(new BigDec(-5n, 2));
    expect(parseEdn('1e3M')).toEqual(new BigDec(1n, -3));
    expect(parseEdn('+2.5e-2M')).toEqual(new BigDec(25n, 3));
  });

  it('reads keywords as interned Keywords, also those starting with a digit', () => {
    expect(parseEdn(':person/name')).toBe(kw('person/name'));
    expect(parseEdn(':a')).toBeInstanceOf(Keyword);
    expect(parseEdn(':001-a.edn')).toBe(kw('001-a.edn'));
    expect(parseEdn(':1')).toBe(kw('1'));
    expect(parseEdn(':db.type/string')).toBe(kw('db.type/string'));
    expect(parseEdn(':a.b-c*d+e!f_g?h$i%j&k=l<m>n\'o#p')).toBe(kw("a.b-c*d+e!f_g?h$i%j&k=l<m>n'o#p"));
    expect(parseEdn(':nil')).toBe(kw('nil'));
    expect(parseEdn(':λ/é')).toBe(kw('λ/é'));
  });

  it('reads symbols as Syms', () => {
    const names = ['a', 'a/b', 'my.app/backfill', '/', 'clojure.core//', '+', '-', '-a', '+a', '.', '..', 'a.b', 'x1', 'nil?', 'true-ish'];
    for (const name of names) {
      const s = parseEdn(name);
      expect(s, name).toBeInstanceOf(Sym);
      expect((s as Sym).fqn).toBe(name);
    }
  });
});

describe('parseEdn: collections', () => {
  it('reads vectors as arrays, lists as EdnList, sets as EdnSet, maps as Maps in source order', () => {
    expect(parseEdn('[1 [2] []]')).toEqual([1, [2], []]);
    const list = parseEdn('(inc 1)') as EdnList;
    expect(list).toBeInstanceOf(EdnList);
    expect(list.items).toEqual([new Sym('inc'), 1]);
    expect([...list]).toHaveLength(2);
    const set = parseEdn('#{:b :a 3}') as EdnSet;
    expect(set).toBeInstanceOf(EdnSet);
    expect(set.items).toEqual([kw('b'), kw('a'), 3]);
    expect(set.size).toBe(3);
    const map = parseEdn('{:z 1, :a 2, "k" [3], nil 4, [1 2] #{}}') as Map<unknown, unknown>;
    expect(map).toBeInstanceOf(Map);
    expect([...map.keys()]).toEqual([kw('z'), kw('a'), 'k', null, [1, 2]]);
    expect(map.get(kw('a'))).toBe(2);
    expect(parseEdn('{}')).toEqual(new Map());
    expect(parseEdn('()')).toEqual(new EdnList([]));
    expect(parseEdn('#{}')).toEqual(new EdnSet([]));
  });

  it('keeps "__proto__" an ordinary key', () => {
    const map = parseEdn('{"__proto__" {"polluted" true}, :__proto__ 2, "constructor" 3}') as Map<unknown, unknown>;
    expect(map.get('__proto__')).toEqual(new Map([['polluted', true]]));
    expect(map.get(kw('__proto__'))).toBe(2);
    expect(map.size).toBe(3);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    expect(Object.getPrototypeOf(map)).toBe(Map.prototype);
  });

  it('rejects duplicate set elements and map keys, by value', () => {
    // [input, the duplicate as written (the error points at its last occurrence), message]
    const cases: [string, string, string][] = [
      ['#{1 2 1}', '1', 'duplicate set element 1'],
      ['#{[1 {:a 2}] [1 {:a 2}]}', '[1 {:a 2}]', 'duplicate set element [1 {:a 2}]'],
      ['#{1.5 1.5}', '1.5', 'duplicate set element 1.5'],
      ['#{##NaN ##NaN}', '##NaN', 'duplicate set element ##NaN'],
      ['#{a a}', 'a', 'duplicate set element a'],
      ['#{#uuid "00000000-0000-4000-8000-000000000000" #uuid "00000000-0000-4000-8000-000000000000"}', '#uuid', 'duplicate set element #uuid'],
      ['{:a 1 :a 2}', ':a', 'duplicate map key :a'],
      ['{"a" 1 "a" 2}', '"a"', 'duplicate map key "a"'],
      ['{1.0M 1 1.0M 2}', '1.0M', 'duplicate map key 1.0M'],
      ['{#{1 2} :x #{2 1} :y}', '#{2 1}', 'duplicate map key #{2 1}'],
      ['{{:a 1 :b 2} 1 {:b 2 :a 1} 2}', '{:b 2 :a 1}', 'duplicate map key {:b 2, :a 1}'],
      ['{12345678901234567890 1 12345678901234567890 2}', '12345678901234567890', 'duplicate map key 12345678901234567890'],
    ];
    for (const [text, duplicate, message] of cases) {
      const err = failure(text);
      expect(err.code, text).toBe('edn/syntax');
      expect(err.message, text).toContain(message);
      expect(err.data.column, text).toBe(text.lastIndexOf(duplicate) + 1);
    }
  });

  it('keeps values of different kinds apart in sets and maps', () => {
    expect((parseEdn('#{1 1.0 1N 1M 1.00M "1" :1 a/b}') as EdnSet).size).toBe(8);
    expect(() => parseEdn('#{"a" \\a}')).toThrow(/duplicate set element/);
    expect((parseEdn('#{0.0 -0.0}') as EdnSet).size).toBe(2);
    expect((parseEdn('{[1] 1 (1) 2}') as Map<unknown, unknown>).size).toBe(2);
    expect((parseEdn('#{a :a "a"}') as EdnSet).size).toBe(3);
  });
});

describe('parseEdn: tags', () => {
  it('reads #inst as a Date, with offsets, fractions and the shorter forms', () => {
    const at = (text: string) => (parseEdn(`#inst "${text}"`) as Date).toISOString();
    expect(at('2020-01-01T00:00:00.000-00:00')).toBe('2020-01-01T00:00:00.000Z');
    expect(at('2020-01-01T10:00:00Z')).toBe('2020-01-01T10:00:00.000Z');
    expect(at('2020-01-01T10:00:00+02:30')).toBe('2020-01-01T07:30:00.000Z');
    expect(at('2020-01-01T10:00:00-05:00')).toBe('2020-01-01T15:00:00.000Z');
    expect(at('2020-01-01T10:00:00.5Z')).toBe('2020-01-01T10:00:00.500Z');
    expect(at('2020-01-01T10:00:00.123456789Z')).toBe('2020-01-01T10:00:00.123Z');
    expect(at('2024-02-29')).toBe('2024-02-29T00:00:00.000Z');
    expect(at('2020')).toBe('2020-01-01T00:00:00.000Z');
    expect(at('0001-01-01T00:00:00Z')).toBe('0001-01-01T00:00:00.000Z');
    expect(at('0000-02-29T23:00:00-01:00')).toBe('0000-03-01T00:00:00.000Z');
    expect(at('2020-05:00')).toBe('2020-01-01T05:00:00.000Z');
    expect(at('2020-01-01T10:30')).toBe('2020-01-01T10:30:00.000Z');
    expect(parseEdn('#inst "2020-01-01"')).toBeInstanceOf(Date);
  });

  it('rejects invalid #inst values at the value', () => {
    const bad = [
      ['2021-02-29', 'day 29 is out of range'],
      ['2020-13-01', 'month 13'],
      ['2020-01-01T24:00:00Z', 'hour 24'],
      ['2020-01-01T10:60:00Z', 'minute 60'],
      ['2020-01-01T10:00:60Z', 'second 60'],
      ['2020-01-01t10:00:00z', 'not an RFC 3339'],
      ['2020-01-01 10:00:00', 'not an RFC 3339'],
      ['2020-01-01T10:00:00+24:00', 'offset +24:00'],
      ['yesterday', 'not an RFC 3339'],
      ['2020-01-01T10:00:00+0100', 'not an RFC 3339'],
      ['2020-01-01T10:00:00.', 'not an RFC 3339'],
      ['2020-1-01', 'not an RFC 3339'],
    ];
    for (const [text, why] of bad) {
      const err = failure(`[#inst "${text}"]`);
      expect(err.code).toBe('edn/syntax');
      expect(err.message).toContain(why);
      expect(err.data.column).toBe(8);
    }
    expect(failure('#inst 2020').message).toContain('#inst takes a string');
  });

  it('reads #uuid, #uri and #bytes', () => {
    expect(parseEdn('#uuid "6F1D0A5E-0000-4000-8000-00000000000A"')).toEqual(new Uuid('6f1d0a5e-0000-4000-8000-00000000000a'));
    expect(parseEdn('#uri "https://example.com/a?b=c"')).toEqual(new Uri('https://example.com/a?b=c'));
    const bytes = parseEdn('#bytes "AAEC/w=="');
    expect(bytes).toBeInstanceOf(Uint8Array);
    expect(Object.getPrototypeOf(bytes)).toBe(Uint8Array.prototype);
    expect([...(bytes as Uint8Array)]).toEqual([0, 1, 2, 255]);
    expect(parseEdn('#bytes ""')).toEqual(new Uint8Array());
  });

  it('rejects malformed #uuid, #uri and #bytes values', () => {
    expect(failure('#uuid "not-a-uuid"').message).toContain('invalid #uuid');
    expect(failure('#uri "has space"').message).toContain('invalid #uri');
    expect(failure('#bytes "AAE"').message).toContain('not a multiple of 4');
    expect(failure('#bytes "AA!="').message).toContain('outside the base64 alphabet');
    expect(failure('#bytes 12').message).toContain('#bytes takes a base64 string');
  });

  it('rejects an unknown tag as edn/unsupported, with its position', () => {
    const err = failure('[1\n  #my.app/money 12]', { source: 'tx.edn' });
    expect(err.code).toBe('edn/unsupported');
    expect(err.message).toBe('tx.edn:2:3: unknown tag #my.app/money: pass a reader for it in options.tags');
    expect(err.data).toMatchObject({ source: 'tx.edn', line: 2, column: 3, tag: 'my.app/money' });
    // Names that Object.prototype has are not tag readers.
    expect(failure('#toString 1', { tags: {} }).code).toBe('edn/unsupported');
    expect(failure('#constructor 1').code).toBe('edn/unsupported');
  });

  it('uses options.tags, ahead of the built-in tags', () => {
    const tags = {
      'my.app/money': (v: unknown) => ({ cents: v }),
      inst: (v: unknown) => `raw:${String(v)}`,
    };
    expect(parseEdn('[#my.app/money 12 #inst "2020"]', { tags })).toEqual([{ cents: 12 }, 'raw:2020']);
    expect(parseEdn('#my.app/money #my.app/money 1', { tags })).toEqual({ cents: { cents: 1 } });
  });

  it('reports a tag reader that throws as edn/syntax at the tag, with the cause', () => {
    const cause = new RangeError('negative');
    const err = failure(' #money -1', {
      tags: {
        money: () => {
          throw cause;
        },
      },
    });
    expect(err.code).toBe('edn/syntax');
    expect(err.message).toBe('<input>:1:2: the reader for #money rejected -1: negative');
    expect(err.cause).toBe(cause);
    const own = new DatomError('schema/validation', 'mine');
    expect(
      failure('#x 1', {
        tags: {
          x: () => {
            throw own;
          },
        },
      }),
    ).toBe(own);
  });
});

describe('parseEdn: whitespace, comments, discard', () => {
  it('treats commas as whitespace and skips ; comments', () => {
    expect(parseEdn(',,[1,2 ,3],,')).toEqual([1, 2, 3]);
    expect(parseEdn('; head\n[1 ; one\n 2] ; tail')).toEqual([1, 2]);
    expect(parseEdn('[1;c\r\n2]')).toEqual([1, 2]);
    expect(parseEdn('\ufeff[1]')).toEqual([1]);
    expect(parseEdn('\t\f\v 1 \r\n')).toBe(1);
  });

  it('discards the form after #_, anywhere', () => {
    expect(parseEdn('#_ :gone [1 #_2 3 #_[4 5]]')).toEqual([1, 3]);
    expect(parseEdn('[#_ #_ 1 2 3]')).toEqual([3]);
    expect(parseEdn('{:a #_ :b 1}')).toEqual(new Map([[kw('a'), 1]]));
    expect(parseEdn('[1 #_#unknown/tag {:x 1}]')).toEqual([1]);
    expect(parseEdn('[#_#{1 1} 2]')).toEqual([2]);
    expect(parseEdn('1 #_2')).toBe(1);
    expect(parseEdnAll('#_1')).toEqual([]);
  });
});

describe('parseEdnAll', () => {
  it('returns every top-level form in order', () => {
    expect(parseEdnAll('{:a 1} {:b 2} 3 [4]')).toEqual([new Map([[kw('a'), 1]]), new Map([[kw('b'), 2]]), 3, [4]]);
    expect(parseEdnAll('')).toEqual([]);
    expect(parseEdnAll('  ; only a comment\n')).toEqual([]);
    expect(parseEdnAll('nil nil')).toEqual([null, null]);
    expect(parseEdnAll('1"a":b[2]')).toEqual([1, 'a', kw('b'), [2]]);
  });

  it('rejects a truncated last form', () => {
    expect(() => parseEdnAll('{:a 1} {:b')).toThrow(/1:8: unterminated map/);
  });
});

describe('parseEdnForms', () => {
  it('says where each top-level form starts, past comments, discards and every kind of line end', () => {
    const text = '\uFEFF[1]\n; a comment [x]\n  #_[skipped\n] {:a\n 1}\r\n"s\nt" \r:k\n\n(3)';
    const forms = parseEdnForms(text);
    expect(forms.map((f) => f.value)).toEqual(parseEdnAll(text));
    expect(forms.map(({ line, column }) => [line, column])).toEqual([[1, 1], [4, 3], [6, 1], [8, 1], [10, 1]]);
    for (const f of forms) expect(parseEdnAll(text.slice(f.offset))[0]).toEqual(f.value);
  });

  it('fails as parseEdnAll does', () => {
    expect(() => parseEdnForms('[1]\n{:b', { source: 'tx.edn' })).toThrow(/tx\.edn:2:1: unterminated map/);
  });
});

describe('parseEdn: errors', () => {
  // [input, code, line, column, message fragment]
  const cases: [string, DatomErrorCode, number, number, string][] = [
    ['', 'edn/syntax', 1, 1, 'the input is empty'],
    ['  ; nothing\n ', 'edn/syntax', 2, 2, 'the input is empty'],
    ['{:a 1', 'edn/syntax', 1, 1, 'unterminated map'],
    ['{:a', 'edn/syntax', 1, 1, 'unterminated map'],
    ['[1 2', 'edn/syntax', 1, 1, 'unterminated vector'],
    ['  (1', 'edn/syntax', 1, 3, 'unterminated list'],
    ['[\n  #{1 2', 'edn/syntax', 2, 3, 'unterminated set'],
    ['"abc', 'edn/syntax', 1, 1, 'unterminated string'],
    ['[1\n "ab\\"c]', 'edn/syntax', 2, 2, 'unterminated string'],
    ['"abc\\', 'edn/syntax', 1, 1, 'unterminated string'],
    ['1 2', 'edn/syntax', 1, 3, 'use parseEdnAll'],
    ['{:a 1} {:b 2}', 'edn/syntax', 1, 8, 'use parseEdnAll'],
    [']', 'edn/syntax', 1, 1, 'unexpected ]: nothing open'],
    ['[1] ]', 'edn/syntax', 1, 5, 'unexpected ]'],
    ['[1 2}', 'edn/syntax', 1, 5, 'the vector opened at 1:1 must be closed with ] first'],
    ['{:a [1)}', 'edn/syntax', 1, 7, 'the vector opened at 1:5'],
    ['{:a 1 :b)', 'edn/syntax', 1, 9, 'the map opened at 1:1'],
    ['{:a 1 :b}', 'edn/syntax', 1, 7, 'the map key :b has no value'],
    ['01', 'edn/syntax', 1, 1, 'leading zeros'],
    ['[1 -01]', 'edn/syntax', 1, 4, 'leading zeros'],
    ['00.5', 'edn/syntax', 1, 1, 'leading zeros'],
    ['0x1F', 'edn/syntax', 1, 1, 'hexadecimal'],
    ['1/2', 'edn/syntax', 1, 1, 'ratios'],
    ['2r101', 'edn/syntax', 1, 1, 'radix'],
    ['1.', 'edn/syntax', 1, 1, 'decimal point must be followed by a digit'],
    ['1e', 'edn/syntax', 1, 1, 'exponent needs digits'],
    ['1.5N', 'edn/syntax', 1, 1, 'N marks an integer'],
    ['12abc', 'edn/syntax', 1, 1, 'invalid number 12abc'],
    ['1.5.3', 'edn/syntax', 1, 1, 'invalid number'],
    ['.5', 'edn/syntax', 1, 1, 'digit before the decimal point'],
    [':', 'edn/syntax', 1, 1, 'keyword needs a name'],
    ['::a', 'edn/syntax', 1, 2, 'auto-resolved'],
    [':a/', 'edn/syntax', 1, 3, 'may not end with /'],
    [':/a', 'edn/syntax', 1, 2, 'may not start with /'],
    [':a/b/c', 'edn/syntax', 1, 5, 'more than one /'],
    [':a/1', 'edn/syntax', 1, 4, 'starts with a digit'],
    ['a/1', 'edn/syntax', 1, 3, 'starts with a digit'],
    [':a:', 'edn/syntax', 1, 3, "may not end with ':'"],
    ['a@b', 'edn/syntax', 1, 2, "unexpected character '@'"],
    ['[1 \\ ]', 'edn/syntax', 1, 4, 'write \\space'],
    ['\\', 'edn/syntax', 1, 1, 'backslash at the end'],
    ['\\abc', 'edn/syntax', 1, 1, 'unknown character \\abc'],
    ['"\\q"', 'edn/syntax', 1, 2, 'unknown escape \\q'],
    ['"\\u12"', 'edn/syntax', 1, 2, 'invalid \\u escape'],
    ['#', 'edn/syntax', 1, 1, '# at the end'],
    ['# inst', 'edn/syntax', 1, 1, 'is not EDN'],
    ['#:person{:name "x"}', 'edn/syntax', 1, 1, 'namespaced maps'],
    ['#"re"', 'edn/syntax', 1, 1, 'regular expressions'],
    ['##Infinity', 'edn/syntax', 1, 1, 'unknown symbolic value ##Infinity'],
    ['#inst', 'edn/syntax', 1, 1, 'the tag #inst needs a value'],
    ['[#uuid]', 'edn/syntax', 1, 2, 'the tag #uuid needs a value'],
    ['#_', 'edn/syntax', 1, 1, '#_ must be followed by a form'],
    ['[1 #_]', 'edn/syntax', 1, 4, '#_ must be followed by a form'],
    ["'a", 'edn/syntax', 1, 1, 'quote'],
    ['^:meta x', 'edn/syntax', 1, 1, 'metadata'],
    ['@x', 'edn/syntax', 1, 1, 'deref'],
    ['#foo 1', 'edn/unsupported', 1, 1, 'unknown tag #foo'],
  ];
  for (const [text, code, line, column, fragment] of cases) {
    it(`${JSON.stringify(text)} → ${code} at ${line}:${column}`, () => {
      const err = failure(text);
      expect(isDatomError(err, code)).toBe(true);
      expect(err.data).toMatchObject({ line, column });
      expect(err.message).toContain(fragment);
      expect(err.message.startsWith(`<input>:${line}:${column}: `)).toBe(true);
    });
  }

  it('names the source file in the message and data', () => {
    const err = failure('[{:a 1}\n {:b "x}]\n', { source: 'migrations/01.edn' });
    expect(err.message).toBe('migrations/01.edn:2:6: unterminated string: no closing " before the end of the input');
    expect(err.data).toEqual({ source: 'migrations/01.edn', line: 2, column: 6, offset: 13 });
  });

  it('counts \\r\\n and \\r as one line break', () => {
    expect(failure('[1\r\n2\r3\r\n  }').data).toMatchObject({ line: 4, column: 3 });
  });

  it('rejects nesting deeper than 1000 levels with an error, not a stack overflow', () => {
    expect(parseEdn(`${'['.repeat(1000)}${']'.repeat(1000)}`)).toHaveLength(1);
    const err = failure(`${'['.repeat(100_000)}${']'.repeat(100_000)}`);
    expect(err.code).toBe('edn/syntax');
    expect(err.message).toContain('nested more than 1000 levels');
    expect(failure('#_'.repeat(5000)).code).toBe('edn/syntax');
    const sets = `${'#{'.repeat(1000)}${'}'.repeat(1000)}`;
    expect(printEdn(parseEdn(sets))).toBe(sets);
    const maps = `${'{:k '.repeat(999)}{}${'}'.repeat(999)}`;
    expect(printEdn(parseEdn(maps))).toBe(maps);
    expect(parseEdn(`${'#x '.repeat(999)}1`, { tags: { x: (v) => [v] } })).toHaveLength(1);
  });

  it('throws a TypeError for input that is not a string', () => {
    expect(() => parseEdn(Buffer.from('1') as unknown as string)).toThrow(TypeError);
  });
});
