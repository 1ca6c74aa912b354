import { fc, test } from '@fast-check/vitest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Connection, type Database, connect, createDatabase, estimateDatoms, kw, readDatoms, readDatomsOfEach, readIndexRange } from '../src/index.js';

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
