import { fc, test } from '@fast-check/vitest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Connection, type Database, connect, createDatabase, estimateDatoms, kw, readDatoms, readColumns, readColumnsOfEach, readDatomsOfEach, readIndexRange, readRangeColumns, type Datom, type DatomColumns } from '../src/index.js';

let conn: Connection;
let db: Database;
let older: Database;
const eids: number[] = [];

beforeAll(async () => {
  const uri = `mem://index-read-${process.pid}`;
  await createDatabase(uri);
  conn = await connect(uri);
  await conn.transact(`[{:db/ident :p/n :db/valueType :db.type/long :db/cardinality :db.cardinality/one}
                        {:db/ident :p/tag :db/valueType :db.type/string :db/cardinality :db.cardinality/many}]`);
  // 3000 entities: :p/n is i mod 7; :p/tag a few strings for every third entity.
  const tx = Array.from({ length: 3000 }, (_, i) => ({ 'db/id': `e${i}`, 'p/n': i % 7, ...(i % 3 === 0 ? { 'p/tag': ['a', `t${i % 5}`] } : {}) }));
  const report = await conn.transact(tx);
  for (let i = 0; i < 3000; i++) eids.push(report.tempids[`e${i}`] as number);
  older = conn.db();
  // Change some values, so that asOf and history differ from the current state.
  await conn.transact(eids.slice(0, 300).map((e) => ['db/add', e, 'p/n', 100]));
  db = conn.db();
});
afterAll(() => conn.close());

describe('synchronous reads', () => {
  it('readDatoms and readIndexRange give what the streams give', async () => {
    for (const v of [db, older, db.asOf(older.basisT), db.history(), db.since(older.basisT)]) {
      expect(readDatoms(v, 'aevt', ':p/n')).toEqual(await v.datoms('aevt', ':p/n').toArray());
      expect(readDatoms(v, 'avet', ':p/n', 3)).toEqual(await v.datoms('avet', ':p/n', 3).toArray());
      expect(readDatoms(v, 'eavt', eids[5])).toEqual(await v.datoms('eavt', eids[5]).toArray());
      expect(readIndexRange(v, ':p/n', 2, 5)).toEqual(await v.indexRange(':p/n', 2, 5).toArray());
    }
  });

  test.prop([fc.array(fc.oneof(fc.integer({ min: 0, max: 2999 }), fc.constant(-1)), { maxLength: 40 }), fc.constantFrom('current', 'older', 'asOf', 'history')], { numRuns: 60 })(
    'readDatomsOfEach gives, per key, what readDatoms gives for it (keys in any order, repeated, missing)',
    (idx, which) => {
      const v = which === 'current' ? db : which === 'older' ? older : which === 'asOf' ? db.asOf(older.basisT) : db.history();
      const keys = idx.map((i) => (i === -1 ? 999_999 : (eids[i] as number)));
      const each = readDatomsOfEach(v, 'aevt', [':p/tag'], keys);
      expect(each).toEqual(keys.map((k) => readDatoms(v, 'aevt', ':p/tag', k)));
      const values = idx.map((i) => (i === -1 ? 55 : i % 9));
      expect(readDatomsOfEach(v, 'avet', [kw('p/n')], values)).toEqual(values.map((x) => readDatoms(v, 'avet', kw('p/n'), x)));
    },
  );
});

/** The datoms that columns of every field hold, in their order. */
function datomsOf(c: DatomColumns): Datom[] {
  return Array.from({ length: c.length }, (_, i) => ({ e: c.e[i], a: c.a[i], v: c.v[i], tx: c.tx[i], added: c.added[i] }) as Datom);
}

const ALL = ['e', 'a', 'v', 'tx', 'added'] as const;

describe('column reads', () => {
  it('readColumns and readRangeColumns hold the datoms readDatoms and readIndexRange give, on every kind of value', () => {
    for (const v of [db, older, db.asOf(older.basisT), db.history(), db.since(older.basisT)]) {
      const plain = (ds: Datom[]) => ds.map((d) => ({ e: d.e, a: d.a, v: d.v, tx: d.tx, added: d.added }));
      expect(datomsOf(readColumns(v, 'aevt', [':p/n'], ALL))).toEqual(plain(readDatoms(v, 'aevt', ':p/n')));
      expect(datomsOf(readColumns(v, 'avet', [':p/tag', 'a'], ALL))).toEqual(plain(readDatoms(v, 'avet', ':p/tag', 'a')));
      expect(datomsOf(readColumns(v, 'eavt', [eids[6]], ALL))).toEqual(plain(readDatoms(v, 'eavt', eids[6])));
      expect(datomsOf(readRangeColumns(v, ':p/n', 2, 5, ALL))).toEqual(plain(readIndexRange(v, ':p/n', 2, 5)));
      expect(datomsOf(readRangeColumns(v, ':p/n', 4, null, ALL))).toEqual(plain(readIndexRange(v, ':p/n', 4, null)));
      expect(datomsOf(readRangeColumns(v, ':p/n', null, 1, ALL))).toEqual(plain(readIndexRange(v, ':p/n', null, 1)));
    }
    expect(readColumns(db, 'eavt', [], ['e']).length).toBe(readDatoms(db, 'eavt').length);
  });

  it('fills only the fields asked for, and reads nothing for what cannot match', () => {
    const c = readColumns(db, 'aevt', [':p/n'], ['v']);
    expect(c.v.length).toBe(c.length);
    expect(c.e).toEqual([]);
    expect(c.length).toBe(readDatoms(db, 'aevt', ':p/n').length);
    expect(readColumns(db, 'avet', [':p/n', 55], ALL).length).toBe(0);
    expect(readColumns(db, 'eavt', [999_999], ALL).length).toBe(0);
    expect(() => readColumns(db, 'xyz' as never, [], ALL)).toThrow(/unknown index/);
  });

  test.prop([fc.array(fc.oneof(fc.integer({ min: 0, max: 2999 }), fc.constant(-1)), { maxLength: 40 }), fc.constantFrom('current', 'older', 'asOf', 'history')], { numRuns: 60 })(
    'readColumnsOfEach holds, per key, the datoms readDatoms gives for it (keys in any order, repeated, missing)',
    (idx, which) => {
      const v = which === 'current' ? db : which === 'older' ? older : which === 'asOf' ? db.asOf(older.basisT) : db.history();
      const byKey = (c: DatomColumns, n: number) => {
        const out: Datom[][] = Array.from({ length: n }, () => []);
        for (const [j, d] of datomsOf(c).entries()) (out[c.key[j] as number] as Datom[]).push(d);
        return out;
      };
      const plain = (ds: Datom[]) => ds.map((d) => ({ e: d.e, a: d.a, v: d.v, tx: d.tx, added: d.added }));
      const keys = idx.map((i) => (i === -1 ? 999_999 : (eids[i] as number)));
      expect(byKey(readColumnsOfEach(v, 'aevt', [':p/tag'], keys, ALL), keys.length)).toEqual(keys.map((k) => plain(readDatoms(v, 'aevt', ':p/tag', k))));
      expect(byKey(readColumnsOfEach(v, 'eavt', [], keys, ALL), keys.length)).toEqual(keys.map((k) => plain(readDatoms(v, 'eavt', k))));
      const values = idx.map((i) => (i === -1 ? 55 : i % 9));
      expect(byKey(readColumnsOfEach(v, 'avet', [kw('p/n')], values, ALL), values.length)).toEqual(values.map((x) => plain(readDatoms(v, 'avet', kw('p/n'), x))));
    },
  );
});

describe('column reads of many entities', () => {
  // Thousands of keys, most in the same leaves: the reads search each leaf for the keys it holds.
  test.prop([fc.integer({ min: 1, max: 12 }), fc.integer({ min: 0, max: 2999 }), fc.boolean(), fc.constantFrom('current', 'older', 'history')], { numRuns: 40 })(
    'readColumnsOfEach of dense entity ids holds, per key, what readDatoms gives (every k-th entity from a start, some twice, some missing)',
    (step, from, shuffle, which) => {
      const v = which === 'current' ? db : which === 'older' ? older : db.history();
      const keys: number[] = [];
      for (let i = from; i < 3000; i += step) {
        keys.push(eids[i] as number);
        if (i % 11 === 0) keys.push(eids[i] as number);
        if (i % 13 === 0) keys.push(999_999 + i);
      }
      if (shuffle) keys.reverse();
      const byKey = (c: DatomColumns) => {
        const out: Datom[][] = keys.map(() => []);
        for (const [j, d] of datomsOf(c).entries()) (out[c.key[j] as number] as Datom[]).push(d);
        return out;
      };
      const plain = (ds: Datom[]) => ds.map((d) => ({ e: d.e, a: d.a, v: d.v, tx: d.tx, added: d.added }));
      expect(byKey(readColumnsOfEach(v, 'aevt', [':p/n'], keys, ALL))).toEqual(keys.map((k) => plain(readDatoms(v, 'aevt', ':p/n', k))));
      expect(byKey(readColumnsOfEach(v, 'aevt', [':p/tag'], keys, ALL))).toEqual(keys.map((k) => plain(readDatoms(v, 'aevt', ':p/tag', k))));
      expect(byKey(readColumnsOfEach(v, 'eavt', [], keys, ALL))).toEqual(keys.map((k) => plain(readDatoms(v, 'eavt', k))));
    },
  );

  it('readColumnsOfEach finds each entity from the root, wherever in a leaf its datoms start', () => {
    for (const e of eids) {
      expect(readColumnsOfEach(db, 'aevt', [':p/n'], [e, e], ['v']).v).toEqual(readDatoms(db, 'aevt', ':p/n', e).flatMap((d) => [d.v, d.v]));
      expect(readColumnsOfEach(db, 'eavt', [], [e, e + 1], ['e']).e).toEqual([...readDatoms(db, 'eavt', e), ...readDatoms(db, 'eavt', e + 1)].map((d) => d.e));
    }
  });

  it('readColumns of a long prefix holds every datom readDatoms gives, across leaves', () => {
    for (const attr of [':p/n', ':p/tag', ':db/ident']) {
      const c = readColumns(db, 'aevt', [attr], ALL);
      expect(datomsOf(c)).toEqual(readDatoms(db, 'aevt', attr).map((d) => ({ e: d.e, a: d.a, v: d.v, tx: d.tx, added: d.added })));
    }
    for (let n = 0; n < 7; n++) expect(readColumns(db, 'avet', [':p/n', n], ['e']).e).toEqual(readDatoms(db, 'avet', ':p/n', n).map((d) => d.e));
  });
});

describe('estimateDatoms', () => {
  it('is exact within a leaf and 0 for nothing', () => {
    expect(estimateDatoms(db, 'eavt', eids[10])).toBe(readDatoms(db, 'eavt', eids[10]).length);
    expect(estimateDatoms(db, 'avet', ':p/tag', 't1')).toBeGreaterThan(0);
    expect(estimateDatoms(db, 'avet', ':p/n', 55)).toBe(0);
    expect(estimateDatoms(db, 'eavt', 999_999)).toBe(0);
  });
  it('is close for large ranges', () => {
    for (const [c, exact] of [
      [[':p/n'], readDatoms(db, 'aevt', ':p/n').length],
      [[':p/n', 3], readDatoms(db, 'avet', ':p/n', 3).length],
      [[':p/tag', 'a'], readDatoms(db, 'avet', ':p/tag', 'a').length],
    ] as const) {
      const est = estimateDatoms(db, c.length === 1 ? 'aevt' : 'avet', ...c);
      expect(Math.abs(est - exact) / exact).toBeLessThan(0.25);
    }
  });
});
