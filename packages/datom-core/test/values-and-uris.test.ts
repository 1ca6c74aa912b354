import { fc, test } from '@fast-check/vitest';
import { describe, expect, it } from 'vitest';
import {
  BigDec,
  compareValues,
  isDatomError,
  isKeyword,
  kw,
  parseDatabaseUri,
  parsePostgresUri,
  sym,
  tToTx,
  TX_BASE,
  txToT,
  uri,
  uuid,
  type Value,
  valueRank,
  valueToEdn,
  EdnDouble,
  EdnBigInt,
} from '../src/index.js';
import { uuidFromBytes } from '../src/model/uuid.js';

const scalar: fc.Arbitrary<Value> = fc.oneof(
  fc.boolean(),
  fc.integer(),
  fc.double(),
  fc.bigInt({ min: -(2n ** 70n), max: 2n ** 70n }),
  fc.string({ maxLength: 6 }),
  fc.string({ minLength: 1, maxLength: 6 }).map((s) => kw(`k/${s}`)),
  fc.string({ minLength: 1, maxLength: 6 }).map((s) => sym(`s/${s}`)),
  fc.integer({ min: -1e6, max: 1e6 }).map((n) => new Date(n * 1000)),
  fc.tuple(fc.bigInt({ min: -999n, max: 999n }), fc.integer({ min: 0, max: 3 })).map(([u, s]) => new BigDec(u, s)),
  fc.uint8Array({ maxLength: 4 }),
  fc.uuid().map((u) => uuid(u)),
);
const value: fc.Arbitrary<Value> = fc.oneof(scalar, fc.array(fc.option(scalar, { nil: null }), { maxLength: 3 }) as fc.Arbitrary<Value>);

describe('the total order of values', () => {
  test.prop([value, value, value], { numRuns: 500, seed: 11 })('is antisymmetric and transitive across every type', (a, b, c) => {
    expect(Math.sign(compareValues(a, b)) + Math.sign(compareValues(b, a))).toBe(0);
    if (compareValues(a, b) <= 0 && compareValues(b, c) <= 0) expect(compareValues(a, c)).toBeLessThanOrEqual(0);
  });

  test.prop([fc.uuid(), fc.uuid(), fc.string({ maxLength: 5 }), fc.string({ maxLength: 5 }), fc.integer(), fc.integer()], { numRuns: 300, seed: 5 })(
    'compares uuids by text, keywords by name and instants by time, also against a subclass',
    (u1, u2, k1, k2, t1, t2) => {
      const cmp = (x: string | number, y: string | number): number => (x < y ? -1 : x > y ? 1 : 0);
      expect(compareValues(uuid(u1), uuid(u2))).toBe(cmp(u1.toLowerCase(), u2.toLowerCase()));
      expect(compareValues(kw(`a/${k1}x`), kw(`a/${k2}x`))).toBe(cmp(`a/${k1}x`, `a/${k2}x`));
      expect(compareValues(new Date(t1), new Date(t2))).toBe(cmp(t1, t2));
      class Later extends Date {}
      expect(compareValues(new Later(t1), new Date(t2))).toBe(cmp(t1, t2));
    },
  );

  // Uuids compare by their first 7 hex digits as a number first (Uuid.lead): hex digits drawn from
  // a few values make shared and near prefixes common, in upper and lower case, from text and from bytes.
  const hexText = (n: number) => fc.array(fc.constantFrom('0', '1', '9', 'a', 'f', 'A', 'F'), { minLength: n, maxLength: n }).map((x) => x.join(''));
  const nearUuid = fc.tuple(hexText(8), hexText(4), hexText(4), hexText(4), hexText(12)).map((p) => p.join('-'));
  test.prop([nearUuid, nearUuid, fc.boolean()], { numRuns: 500, seed: 7 })('orders uuids as their lower-case text, also where their leading digits agree', (u1, u2, viaBytes) => {
    const cmp = (x: string, y: string): number => (x < y ? -1 : x > y ? 1 : 0);
    const make = (u: string) => (viaBytes ? uuidFromBytes(Buffer.from(u.replaceAll('-', ''), 'hex'), 0) : uuid(u));
    const [a, b] = [make(u1), make(u2)];
    expect(compareValues(a, b)).toBe(cmp(u1.toLowerCase(), u2.toLowerCase()));
    expect(a.lead).toBe(Number.parseInt(u1.slice(0, 7), 16));
  });

  it('puts NaN after every number, equal only to itself', () => {
    for (const x of [Number.POSITIVE_INFINITY, -1, 0, 5, 2n ** 70n]) {
      expect(compareValues(Number.NaN, x)).toBe(1);
      expect(compareValues(x, Number.NaN)).toBe(-1);
    }
    expect(compareValues(Number.NaN, Number.NaN)).toBe(0);
    expect(compareValues([1, Number.NaN], [1, 5])).toBe(1);
  });

  it('ranks kinds as documented, and numbers by value across number and bigint', () => {
    expect(valueRank(null)).toBeLessThan(valueRank(false));
    expect(valueRank(true)).toBeLessThan(valueRank(1));
    expect(valueRank(1)).toBeLessThan(valueRank('a'));
    expect(valueRank('a')).toBeLessThan(valueRank(kw('a')));
    expect(compareValues(2, 3n)).toBe(-1);
    expect(compareValues(2n ** 60n, 2 ** 59)).toBe(1);
    expect(compareValues(BigDec.parse('1.0'), BigDec.parse('1.00'))).not.toBe(0);
    expect(isKeyword(kw('a/b'))).toBe(true);
    expect(isKeyword(':a/b')).toBe(false);
  });
});

describe('database URIs', () => {
  it('reads mem, file and plain paths, and refuses other schemes', () => {
    expect(parseDatabaseUri('mem://x')).toEqual({ kind: 'mem', name: 'x' });
    expect(parseDatabaseUri('file:/tmp/db')).toEqual({ kind: 'file', path: '/tmp/db' });
    expect(parseDatabaseUri('file:///tmp/db')).toEqual({ kind: 'file', path: '/tmp/db' });
    expect(parseDatabaseUri('/tmp/db')).toEqual({ kind: 'file', path: '/tmp/db' });
    for (const bad of ['', 'mem://', 'postgres://h/db', 'postgres://h/db?name=', 'ftp://h/x']) {
      expect(() => parseDatabaseUri(bad)).toSatisfy((f: () => unknown) => {
        try {
          f();
          return false;
        } catch (err) {
          return isDatomError(err, 'db/uri');
        }
      });
    }
  });
});

describe('PostgreSQL URIs', () => {
  it('take the database name from `name`, pass the rest to the connection, and show no password', () => {
    expect(parseDatabaseUri('postgres://app:s3cret@db.local:5433/prod?name=music&sslmode=require')).toEqual({
      kind: 'postgres',
      name: 'music',
      connectionString: 'postgres://app:s3cret@db.local:5433/prod?sslmode=require',
      location: 'postgres://app@db.local:5433/prod?sslmode=require&name=music',
    });
    expect(parsePostgresUri('postgresql://h/db?name=a%2Fb').name).toBe('a/b');
    let message = '';
    try {
      parsePostgresUri('postgres://app:s3cret@h/db');
    } catch (err) {
      expect(isDatomError(err, 'db/uri')).toBe(true);
      message = (err as Error).message;
    }
    expect(message).toMatch(/name=music/);
    expect(message).not.toMatch(/s3cret/);
  });
});

describe('ids and EDN typing', () => {
  it('maps t to tx ids and back', () => {
    expect(tToTx(5)).toBe(TX_BASE + 5);
    expect(txToT(tToTx(123))).toBe(123);
    expect(Number.isSafeInteger(tToTx(2 ** 31))).toBe(true);
  });

  it('types values for printing by their attribute', () => {
    const attr = (valueType: string, extra: object = {}) =>
      ({ id: 1, ident: kw('a/b'), valueType, cardinality: 'one', unique: null, isComponent: false, noHistory: false, index: false, doc: null, tupleAttrs: null, tupleTypes: null, tupleType: null, ...extra }) as never;
    expect(valueToEdn(attr('double'), 2)).toEqual(new EdnDouble(2));
    expect(valueToEdn(attr('double'), 2.5)).toBe(2.5);
    expect(valueToEdn(attr('bigint'), 3n)).toEqual(new EdnBigInt(3n));
    expect(valueToEdn(attr('long'), 3)).toBe(3);
    expect(valueToEdn(attr('tuple', { tupleTypes: ['double', 'long'] }), [1, 1])).toEqual([new EdnDouble(1), 1]);
    expect(valueToEdn(attr('uri'), uri('a:b'))).toEqual(uri('a:b'));
  });
});

describe('a database value as text', () => {
  it('names its id, basis and filters', async () => {
    const { connect, createDatabase } = await import('../src/index.js');
    await createDatabase('mem://as-text');
    const conn = await connect('mem://as-text');
    const db = conn.db();
    expect(String(db)).toBe(`#db{:id "${db.id}" :basis-t 0}`);
    expect(String(db.asOf(0).since(0).history())).toBe(`#db{:id "${db.id}" :basis-t 0 :as-of 0 :since 0 :history true}`);
  });
});

describe('NaN in an index', () => {
  it('sorts after every number in AVET, and a value is found beside it', async () => {
    const { connect, createDatabase } = await import('../src/index.js');
    await createDatabase('mem://nan-avet');
    const conn = await connect('mem://nan-avet');
    await conn.transact([{ 'db/ident': kw('m/x'), 'db/valueType': kw('db.type/double'), 'db/cardinality': kw('db.cardinality/one'), 'db/index': true }]);
    const xs = [3, Number.NaN, 1, Number.NaN, 2, Number.POSITIVE_INFINITY, -1, 0.5, Number.NaN, 7];
    // One transaction each: every value goes into the tree by a search among the others.
    for (const x of xs) await conn.transact([{ 'm/x': x }]);
    const got = (await conn.db().datoms('avet', 'm/x').toArray()).map((d) => d.v as number);
    expect(got.slice(0, 7)).toEqual([-1, 0.5, 1, 2, 3, 7, Number.POSITIVE_INFINITY]);
    expect(got.slice(7).every((v) => Number.isNaN(v))).toBe(true);
    expect((await conn.db().datoms('avet', 'm/x', 2).toArray()).map((d) => d.v)).toEqual([2]);
    await conn.close();
  });
});
