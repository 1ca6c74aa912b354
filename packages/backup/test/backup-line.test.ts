import { fc, test } from '@fast-check/vitest';
import { BigDec, EdnBigInt, EdnDouble, isDatomError, kw, printEdn, uri, uuid } from '@datomkit/datom-core';
import { describe, expect, it } from 'vitest';
import { parseLine } from '../src/file/backup-line.js';

/** EDN values of the kinds a backup line holds, tuples included. */
const scalar = fc.oneof(
  fc.integer(),
  fc.bigInt({ min: -(2n ** 70n), max: 2n ** 70n }).map((x) => new EdnBigInt(x)),
  fc.double({ noNaN: true, noDefaultInfinity: true }).map((x) => new EdnDouble(x)),
  fc.string({ unit: 'grapheme' }),
  fc.string({ unit: fc.constantFrom('"', '\\', ']', '[', ' ', ')', 'a', '\n', '#') }),
  fc.boolean(),
  fc.uuid().map((u) => uuid(u)),
  fc.constantFrom(kw('genre/jazz'), kw('country/IS'), kw('db/add')),
  fc.date({ min: new Date(0), max: new Date(4e12), noInvalidDate: true }),
  // Years before 100, which Date.UTC reads as 19xx.
  fc.date({ min: new Date(-62135596800000 /* 0001-01-01 */), max: new Date(-59011459200000 /* 0100-01-01 */), noInvalidDate: true }),
  fc.webUrl().map((u) => uri(u)),
  fc.uint8Array({ maxLength: 8 }),
  fc.tuple(fc.bigInt({ min: -(10n ** 20n), max: 10n ** 20n }), fc.integer({ min: -2, max: 6 })).map(([unscaled, scale]) => new BigDec(unscaled, scale)),
);
const value = fc.oneof(
  { weight: 5, arbitrary: scalar },
  { weight: 1, arbitrary: fc.array(scalar, { maxLength: 3 }) },
  // Composite tuples of refs and positions, which the fast reader reads itself.
  { weight: 1, arbitrary: fc.array(fc.oneof(fc.nat(), fc.constant(0), fc.maxSafeNat()), { maxLength: 3 }) },
);
const datom = fc.record({ e: fc.nat(), a: fc.nat({ max: 2000 }), v: value, added: fc.boolean() });

describe('reading backup lines', () => {
  test.prop([fc.array(datom, { minLength: 1, maxLength: 6 }), fc.nat({ max: 1e6 })], { numRuns: 300 })(
    'the fast reader of the printed form gives what the generic EDN reader gives',
    (datoms, t) => {
      const tx = 4398046511104 + t;
      const body = datoms.map((d) => `#datom[${d.e} ${d.a} ${printEdn(d.v)} ${tx} ${d.added}]`);
      const line = `(${body.join(' ')})`;
      // Any other spacing is not the printed form: the generic reader reads it.
      const generic = parseLine(`( ${body.join(' , ')} )`, 'generic');
      expect(parseLine(line, 'fast')).toEqual(generic);
    },
  );

  it.each([
    '(#datom[1 2 "a',
    '(#datom[1 2 3 4 true]',
    '(#datom[1 2 3 4398046511105 maybe])',
    '(#datom[1 2 #uuid "x" 4398046511105 true])',
    '(#datom[1 2 #inst "2021-02-30T00:00:00.000-00:00" 4398046511105 true])',
    '(#datom[1 2 #inst "2021-13-01T00:00:00.000-00:00" 4398046511105 true])',
    '(#datom[1 2 #uri "" 4398046511105 true])',
    '(#datom[1 2 #bytes "AA=A" 4398046511105 true])',
    '(#datom[1 2 #bytes "AAA" 4398046511105 true])',
    '(#datom[1 2 01.5M 4398046511105 true])',
    '(#datom[1 2 [1 2 4398046511105 true])',
    '(#datom[-1 2 3 4398046511105 true])',
    '(#datom[1 2 3 4398046511105 tru])',
    '(#datom[1 2 3 4398046511105 fals])',
    '(#datom[1 2 3 4398046511105 true] #datum[1 2 3 4398046511105 true])',
    '(#datom[1 2 3 4398046511105 true] #datom[1 2 3 4398046511106 true])',
    '(#datom[1 2 007 4398046511105 true])',
    '()',
  ])('a damaged line is backup/format, whichever reader meets it first: %s', (line) => {
    let err: unknown;
    try {
      parseLine(line, 'f.edn:7');
    } catch (e) {
      err = e;
    }
    expect(isDatomError(err, 'backup/format')).toBe(true);
  });
});
