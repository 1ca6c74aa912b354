import { describe, expect, it } from 'vitest';
import { connect, createDatabase, isDatomError } from '../src/index.js';

describe('uniqueness added to and removed from an attribute with data', () => {
  it('upserts and refuses duplicates once unique, and neither once no longer unique', async () => {
    await createDatabase('mem://unique-alteration');
    const conn = await connect('mem://unique-alteration');
    await conn.transact('[{:db/ident :u/email :db/valueType :db.type/string :db/cardinality :db.cardinality/one} {:db/ident :u/name :db/valueType :db.type/string :db/cardinality :db.cardinality/one}]');
    const { tempids } = await conn.transact('[{:db/id "a" :u/email "a@x" :u/name "A"} {:db/id "b" :u/email "b@x"}]');
    await conn.transact('[{:db/id :u/email :db/unique :db.unique/identity}]');
    // Now an upsert through the existing data...
    await conn.transact('[{:u/email "a@x" :u/name "Ann"}]');
    expect(await conn.db().datoms('aevt', 'u/email').count()).toBe(2);
    expect(await conn.db().pull('[:u/name]', tempids.a as number)).toEqual({ 'u/name': 'Ann' });
    // ...and a duplicate for another entity is refused.
    const err = await conn.transact([['db/add', tempids.b as number, 'u/email', 'a@x']]).catch((e: unknown) => e);
    expect(isDatomError(err, 'transact/unique')).toBe(true);
    expect(await conn.db().entid([':u/email', 'b@x'])).toBe(tempids.b);
    // Drop the uniqueness: the same assertion now simply replaces b's email.
    await conn.transact('[[:db/retract :u/email :db/unique :db.unique/identity]]');
    expect(conn.db().attribute('u/email')?.unique).toBeNull();
    await conn.transact([['db/add', tempids.b as number, 'u/email', 'a@x']]);
    expect((await conn.db().datoms('avet', 'u/email', 'a@x').toArray()).map((d) => d.e).sort()).toEqual([tempids.a, tempids.b].sort());
  });
});
