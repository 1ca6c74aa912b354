import { describe, expect, it } from 'vitest';
import { connect, createDatabase, datomToEdn, EdnBigInt, EdnDouble, kw, parseEdn, printDatomsEdn, printEdn } from '../src/index.js';

describe('datoms as EDN', () => {
  it('print with their attribute types and read back as the same values', async () => {
    await createDatabase('mem://datom-edn');
    const conn = await connect('mem://datom-edn');
    await conn.transact(`[{:db/ident :m/d :db/valueType :db.type/double :db/cardinality :db.cardinality/one}
                          {:db/ident :m/b :db/valueType :db.type/bigint :db/cardinality :db.cardinality/one}
                          {:db/ident :m/l :db/valueType :db.type/long :db/cardinality :db.cardinality/one}
                          {:db/ident :m/t :db/valueType :db.type/tuple :db/tupleTypes [:db.type/double :db.type/long] :db/cardinality :db.cardinality/one}]`);
    const { tempids } = await conn.transact('[{:db/id "x" :m/d 2.0 :m/b 7N :m/l 2 :m/t [3.0 3]}]');
    const db = conn.db();
    const datoms = await db.datoms('eavt', tempids.x as number).toArray();
    const text = printDatomsEdn(db, datoms);
    expect(text).toContain(':m/d 2.0');
    expect(text).toContain(':m/b 7N');
    expect(text).toContain(':m/l 2 ');
    expect(text).toContain('[3.0 3]');
    const back = parseEdn(text) as unknown[][];
    expect(back.map((row) => String(row[1]))).toEqual([':m/d', ':m/b', ':m/l', ':m/t']);
    expect(back[0]?.[2]).toEqual(new EdnDouble(2));
    expect(back[1]?.[2]).toEqual(new EdnBigInt(7n));
    expect(back[2]?.[2]).toBe(2);
    const first = datoms[0];
    if (first === undefined) throw new Error('no datom');
    expect(printEdn(datomToEdn(db, first))).toBe(`[${first.e} :m/d 2.0 ${first.tx} true]`);
    expect(kw('m/d')).toBe(back[0]?.[1]);
  });
});
