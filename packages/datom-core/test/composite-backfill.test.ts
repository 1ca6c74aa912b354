import { describe, expect, it } from 'vitest';
import { connect, createDatabase } from '../src/index.js';

describe('composite tuples installed after their parts', () => {
  it('are filled in when a part is asserted again, even redundantly (as in Datomic)', async () => {
    await createDatabase('mem://composite-backfill');
    const conn = await connect('mem://composite-backfill');
    await conn.transact(`[{:db/ident :a/y :db/valueType :db.type/long :db/cardinality :db.cardinality/one}
                          {:db/ident :a/p :db/valueType :db.type/long :db/cardinality :db.cardinality/one}]`);
    const { tempids } = await conn.transact('[{:db/id "e" :a/y 1 :a/p 2}]');
    const e = tempids.e as number;
    await conn.transact('[{:db/ident :a/y+p :db/valueType :db.type/tuple :db/tupleAttrs [:a/y :a/p] :db/cardinality :db.cardinality/one}]');
    expect(await conn.db().datoms('eavt', e, 'a/y+p').count()).toBe(0);
    const report = await conn.transact([['db/add', e, 'a/y', 1]]);
    // The part itself is redundant and writes nothing; the tuple is derived.
    expect(report.txData.filter((d) => d.a !== report.dbAfter.attribute('db/txInstant')?.id)).toHaveLength(1);
    expect((await conn.db().datoms('eavt', e, 'a/y+p').toArray()).map((d) => d.v)).toEqual([[1, 2]]);
  });
});
