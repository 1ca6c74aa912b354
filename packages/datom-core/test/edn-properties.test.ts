import { fc, test } from '@fast-check/vitest';
import { describe, expect } from 'vitest';
import { isDatomError } from '../src/error/datom-error.js';
import { BigDec } from '../src/model/big-dec.js';
import { EdnBigInt, EdnDouble } from '../src/model/edn-number.js';
import { Keyword, kw } from '../src/model/keyword.js';
import { Sym } from '../src/model/sym.js';
import { Uri } from '../src/model/uri.js';
import { Uuid } from '../src/model/uuid.js';
import { ednEquals } from '../src/edn/edn-equals.js';
import { EdnList } from '../src/edn/edn-list.js';
import { EdnSet } from '../src/edn/edn-set.js';
import { parseEdn, parseEdnAll } from '../src/edn/parse-edn.js';
import { printEdn } from '../src/edn/print-edn.js';

const NUM_RUNS = 300;
const MAX_SAFE = BigInt(Number.MAX_SAFE_INTEGER);

/**
 * Same value and same representation: same JS type or class at every level, Keyword identity, -0
 * apart from 0, BigDec scale, and the order of map entries and set elements (the printer keeps it).
 */
function sameRepr(a: unknown, b: unknown): boolean {
  if (Object.is(a, b)) return true;
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null) return false;
  if (Object.getPrototypeOf(a) !== Object.getPrototypeOf(b)) return false;
  const sameItems = (x: readonly unknown[], y: readonly unknown[]) => x.length === y.length && x.every((v, i) => sameRepr(v, y[i]));
  if (Array.isArray(a)) return sameItems(a, b as unknown[]);
  if (a instanceof EdnList || a instanceof EdnSet) return sameItems(a.items, (b as EdnList | EdnSet).items);
  if (a instanceof Map) return sameItems([...a].flat(), [...(b as Map<unknown, unknown>)].flat());
  if (a instanceof EdnDouble) return Object.is(a.value, (b as EdnDouble).value);
  if (a instanceof EdnBigInt) return a.value === (b as EdnBigInt).value;
  if (a instanceof BigDec) return a.unscaled === (b as BigDec).unscaled && a.scale === (b as BigDec).scale;
  if (a instanceof Date) return a.getTime() === (b as Date).getTime();
  if (a instanceof Uuid || a instanceof Uri) return a.text === (b as Uuid | Uri).text;
  if (a instanceof Sym) return a.fqn === (b as Sym).fqn;
  if (a instanceof Uint8Array) return sameItems([...a], [...(b as Uint8Array)]);
  return false; // Keywords are interned: different objects are different keywords
}

// Names: a first character that is never a digit, then constituents; keywords may also start with a digit.
const FIRST = 'abcxyzABXYZ*!_?$%&=<>λé'.split('');
const REST = [...FIRST, ...'0123456789.-+#\''.split('')];
const segment = fc
  .tuple(fc.constantFrom(...FIRST), fc.array(fc.constantFrom(...REST), { maxLength: 6 }))
  .map(([first, rest]) => first + rest.join(''));
const qualified = fc.tuple(fc.option(segment, { nil: undefined }), segment).map(([ns, name]) => (ns === undefined ? name : `${ns}/${name}`));
const keywordName = fc.oneof(
  qualified,
  fc.tuple(fc.integer({ min: 0, max: 999 }), segment).map(([n, s]) => `${String(n).padStart(3, '0')}-${s}`),
);
const symbolName = fc.oneof(qualified, fc.constantFrom('/', 'clojure.core//', '+', '-', '.', '-a', '+b')).filter(
  (s) => s !== 'nil' && s !== 'true' && s !== 'false',
);

const long = fc.oneof(
  fc.integer(),
  fc.maxSafeInteger(),
  fc.bigInt({ min: MAX_SAFE + 1n, max: 2n ** 80n }),
  fc.bigInt({ min: -(2n ** 80n), max: -MAX_SAFE - 1n }),
);
// The reader's canonical form of a double: integral finite values are EdnDouble, the rest numbers.
const double = fc.double().map((x) => (Number.isInteger(x) ? new EdnDouble(x) : x));
const text = fc.oneof(
  fc.string(),
  fc.string({ unit: 'binary' }),
  fc.string({ unit: fc.constantFrom('"', '\\', '\n', '\t', '\r', '\b', '\f', '\u0000', '\u007f', '\ud800', '\udc00', ';', '#', ' ', 'a') }),
);
const scalar = fc.oneof(
  fc.constant(null),
  fc.boolean(),
  text,
  long,
  double,
  fc.bigInt().map((x) => new EdnBigInt(x)),
  fc.tuple(fc.bigInt({ min: -(10n ** 30n), max: 10n ** 30n }), fc.integer({ min: -120, max: 120 })).map(([u, s]) => new BigDec(u, s)),
  keywordName.map((n) => kw(n)),
  symbolName.map((n) => new Sym(n)),
  fc
    .date({ min: new Date('0000-01-01T00:00:00.000Z'), max: new Date('9999-12-31T23:59:59.999Z'), noInvalidDate: true })
    .map((d) => new Date(d.getTime())),
  fc.uuid().map((u) => new Uuid(u)),
  fc.webUrl({ withQueryParameters: true, withFragments: true }).map((u) => new Uri(u)),
  fc.uint8Array({ maxLength: 24 }).map((b) => new Uint8Array(b)),
);

const { value: ednValue } = fc.letrec<{ value: unknown; vector: unknown[]; list: EdnList; set: EdnSet; map: Map<unknown, unknown> }>(
  (tie) => ({
    value: fc.oneof({ maxDepth: 3, depthIdentifier: 'edn' }, scalar, tie('vector'), tie('list'), tie('set'), tie('map')),
    vector: fc.array(tie('value'), { maxLength: 5, depthIdentifier: 'edn' }),
    list: fc.array(tie('value'), { maxLength: 4, depthIdentifier: 'edn' }).map((xs) => new EdnList(xs)),
    set: fc
      .uniqueArray(tie('value'), { maxLength: 4, comparator: ednEquals, depthIdentifier: 'edn' })
      .map((xs) => new EdnSet(xs)),
    map: fc
      .uniqueArray(fc.tuple(tie('value'), tie('value')), {
        maxLength: 4,
        selector: ([k]) => k,
        comparator: ednEquals,
        depthIdentifier: 'edn',
      })
      .map((entries) => new Map(entries)),
  }),
);

/** Values the printer accepts that read back in another, equal form: plain objects, safe bigints, undefined. */
const looseValue: fc.Arbitrary<unknown> = fc.letrec<{ value: unknown }>((tie) => ({
  value: fc.oneof(
    { maxDepth: 3 },
    ednValue,
    fc.constant(undefined),
    fc.bigInt({ min: -MAX_SAFE, max: MAX_SAFE }),
    fc.double({ min: 2 ** 53, noNaN: true }),
    fc.dictionary(keywordName, tie('value'), { maxKeys: 4 }),
    fc.array(tie('value'), { maxLength: 4 }),
  ),
})).value;

/** Multi-element collections, for truncation. */
const multi = fc.oneof(
  fc.array(ednValue, { minLength: 2, maxLength: 6 }),
  fc.array(ednValue, { minLength: 2, maxLength: 6 }).map((xs) => new EdnList(xs)),
  fc.uniqueArray(ednValue, { minLength: 2, maxLength: 6, comparator: ednEquals }).map((xs) => new EdnSet(xs)),
  fc
    .uniqueArray(fc.tuple(ednValue, ednValue), { minLength: 2, maxLength: 5, selector: ([k]) => k, comparator: ednEquals })
    .map((entries) => new Map(entries)),
);

// Gaps that may stand between any two tokens without changing the value.
const gap = fc
  .array(
    fc.constantFrom(' ', ',', '\n', '\t', '\r\n', ' , ', '  ; a comment with ] and "quotes\n', ';\n', ' #_ 42 ', ' #_[1 {:a #{}}] ', ' #_ #unknown/tag "x" ', '\f'),
    { minLength: 1, maxLength: 3 },
  )
  .map((parts) => parts.join(''));

/** Prints `v` with a gap from `gaps` (cycled) between every two tokens, and after tags. */
function printSpaced(v: unknown, gaps: readonly string[]): string {
  let i = 0;
  const next = () => gaps[i++ % gaps.length] as string;
  const seq = (open: string, items: readonly unknown[], close: string): string =>
    `${open}${next()}${items.map((x) => go(x)).join(next())}${next()}${close}`;
  const go = (x: unknown): string => {
    if (Array.isArray(x)) return seq('[', x, ']');
    if (x instanceof EdnList) return seq('(', x.items, ')');
    if (x instanceof EdnSet) return seq('#{', x.items, '}');
    if (x instanceof Map) return seq('{', [...x].flat(), '}');
    const flat = printEdn(x);
    return /^#[a-z]+ "/.test(flat) ? flat.replace(' ', next()) : flat;
  };
  return go(v);
}

describe('EDN properties', () => {
  test.prop([ednValue], { numRuns: NUM_RUNS })('parseEdn(printEdn(v)) is v, kind for kind', (v) => {
    const back = parseEdn(printEdn(v));
    expect(sameRepr(back, v)).toBe(true);
    expect(ednEquals(back, v)).toBe(true);
  });

  test.prop([ednValue], { numRuns: NUM_RUNS })('pretty printing reads back the same', (v) => {
    expect(sameRepr(parseEdn(printEdn(v, { pretty: true })), v)).toBe(true);
  });

  test.prop([looseValue], { numRuns: NUM_RUNS })('values in a non-canonical form read back equal by ednEquals', (v) => {
    const back = parseEdn(printEdn(v));
    expect(ednEquals(back, v)).toBe(true);
    expect(ednEquals(v, back)).toBe(true);
    expect(printEdn(back)).toBe(printEdn(parseEdn(printEdn(back))));
  });

  test.prop([ednValue, fc.array(gap, { minLength: 1, maxLength: 12 })], { numRuns: NUM_RUNS })(
    'whitespace, commas, comments and #_ between tokens do not change the value',
    (v, gaps) => {
      const spaced = printSpaced(v, gaps);
      expect(sameRepr(parseEdn(spaced), v)).toBe(true);
      expect(sameRepr(parseEdnAll(`${gaps[0]}${spaced}${gaps[0]}`), [v])).toBe(true);
    },
  );

  test.prop([multi], { numRuns: 200 })('every truncation of a printed collection is an edn/syntax error', (v) => {
    const printed = printEdn(v);
    for (let cut = 0; cut < printed.length; cut++) {
      let threw: unknown;
      try {
        parseEdn(printed.slice(0, cut));
      } catch (err) {
        threw = err;
      }
      expect(isDatomError(threw, 'edn/syntax'), `cut at ${cut}: ${printed.slice(0, cut)}`).toBe(true);
    }
    expect(sameRepr(parseEdn(printed), v)).toBe(true);
  });

  test.prop([fc.array(ednValue, { minLength: 1, maxLength: 5 })], { numRuns: 100 })(
    'a truncated sequence of forms either throws edn/syntax or parses to defined values',
    (forms) => {
      const printed = forms.map((f) => printEdn(f)).join(' ');
      for (let cut = 0; cut <= printed.length; cut++) {
        try {
          const read = parseEdnAll(printed.slice(0, cut));
          expect(Array.isArray(read)).toBe(true);
          expect(read.every((x) => x !== undefined)).toBe(true);
        } catch (err) {
          expect(isDatomError(err, 'edn/syntax'), String(err)).toBe(true);
        }
      }
    },
  );

  const noise = fc.string({
    unit: fc.constantFrom(...'[]{}()#_:;"\\ ,\n01234.5eEMN+-/abcinstuvd\'^@~`'.split(''), '#inst "2020"', '#uuid ', '##', '\\u00'),
    maxLength: 40,
  });
  test.prop([noise], { numRuns: 1000 })('any input reads or throws a DatomError, never anything else', (input) => {
    try {
      const read = parseEdnAll(input);
      expect(read.every((x) => x !== undefined)).toBe(true);
    } catch (err) {
      expect(isDatomError(err, 'edn/'), String(err)).toBe(true);
    }
  });

  test.prop([ednValue, fc.nat(), fc.nat(), fc.constantFrom('', ' ', '[', ']', '{', '}', '"', '\\', '#', ':', ';', '.', 'M', 'N', 'e')], {
    numRuns: NUM_RUNS,
  })('a printed value with one character deleted or inserted reads or throws a DatomError', (v, at, len, insert) => {
    const printed = printEdn(v);
    const i = at % (printed.length + 1);
    const mutated = printed.slice(0, i) + insert + printed.slice(i + (insert === '' ? 1 + (len % 3) : 0));
    try {
      expect(parseEdn(mutated)).not.toBeUndefined();
    } catch (err) {
      expect(isDatomError(err, 'edn/'), String(err)).toBe(true);
    }
  });

  const instant = fc.date({ min: new Date('0001-01-02T00:00:00.000Z'), max: new Date('9999-12-30T00:00:00.000Z'), noInvalidDate: true });
  test.prop([instant, fc.integer({ min: -(23 * 60 + 59), max: 23 * 60 + 59 })], { numRuns: NUM_RUNS })(
    '#inst with any offset reads as the same instant',
    (date, offset) => {
      const local = new Date(date.getTime() + offset * 60_000).toISOString().slice(0, -1);
      const abs = Math.abs(offset);
      const zone = `${offset < 0 ? '-' : '+'}${String(Math.floor(abs / 60)).padStart(2, '0')}:${String(abs % 60).padStart(2, '0')}`;
      expect((parseEdn(`#inst "${local}${zone}"`) as Date).getTime()).toBe(date.getTime());
    },
  );

  test.prop([keywordName], { numRuns: NUM_RUNS })('keywords read back as the same interned object', (name) => {
    expect(parseEdn(printEdn(kw(name)))).toBe(kw(name));
    expect(parseEdn(`:${name}`)).toBeInstanceOf(Keyword);
  });
});
