import { describe, expect, it } from 'vitest';
import { type Connection, type Database, type DatomErrorCode, kw, type TxData } from '../../src/index.js';
import { aid, all, attr, changes, create, type MakeConn, peopleConn, rejects, snapshot, value, values } from './helpers.js';

/** Transaction scenarios: forms, tempids, upsert, functions, conflicts, atomicity. */
export function describeTransactions(makeConn: MakeConn): void {
  async function people(conn: Connection, ...names: string[]): Promise<number[]> {
    const r = await conn.transact(names.map((n) => ({ 'db/id': n, 'person/name': n, 'person/email': `${n}@x` })));
    return names.map((n) => r.tempids[n] as number);
  }

  describe('list forms', () => {
    it('db/add asserts, db/retract with a value retracts', async () => {
      const conn = await peopleConn(makeConn);
      const r1 = await conn.transact([['db/add', 'a', 'person/name', 'Ann'], [':db/add', 'a', ':person/tags', 'x'], [kw('db/add'), 'a', kw('person/tags'), 'y']]);
      const a = r1.tempids.a as number;
      expect(changes(r1)).toEqual([
        [a, 'person/name', 'Ann', true],
        [a, 'person/tags', 'x', true],
        [a, 'person/tags', 'y', true],
      ]);
      const r2 = await conn.transact([['db/retract', a, 'person/tags', 'x']]);
      expect(changes(r2)).toEqual([[a, 'person/tags', 'x', false]]);
      expect(await values(conn.db(), a, 'person/tags')).toEqual(['y']);
    });

    it('db/retract without a value retracts every value of the attribute', async () => {
      const conn = await peopleConn(makeConn);
      const a = await create(conn, { 'person/name': 'Ann', 'person/tags': ['x', 'y', 'z'] });
      const r = await conn.transact([['db/retract', a, 'person/tags']]);
      expect(changes(r).map((c) => [c[2], c[3]])).toEqual(expect.arrayContaining([['x', false], ['y', false], ['z', false]]));
      expect(changes(r)).toHaveLength(3);
      expect(await values(conn.db(), a, 'person/tags')).toEqual([]);
      expect(await value(conn.db(), a, 'person/name')).toBe('Ann');
    });

    it('db/retractEntity retracts its datoms, the refs to it and its components, recursively', async () => {
      const conn = await peopleConn(makeConn);
      const r = await conn.transact([
        {
          'db/id': 'ann',
          'person/name': 'Ann',
          'person/address': { 'address/street': 'Main St' },
          'person/pets': [{ 'pet/name': 'Rex', 'pet/toy': { 'toy/name': 'ball' } }],
        },
        { 'db/id': 'bob', 'person/name': 'Bob', 'person/friends': ['ann'], 'person/spouse': 'ann' },
        { 'db/id': 'shared', 'person/name': 'Shared' },
        ['db/add', 'ann', 'person/friends', 'shared'],
      ]);
      const ann = r.tempids.ann as number;
      const bob = r.tempids.bob as number;
      const shared = r.tempids.shared as number;
      const db0 = conn.db();
      const addr = (await value(db0, ann, 'person/address')) as number;
      const pet = (await value(db0, ann, 'person/pets')) as number;
      const toy = (await value(db0, pet, 'pet/toy')) as number;
      await conn.transact([['db/retractEntity', ann]]);
      const db = conn.db();
      for (const e of [ann, addr, pet, toy]) expect(await all(db, 'eavt', e)).toEqual([]);
      expect(await all(db, 'vaet', ann)).toEqual([]);
      expect(await values(db, bob, 'person/friends')).toEqual([]);
      expect(await value(db, bob, 'person/spouse')).toBeUndefined();
      expect(await value(db, bob, 'person/name')).toBe('Bob');
      // A non-component entity it referred to stays.
      expect(await value(db, shared, 'person/name')).toBe('Shared');
      // The alias form, and a target that no longer exists, are no-ops.
      const again = await conn.transact([['db.fn/retractEntity', ann]]);
      expect(changes(again)).toEqual([]);
    });

    it('db/retractEntity accepts a lookup ref and an ident', async () => {
      const conn = await peopleConn(makeConn);
      const [a] = await people(conn, 'a');
      await conn.transact([['db/retractEntity', ['person/email', 'a@x']]]);
      expect(await all(conn.db(), 'eavt', a)).toEqual([]);
      await conn.transact([{ 'db/ident': kw('my/thing'), 'db/doc': 'thing' }]);
      const thing = await conn.db().entid(kw('my/thing'));
      await conn.transact([['db/retractEntity', kw('my/thing')]]);
      expect(await all(conn.db(), 'eavt', thing)).toEqual([]);
    });

    it('db/retractEntity follows component cycles and retracts composite tuples with their parts', async () => {
      const conn = await peopleConn(makeConn);
      await conn.transact([attr('person/first', 'string'), attr('person/last', 'string'), attr('person/first+last', 'tuple', { tupleAttrs: ['person/first', 'person/last'] })]);
      const r = await conn.transact([
        { 'db/id': 'a', 'person/name': 'a', 'person/first': 'A', 'person/last': 'Z', 'person/pets': ['b'] },
        { 'db/id': 'b', 'pet/name': 'b', 'person/pets': ['a'] },
      ]);
      const { a, b } = r.tempids as Record<string, number>;
      expect(await value(conn.db(), a as number, 'person/first+last')).toEqual(['A', 'Z']);
      await conn.transact([['db/retractEntity', a]]);
      expect(await all(conn.db(), 'eavt', a)).toEqual([]);
      expect(await all(conn.db(), 'eavt', b)).toEqual([]);
      expect(await all(conn.db(), 'aevt', 'person/first+last')).toEqual([]);
    });

    it('db/cas sets the value only when the current one matches', async () => {
      const conn = await peopleConn(makeConn);
      const a = await create(conn, { 'person/name': 'Ann' });
      const r = await conn.transact([['db/cas', a, 'person/age', null, 30]]);
      expect(changes(r)).toEqual([[a, 'person/age', 30, true]]);
      const r2 = await conn.transact([['db/cas', a, 'person/age', 30, 31]]);
      expect(changes(r2)).toEqual([
        [a, 'person/age', 30, false],
        [a, 'person/age', 31, true],
      ]);
      const err = await rejects(conn.transact([['db/cas', a, 'person/age', 30, 32]]), 'transact/cas');
      expect(err.data.entity).toBe(a);
      await rejects(conn.transact([['db/cas', a, 'person/age', null, 32]]), 'transact/cas');
      await conn.transact([['db.fn/cas', a, 'person/age', 31, 33]]);
      expect(await value(conn.db(), a, 'person/age')).toBe(33);
    });

    it('db/cas on a ref compares entity ids (also given as lookup refs)', async () => {
      const conn = await peopleConn(makeConn);
      const [a, b, c] = await people(conn, 'a', 'b', 'c');
      await conn.transact([['db/add', a, 'person/spouse', b]]);
      await conn.transact([['db/cas', a, 'person/spouse', ['person/email', 'b@x'], c]]);
      expect(await value(conn.db(), a as number, 'person/spouse')).toBe(c);
      await rejects(conn.transact([['db/cas', a, 'person/spouse', b, a]]), 'transact/cas');
    });

    it('rejects malformed list forms with transact/syntax', async () => {
      const conn = await peopleConn(makeConn);
      await rejects(conn.transact([['db/add', 'a', 'person/name']]), 'transact/syntax');
      await rejects(conn.transact([['db/add', 'a', 'person/name', 'x', 'y']]), 'transact/syntax');
      await rejects(conn.transact(['nope' as never]), 'transact/syntax');
      await rejects(conn.transact([['db/retractEntity']]), 'transact/syntax');
    });
  });

  describe('map forms', () => {
    it('asserts one datom per key and one per element of a cardinality-many collection', async () => {
      const conn = await peopleConn(makeConn);
      const r = await conn.transact([{ 'db/id': 'a', 'person/name': 'Ann', ':person/age': 3, 'person/tags': ['x', 'y'] }]);
      const a = r.tempids.a as number;
      expect(changes(r)).toEqual([
        [a, 'person/age', 3, true],
        [a, 'person/name', 'Ann', true],
        [a, 'person/tags', 'x', true],
        [a, 'person/tags', 'y', true],
      ]);
    });

    it('gives a map without db/id a new entity', async () => {
      const conn = await peopleConn(makeConn);
      const r = await conn.transact([{ 'person/name': 'Ann' }, { 'person/name': 'Bob' }]);
      const es = changes(r).map((c) => c[0]);
      expect(new Set(es).size).toBe(2);
      expect(es.every((e) => e > 0)).toBe(true);
    });

    it('makes nested maps under a component their own entities', async () => {
      const conn = await peopleConn(makeConn);
      const r = await conn.transact([{ 'db/id': 'a', 'person/name': 'Ann', 'person/address': { 'address/city': 'Oslo' }, 'person/pets': [{ 'pet/name': 'Rex' }, { 'pet/name': 'Tom' }] }]);
      const a = r.tempids.a as number;
      const db = conn.db();
      const addr = (await value(db, a, 'person/address')) as number;
      expect(await value(db, addr, 'address/city')).toBe('Oslo');
      const pets = (await values(db, a, 'person/pets')) as number[];
      expect(await Promise.all(pets.map((p) => value(db, p, 'pet/name')))).toEqual(expect.arrayContaining(['Rex', 'Tom']));
    });

    it('refuses a nested map under a non-component ref unless it carries a unique attribute (which upserts)', async () => {
      const conn = await peopleConn(makeConn);
      await rejects(conn.transact([{ 'person/name': 'Ann', 'person/friends': [{ 'person/name': 'Bob' }] }]), 'transact/syntax');
      const [bob] = await people(conn, 'bob');
      const r = await conn.transact([{ 'db/id': 'a', 'person/name': 'Ann', 'person/friends': [{ 'person/email': 'bob@x', 'person/age': 40 }, { 'person/email': 'new@x' }] }]);
      const a = r.tempids.a as number;
      const friends = (await values(conn.db(), a, 'person/friends')) as number[];
      expect(friends).toContain(bob);
      expect(friends).toHaveLength(2);
      expect(await value(conn.db(), bob as number, 'person/age')).toBe(40);
    });

    it('asserts reverse refs on the other entity', async () => {
      const conn = await peopleConn(makeConn);
      const [bob, cy] = await people(conn, 'bob', 'cy');
      const r = await conn.transact([{ 'db/id': 'ann', 'person/name': 'Ann', 'person/_friends': [bob, cy], ':person/_spouse': bob }]);
      const ann = r.tempids.ann as number;
      const db = conn.db();
      expect(await values(db, bob as number, 'person/friends')).toEqual([ann]);
      expect(await values(db, cy as number, 'person/friends')).toEqual([ann]);
      expect(await value(db, bob as number, 'person/spouse')).toBe(ann);
    });

    it('reads lookup refs among the values of a cardinality-many ref', async () => {
      const conn = await peopleConn(makeConn);
      const [a, b, c] = await people(conn, 'a', 'b', 'c');
      await conn.transact([{ 'db/id': a as number, 'person/friends': [kw('person/email'), 'b@x'] }]);
      expect(await values(conn.db(), a as number, 'person/friends')).toEqual([b]);
      await conn.transact([{ 'db/id': a as number, 'person/friends': [['person/email', 'c@x'], [kw('person/email'), 'a@x']] }]);
      expect((await values(conn.db(), a as number, 'person/friends')).sort()).toEqual([a, b, c].sort());
    });

    it('accepts a JS Map as a map form', async () => {
      const conn = await peopleConn(makeConn);
      const r = await conn.transact([new Map<unknown, unknown>([[kw('db/id'), 'a'], [kw('person/name'), 'Ann']]) as never]);
      expect(await value(conn.db(), r.tempids.a as number, 'person/name')).toBe('Ann');
    });

    it('reads every kind of form and value from EDN text', async () => {
      const conn = await peopleConn(makeConn);
      await conn.transact('[{:db/ident :t/d :db/valueType :db.type/double :db/cardinality :db.cardinality/one} {:db/ident :t/n :db/valueType :db.type/bigint :db/cardinality :db.cardinality/one} {:db/ident :t/m :db/valueType :db.type/bigdec :db/cardinality :db.cardinality/one} {:db/ident :t/i :db/valueType :db.type/instant :db/cardinality :db.cardinality/one} {:db/ident :t/u :db/valueType :db.type/uuid :db/cardinality :db.cardinality/one} {:db/ident :t/l :db/valueType :db.type/long :db/cardinality :db.cardinality/one}]');
      const r = await conn.transact(`[{:db/id "a" :person/name "Ann" :person/email "a@x" :t/d 1.0 :t/n 12N :t/m 1.50M :t/l 9223372036854775807
                                       :t/i #inst "2024-01-02T03:04:05.006Z" :t/u #uuid "6f1d2b3c-0000-4000-8000-00000000abcd"
                                       :person/address {:address/city "Oslo"} :person/color :color/red}
                                      {:db/id "b" :person/name "Bob" :person/_friends ["a"]}
                                      [:db/add "a" :person/age 3]
                                      (:db/add "datomic.tx" :db/doc "from EDN")]`);
      const a = r.tempids.a as number;
      const b = r.tempids.b as number;
      const db = conn.db();
      expect(await value(db, a, 't/d')).toBe(1);
      expect(await value(db, a, 't/n')).toBe(12n);
      expect(String(await value(db, a, 't/m'))).toBe('1.50');
      expect(await value(db, a, 't/l')).toBe(2n ** 63n - 1n);
      expect(((await value(db, a, 't/i')) as Date).toISOString()).toBe('2024-01-02T03:04:05.006Z');
      expect(String(await value(db, a, 't/u'))).toBe('6f1d2b3c-0000-4000-8000-00000000abcd');
      expect(await values(db, a, 'person/friends')).toEqual([b]);
      expect(await value(db, a, 'person/age')).toBe(3);
      expect(db.ident((await value(db, a, 'person/color')) as number)).toBe(kw('color/red'));
      expect(await value(db, (await value(db, a, 'person/address')) as number, 'address/city')).toBe('Oslo');
      expect(await value(db, r.tempids['datomic.tx'] as number, 'db/doc')).toBe('from EDN');
      await conn.transact('[[:db/retractEntity [:person/email "a@x"]]]');
      expect(await all(conn.db(), 'eavt', a)).toEqual([]);
      await rejects(conn.transact('[{:db/id "x" :t/l 9223372036854775808}]'), 'transact/type');
    });

    it('accepts EDN text', async () => {
      const conn = await peopleConn(makeConn);
      const r = await conn.transact('[{:db/id "a" :person/name "Ann" :person/tags ["x" "y"]} [:db/add "a" :person/age 3] (:db/add "a" :person/friends "a")]');
      const a = r.tempids.a as number;
      expect(await value(conn.db(), a, 'person/age')).toBe(3);
      expect(await values(conn.db(), a, 'person/friends')).toEqual([a]);
      expect((await values(conn.db(), a, 'person/tags')).sort()).toEqual(['x', 'y']);
      await rejects(conn.transact('[{:db/id "a" :person/name "Ann"'), 'edn/syntax');
    });

    it('accepts an EDN set under a cardinality-many attribute', async () => {
      const conn = await peopleConn(makeConn);
      const r = await conn.transact('[{:db/id "a" :person/tags #{"x" "y"}}]');
      expect((await values(conn.db(), r.tempids.a as number, 'person/tags')).sort()).toEqual(['x', 'y']);
    });
  });

  describe('entity positions', () => {
    it('resolves tempids consistently within a transaction and reports them', async () => {
      const conn = await peopleConn(makeConn);
      const r = await conn.transact([
        { 'db/id': 'a', 'person/name': 'Ann', 'person/friends': ['b'] },
        { 'db/id': 'b', 'person/name': 'Bob', 'person/spouse': 'a' },
      ]);
      const { a, b } = r.tempids as Record<string, number>;
      expect(a).not.toBe(b);
      expect(await values(conn.db(), a as number, 'person/friends')).toEqual([b]);
      expect(await value(conn.db(), b as number, 'person/spouse')).toBe(a);
      // Tempids are per transaction.
      const r2 = await conn.transact([{ 'db/id': 'a', 'person/name': 'Another' }]);
      expect(r2.tempids.a).not.toBe(a);
    });

    it('reports tempids named like Object.prototype members as ordinary keys', async () => {
      const conn = await peopleConn(makeConn);
      const names = ['__proto__', 'constructor', 'toString', 'hasOwnProperty'];
      const r = await conn.transact(names.map((n, i) => ({ 'db/id': n, 'person/name': `P${i}` })));
      const got = names.map((n) => r.tempids[n]);
      expect(new Set(got).size).toBe(names.length);
      for (const [i, n] of names.entries()) {
        expect(Object.hasOwn(r.tempids, n)).toBe(true);
        expect(await value(conn.db(), got[i] as number, 'person/name')).toBe(`P${i}`);
      }
      expect(Object.keys(r.tempids).sort()).toEqual([...names, 'datomic.tx'].sort());
      // Nothing reached a prototype.
      expect(({} as Record<string, unknown>).toString).toBe(Object.prototype.toString);
      expect(Object.getPrototypeOf({})).toBe(Object.prototype);
    });

    it('attaches datomic.tx datoms to the transaction entity', async () => {
      const conn = await peopleConn(makeConn);
      await conn.transact([attr('audit/user', 'string')]);
      const r = await conn.transact([{ 'db/id': 'datomic.tx', 'audit/user': 'ann' }, { 'person/name': 'X' }]);
      const db = r.dbAfter;
      const tx = db.tToTx(db.basisT);
      expect(r.tempids['datomic.tx']).toBe(tx);
      expect(r.txData.every((d) => d.tx === tx)).toBe(true);
      expect(await value(db, tx, 'audit/user')).toBe('ann');
      expect(db.txToT(tx)).toBe(db.basisT);
      // A ref to the transaction.
      await conn.transact([attr('audit/tx', 'ref')]);
      const r2 = await conn.transact([{ 'db/id': 'x', 'person/name': 'Y', 'audit/tx': 'datomic.tx' }]);
      expect(await value(r2.dbAfter, r2.tempids.x as number, 'audit/tx')).toBe(r2.tempids['datomic.tx']);
    });

    it('resolves lookup refs and idents in entity and value positions', async () => {
      const conn = await peopleConn(makeConn);
      const [a, b] = await people(conn, 'a', 'b');
      await conn.transact([
        ['db/add', ['person/email', 'a@x'], 'person/age', 1],
        ['db/add', [kw('person/email'), 'a@x'], 'person/friends', ['person/email', 'b@x']],
        { 'db/id': ['person/email', 'b@x'], 'person/spouse': [kw('person/email'), 'a@x'], 'person/color': kw('color/red') },
        ['db/add', kw('color/red'), 'db/doc', 'Red'],
      ]);
      const db = conn.db();
      expect(await value(db, a as number, 'person/age')).toBe(1);
      expect(await values(db, a as number, 'person/friends')).toEqual([b]);
      expect(await value(db, b as number, 'person/spouse')).toBe(a);
      expect(db.ident((await value(db, b as number, 'person/color')) as number)).toBe(kw('color/red'));
      expect(await value(db, (await db.entid(kw('color/red'))) as number, 'db/doc')).toBe('Red');
    });

    it('resolves lookup refs against the db before: a value asserted in the same transaction is not found', async () => {
      const conn = await peopleConn(makeConn);
      const a = await create(conn, { 'person/name': 'a' });
      await rejects(conn.transact([{ 'person/email': 'new@x' }, ['db/add', a, 'person/friends', ['person/email', 'new@x']]]), 'transact/lookup-ref');
      // A tempid is the way to refer to it.
      const r = await conn.transact([{ 'db/id': 'n', 'person/email': 'new@x' }, ['db/add', a, 'person/friends', 'n']]);
      expect(await values(conn.db(), a, 'person/friends')).toEqual([r.tempids.n]);
    });

    it('never reuses entity ids', async () => {
      const conn = await peopleConn(makeConn);
      const a = await create(conn, { 'person/name': 'a' });
      await conn.transact([['db/retractEntity', a]]);
      await rejects(conn.transact([{ 'person/name': 'x', 'person/age': 'bad' }]), 'transact/type');
      const b = await create(conn, { 'person/name': 'b' });
      expect(b).toBeGreaterThan(a);
      const r = await conn.transact([{ 'db/id': 'x', 'person/name': 'x' }, { 'db/id': 'y', 'person/name': 'y' }]);
      expect(r.tempids.x).toBeGreaterThan(b);
      expect(r.tempids.y).toBeGreaterThan(b);
      expect(r.tempids.x).not.toBe(r.tempids.y);
      expect(Number.isSafeInteger(r.tempids.y)).toBe(true);
      // Allocated in order of first appearance.
      expect(r.tempids.x).toBeLessThan(r.tempids.y as number);
    });

    it('refuses a lookup ref on a non-unique attribute, and one that finds nothing', async () => {
      const conn = await peopleConn(makeConn);
      await people(conn, 'a');
      await rejects(conn.transact([['db/add', ['person/name', 'a'], 'person/age', 1]]), 'transact/lookup-ref');
      const err = await rejects(conn.transact([['db/add', ['person/email', 'nobody@x'], 'person/age', 1]]), 'transact/lookup-ref');
      expect(String(err.data.lookupRef)).toContain('nobody@x');
      await rejects(conn.transact([['db/add', ['person/email', 'a@x'], 'person/friends', ['person/email', 'nobody@x']]]), 'transact/lookup-ref');
    });

    it('refuses entity ids that were never allocated, and unknown idents', async () => {
      const conn = await peopleConn(makeConn);
      const a = await create(conn, { 'person/name': 'a' });
      await rejects(conn.transact([['db/add', a, 'person/friends', 2 ** 40]]), 'transact/entity');
      await rejects(conn.transact([['db/add', a, 'person/friends', 0]]), 'transact/entity');
      await rejects(conn.transact([{ 'db/id': 2 ** 40, 'person/name': 'x' }]), 'transact/entity');
      await rejects(conn.transact([['db/add', 2 ** 40, 'person/name', 'x']]), 'transact/entity');
      await rejects(conn.transact([['db/add', -1, 'person/name', 'x']]), /^transact\//);
      await rejects(conn.transact([['db/add', kw('no/such'), 'person/name', 'x']]), 'transact/entity');
    });

    it('refuses a retraction or cas naming a tempid', async () => {
      const conn = await peopleConn(makeConn);
      const a = await create(conn, { 'person/name': 'a' });
      await rejects(conn.transact([['db/retract', 'a', 'person/name', 'x']]), 'transact/tempid');
      await rejects(conn.transact([['db/retract', a, 'person/friends', 'b']]), 'transact/tempid');
      await rejects(conn.transact([['db/retractEntity', 'a']]), 'transact/tempid');
      await rejects(conn.transact([['db/cas', 'a', 'person/age', null, 1]]), 'transact/tempid');
    });

    it('allows annotating an earlier transaction entity', async () => {
      const conn = await peopleConn(makeConn);
      await conn.transact([attr('audit/note', 'string')]);
      const r = await conn.transact([{ 'person/name': 'x' }]);
      const tx = r.tempids['datomic.tx'] as number;
      await conn.transact([['db/add', tx, 'audit/note', 'reviewed']]);
      expect(await value(conn.db(), tx, 'audit/note')).toBe('reviewed');
      expect(await conn.db().entid(tx)).toBe(tx);
    });
  });

  describe('upsert', () => {
    it('resolves a tempid asserting a held identity value to its holder', async () => {
      const conn = await peopleConn(makeConn);
      const [a] = await people(conn, 'a');
      const r = await conn.transact([{ 'db/id': 't', 'person/email': 'a@x', 'person/age': 9 }]);
      expect(r.tempids.t).toBe(a);
      expect(changes(r)).toEqual([[a, 'person/age', 9, true]]);
      // Without db/id as well.
      await conn.transact([{ 'person/email': 'a@x', 'person/age': 10 }]);
      expect(await value(conn.db(), a as number, 'person/age')).toBe(10);
    });

    it('points refs to an upserted tempid at the existing entity', async () => {
      const conn = await peopleConn(makeConn);
      const [a] = await people(conn, 'a');
      const r = await conn.transact([{ 'db/id': 't', 'person/email': 'a@x' }, { 'db/id': 'u', 'person/name': 'U', 'person/friends': ['t'], 'person/spouse': 't' }]);
      expect(r.tempids.t).toBe(a);
      expect(await values(conn.db(), r.tempids.u as number, 'person/friends')).toEqual([a]);
      expect(await value(conn.db(), r.tempids.u as number, 'person/spouse')).toBe(a);
      // Upsert in a nested map and in a reverse ref.
      const r2 = await conn.transact([{ 'db/id': 'v', 'person/name': 'V', 'person/friends': [{ 'person/email': 'a@x', 'person/age': 7 }], 'person/_spouse': [{ 'person/email': 'a@x' }] }]);
      expect(await values(conn.db(), r2.tempids.v as number, 'person/friends')).toEqual([a]);
      expect(await value(conn.db(), a as number, 'person/spouse')).toBe(r2.tempids.v);
      expect(await value(conn.db(), a as number, 'person/age')).toBe(7);
    });

    it('merges tempids that assert the same new identity value', async () => {
      const conn = await peopleConn(makeConn);
      const r = await conn.transact([
        { 'db/id': 't1', 'person/email': 'new@x', 'person/name': 'N' },
        { 'db/id': 't2', 'person/email': 'new@x', 'person/age': 5 },
      ]);
      expect(r.tempids.t1).toBe(r.tempids.t2);
      const e = r.tempids.t1 as number;
      expect(await value(conn.db(), e, 'person/age')).toBe(5);
      expect((await all(conn.db(), 'avet', 'person/email', 'new@x')).map((d) => d.e)).toEqual([e]);
    });

    it('resolves a complex upsert through a tempid ref', async () => {
      const conn = await makeConn();
      await conn.transact([attr('acct/owner', 'ref', { unique: 'identity' }), attr('acct/balance', 'long'), attr('user/email', 'string', { unique: 'identity' })]);
      const r0 = await conn.transact([{ 'db/id': 'u', 'user/email': 'o@x' }, { 'db/id': 'acct', 'acct/owner': 'u', 'acct/balance': 1 }]);
      const acct = r0.tempids.acct as number;
      const r = await conn.transact([
        { 'db/id': 'q', 'user/email': 'o@x' },
        { 'db/id': 'p', 'acct/owner': 'q', 'acct/balance': 10 },
      ]);
      expect(r.tempids.q).toBe(r0.tempids.u);
      expect(r.tempids.p).toBe(acct);
      expect(await value(conn.db(), acct, 'acct/balance')).toBe(10);
    });

    it('refuses a tempid that upserts to two entities', async () => {
      const conn = await makeConn();
      await conn.transact([attr('u/a', 'string', { unique: 'identity' }), attr('u/b', 'string', { unique: 'identity' })]);
      await conn.transact([{ 'u/a': 'x' }, { 'u/b': 'y' }]);
      const before = await snapshot(conn.db());
      const err = await rejects(conn.transact([{ 'db/id': 't', 'u/a': 'x', 'u/b': 'y' }]), 'transact/upsert');
      expect(String(err.data.tempid)).toBe('t');
      expect(await snapshot(conn.db())).toEqual(before);
    });

    it('refuses an explicit entity id whose identity value belongs to another entity', async () => {
      const conn = await peopleConn(makeConn);
      const [a, b] = await people(conn, 'a', 'b');
      await rejects(conn.transact([{ 'db/id': b, 'person/email': 'a@x' }]), 'transact/unique');
      expect(await value(conn.db(), a as number, 'person/email')).toBe('a@x');
    });

    it('does not upsert through db.unique/value: the tempid fails', async () => {
      const conn = await peopleConn(makeConn);
      const e = await create(conn, { 'person/ssn': '123' });
      const err = await rejects(conn.transact([{ 'db/id': 't', 'person/ssn': '123', 'person/age': 1 }]), 'transact/unique');
      expect(err.data.holder).toBe(e);
    });
  });

  describe('transaction functions', () => {
    it('calls a registered function with the db before and expands what it returns', async () => {
      const conn = await peopleConn(makeConn);
      const a = await create(conn, { 'person/name': 'Ann', 'person/age': 1 });
      let seen: Database | undefined;
      conn.registerTxFn('my/inc', async (db, e, attrName) => {
        seen = db;
        const cur = (await db.datoms('eavt', e, attrName).toArray())[0]?.v as number;
        return [['db/add', e as number, attrName as string, cur + 1]];
      });
      const basis = conn.db().basisT;
      await conn.transact([['my/inc', a, 'person/age'], { 'db/id': a, 'person/name': 'Ann2' }]);
      expect(seen?.basisT).toBe(basis);
      expect(await value(conn.db(), a, 'person/age')).toBe(2);
      expect(await value(conn.db(), a, 'person/name')).toBe('Ann2');
      await conn.transact([[':my/inc', a, 'person/age']]);
      expect(await value(conn.db(), a, 'person/age')).toBe(3);
    });

    it('sees the db before even when other forms of the transaction change the data', async () => {
      const conn = await peopleConn(makeConn);
      const a = await create(conn, { 'person/name': 'Ann', 'person/age': 1 });
      conn.registerTxFn('my/copyAge', async (db, from, to) => {
        const v = (await db.datoms('eavt', from, 'person/age').toArray())[0]?.v;
        return [['db/add', to as string, 'person/age', v]];
      });
      const r = await conn.transact([['db/add', a, 'person/age', 50], ['my/copyAge', a, 'b'], ['db/add', 'b', 'person/name', 'B']]);
      expect(await value(conn.db(), r.tempids.b as number, 'person/age')).toBe(1);
    });

    it('expands nested function calls and EDN text results', async () => {
      const conn = await peopleConn(makeConn);
      conn.registerTxFn('my/outer', (_db, name) => [['my/inner', name]]);
      conn.registerTxFn('my/inner', (_db, name) => `[{:db/id "n" :person/name "${String(name)}"}]`);
      const r = await conn.transact([['my/outer', 'Nested']]);
      expect(await value(conn.db(), r.tempids.n as number, 'person/name')).toBe('Nested');
    });

    it('shares tempids between a function\'s result and the rest of the transaction', async () => {
      const conn = await peopleConn(makeConn);
      conn.registerTxFn('my/age', (_db, tempid, age) => [{ 'db/id': tempid as string, 'person/age': age as number }]);
      const r = await conn.transact([{ 'db/id': 'p', 'person/name': 'P' }, ['my/age', 'p', 4]]);
      expect(await value(conn.db(), r.tempids.p as number, 'person/age')).toBe(4);
      expect(await value(conn.db(), r.tempids.p as number, 'person/name')).toBe('P');
      // Called from EDN text with keyword arguments.
      conn.registerTxFn('my/set', (_db, e, a, v) => [['db/add', e as number, a as never, v]]);
      await conn.transact(`[[:my/set ${r.tempids.p} :person/age 5]]`);
      expect(await value(conn.db(), r.tempids.p as number, 'person/age')).toBe(5);
    });

    it('treats a conflict between a function result and another form as a conflict', async () => {
      const conn = await peopleConn(makeConn);
      const a = await create(conn, { 'person/name': 'a' });
      conn.registerTxFn('my/age', (_db, e, age) => [['db/add', e as number, 'person/age', age as number]]);
      await rejects(conn.transact([['my/age', a, 1], ['db/add', a, 'person/age', 2]]), 'transact/conflict');
    });

    it('turns a throwing function into transact/fn and commits nothing', async () => {
      const conn = await peopleConn(makeConn);
      conn.registerTxFn('my/boom', () => {
        throw new Error('kaboom');
      });
      const before = await snapshot(conn.db());
      const err = await rejects(conn.transact([{ 'person/name': 'x' }, ['my/boom']]), 'transact/fn');
      expect(err.message).toContain('kaboom');
      expect((err as Error).cause).toBeInstanceOf(Error);
      expect(await snapshot(conn.db())).toEqual(before);
    });

    it('refuses an unknown function with transact/fn', async () => {
      const conn = await peopleConn(makeConn);
      const err = await rejects(conn.transact([['my/unknown', 1]]), 'transact/fn');
      expect(String(err.data.fn)).toContain('my/unknown');
    });
  });

  describe('transaction rules', () => {
    it('drops redundant assertions and retractions of absent datoms', async () => {
      const conn = await peopleConn(makeConn);
      const a = await create(conn, { 'person/name': 'Ann', 'person/tags': ['x'] });
      const r = await conn.transact([
        ['db/add', a, 'person/name', 'Ann'],
        ['db/add', a, 'person/tags', 'x'],
        ['db/retract', a, 'person/tags', 'nope'],
        ['db/retract', a, 'person/age', 3],
      ]);
      expect(changes(r)).toEqual([]);
      // Still a transaction, with its txInstant.
      expect(r.dbAfter.basisT).toBe(r.dbBefore.basisT + 1);
      expect(r.txData).toHaveLength(1);
      expect(r.dbAfter.ident(r.txData[0]?.a as number)).toBe(kw('db/txInstant'));
      // A datom stated twice in one transaction is one datom.
      const r2 = await conn.transact([['db/add', a, 'person/tags', 'y'], { 'db/id': a, 'person/tags': ['y'] }]);
      expect(changes(r2)).toEqual([[a, 'person/tags', 'y', true]]);
    });

    it('retracts the old value of a cardinality-one attribute', async () => {
      const conn = await peopleConn(makeConn);
      const a = await create(conn, { 'person/name': 'Ann', 'person/age': 1 });
      const r = await conn.transact([{ 'db/id': a, 'person/age': 2 }]);
      expect(changes(r)).toEqual([
        [a, 'person/age', 1, false],
        [a, 'person/age', 2, true],
      ]);
      expect(await values(conn.db(), a, 'person/age')).toEqual([2]);
      expect((await all(conn.db(), 'avet', 'person/age', 1)).length).toBe(0);
    });

    it('checks uniqueness against the db after the transaction', async () => {
      const conn = await peopleConn(makeConn);
      const [a, b] = await people(conn, 'a', 'b');
      await conn.transact([['db/add', a as number, 'person/ssn', '1']]);
      // Moving a unique value from a to b in one transaction is fine ...
      await conn.transact([['db/retract', a as number, 'person/ssn', '1'], ['db/add', b as number, 'person/ssn', '1']]);
      expect((await all(conn.db(), 'avet', 'person/ssn', '1')).map((d) => d.e)).toEqual([b]);
      // ... and so is freeing it by a cardinality-one replacement.
      await conn.transact([['db/add', b as number, 'person/ssn', '2'], ['db/add', a as number, 'person/ssn', '1']]);
      expect((await all(conn.db(), 'avet', 'person/ssn', '1')).map((d) => d.e)).toEqual([a]);
      // Two entities taking one new value in the same transaction is not.
      await rejects(conn.transact([['db/add', a as number, 'person/ssn', '9'], ['db/add', b as number, 'person/ssn', '9']]), 'transact/unique');
      // Nor is taking a value that stays held.
      const err = await rejects(conn.transact([['db/add', b as number, 'person/ssn', '1']]), 'transact/unique');
      expect(err.data.holder).toBe(a);
      expect(String(err.data.attribute)).toContain('person/ssn');
    });

    it('keeps composite tuples up to date, retracts them when their parts are gone, and enforces unique ones', async () => {
      const conn = await makeConn();
      await conn.transact([
        attr('c/x', 'string'),
        attr('c/y', 'long'),
        attr('c/x+y', 'tuple', { tupleAttrs: ['c/x', 'c/y'], unique: 'identity' }),
      ]);
      const e = await create(conn, { 'c/x': 'a' });
      expect(await value(conn.db(), e, 'c/x+y')).toEqual(['a', null]);
      await conn.transact([['db/add', e, 'c/y', 1]]);
      expect(await value(conn.db(), e, 'c/x+y')).toEqual(['a', 1]);
      const r = await conn.transact([['db/add', e, 'c/y', 2]]);
      expect(changes(r)).toEqual([
        [e, 'c/x+y', ['a', 1], false],
        [e, 'c/x+y', ['a', 2], true],
        [e, 'c/y', 1, false],
        [e, 'c/y', 2, true],
      ]);
      expect((await all(conn.db(), 'avet', 'c/x+y', ['a', 2])).map((d) => d.e)).toEqual([e]);
      await rejects(conn.transact([{ 'c/x': 'a', 'c/y': 2 }]), 'transact/unique');
      await conn.transact([['db/retract', e, 'c/x', 'a']]);
      expect(await value(conn.db(), e, 'c/x+y')).toEqual([null, 2]);
      await conn.transact([['db/retract', e, 'c/y', 2]]);
      expect(await all(conn.db(), 'eavt', e)).toEqual([]);
      // The value is free again.
      await conn.transact([{ 'c/x': 'a', 'c/y': 2 }]);
    });

    it('resolves a lookup ref through a unique composite tuple, in reads and in transactions', async () => {
      const conn = await makeConn();
      await conn.transact([
        attr('c/x', 'string'),
        attr('c/y', 'long'),
        attr('c/note', 'string'),
        attr('c/other', 'ref'),
        attr('c/x+y', 'tuple', { tupleAttrs: ['c/x', 'c/y'], unique: 'identity' }),
      ]);
      const e = await create(conn, { 'c/x': 'a', 'c/y': 2 });
      expect(await conn.db().entid(['c/x+y', ['a', 2]])).toBe(e);
      await conn.transact([['db/add', ['c/x+y', ['a', 2]], 'c/note', 'found']]);
      expect(await value(conn.db(), e, 'c/note')).toBe('found');
      const r = await conn.transact([{ 'db/id': 'o', 'c/other': ['c/x+y', ['a', 2]] }]);
      expect(await value(conn.db(), r.tempids.o as number, 'c/other')).toBe(e);
    });

    it('gives every transaction a txInstant: automatic, explicit, never going back', async () => {
      const conn = await peopleConn(makeConn);
      const t0 = Date.now();
      const r1 = await conn.transact([{ 'person/name': 'a' }]);
      const t1 = Date.now();
      const tx1 = r1.dbAfter.tToTx(r1.dbAfter.basisT);
      const inst1 = (await value(r1.dbAfter, tx1, 'db/txInstant')) as Date;
      expect(inst1).toBeInstanceOf(Date);
      expect(inst1.getTime()).toBeGreaterThanOrEqual(t0 - 1);
      expect(inst1.getTime()).toBeLessThanOrEqual(t1 + 1);
      expect(r1.txData.some((d) => d.e === tx1 && d.added && d.v instanceof Date)).toBe(true);
      // Ahead of the clock within the allowed skew (10 minutes by default); far ahead is refused.
      await rejects(conn.transact([{ 'db/id': 'datomic.tx', 'db/txInstant': new Date('2999-01-01T00:00:00Z') }]), 'transact/tx-instant');
      const future = new Date(t1 + 300_000);
      const r2 = await conn.transact([{ 'db/id': 'datomic.tx', 'db/txInstant': future }, { 'person/name': 'b' }]);
      const tx2 = r2.dbAfter.tToTx(r2.dbAfter.basisT);
      expect(((await value(r2.dbAfter, tx2, 'db/txInstant')) as Date).getTime()).toBe(future.getTime());
      const before = await snapshot(conn.db());
      const err = await rejects(conn.transact([{ 'db/id': 'datomic.tx', 'db/txInstant': new Date(t1) }, { 'person/name': 'c' }]), 'transact/tx-instant');
      expect(err.message).toContain(future.toISOString());
      expect(await snapshot(conn.db())).toEqual(before);
      // The same instant again is fine; two instants for one transaction are a conflict.
      await conn.transact([{ 'db/id': 'datomic.tx', 'db/txInstant': future }]);
      await rejects(conn.transact([['db/add', 'datomic.tx', 'db/txInstant', new Date(future.getTime() + 1)], ['db/add', 'datomic.tx', 'db/txInstant', new Date(future.getTime() + 2)]]), 'transact/conflict');
      // The next automatic instant does not go back either.
      const r3 = await conn.transact([{ 'person/name': 'd' }]);
      const tx3 = r3.dbAfter.tToTx(r3.dbAfter.basisT);
      expect(((await value(r3.dbAfter, tx3, 'db/txInstant')) as Date).getTime()).toBeGreaterThanOrEqual(future.getTime());
    });

    it('db.with gives the report without committing', async () => {
      const conn = await peopleConn(makeConn);
      const db = conn.db();
      const before = await snapshot(db);
      const r = await db.with([{ 'db/id': 'a', 'person/name': 'Ann' }]);
      expect(r.dbBefore.basisT).toBe(db.basisT);
      expect(r.dbAfter.basisT).toBe(db.basisT + 1);
      expect(await value(r.dbAfter, r.tempids.a as number, 'person/name')).toBe('Ann');
      expect(await snapshot(conn.db())).toEqual(before);
      expect(await snapshot(db)).toEqual(before);
      // with on a with-value chains; EDN text works too.
      const r2 = await r.dbAfter.with('[[:db/add "b" :person/name "Bob"]]');
      expect(r2.dbAfter.basisT).toBe(db.basisT + 2);
      // The real transaction gets the same t.
      const real = await conn.transact([{ 'person/name': 'Real' }]);
      expect(real.dbAfter.basisT).toBe(db.basisT + 1);
      await rejects(db.with([['db/add', 'a', 'person/age', 'x']]), 'transact/type');
    });

    it('reports a report with dbBefore, dbAfter, txData and tempids', async () => {
      const conn = await peopleConn(makeConn);
      const db = conn.db();
      const r = await conn.transact([{ 'db/id': 'a', 'person/name': 'Ann' }]);
      expect(r.dbBefore.basisT).toBe(db.basisT);
      expect(r.dbAfter.basisT).toBe(conn.db().basisT);
      expect(Object.keys(r.tempids).sort()).toEqual(['a', 'datomic.tx']);
      expect(r.txData.every((d) => d.tx === r.tempids['datomic.tx'])).toBe(true);
    });
  });

  describe('conflicts', () => {
    const cases: [string, DatomErrorCode, (conn: Connection, a: number) => TxData][] = [
      ['two values of a cardinality-one attribute', 'transact/conflict', (_c, a) => [['db/add', a, 'person/age', 1], ['db/add', a, 'person/age', 2]]],
      ['two values through map forms', 'transact/conflict', (_c, a) => [{ 'db/id': a, 'person/name': 'x' }, { 'db/id': a, 'person/name': 'y' }]],
      ['two values through a merged tempid', 'transact/conflict', () => [{ 'db/id': 'p', 'person/email': 'm@x', 'person/age': 1 }, { 'db/id': 'q', 'person/email': 'm@x', 'person/age': 2 }]],
      ['add and retract of one datom', 'transact/conflict', (_c, a) => [['db/add', a, 'person/tags', 't'], ['db/retract', a, 'person/tags', 't']]],
      ['add and retractEntity of one datom', 'transact/conflict', (_c, a) => [['db/add', a, 'person/name', 'Ann'], ['db/retractEntity', a]]],
      ['a tempid used only as a value', 'transact/tempid', (_c, a) => [['db/add', a, 'person/friends', 'ghost']]],
      ['a lookup ref that finds nothing', 'transact/lookup-ref', () => [['db/add', ['person/email', 'nobody@x'], 'person/age', 1]]],
      ['a failed cas', 'transact/cas', (_c, a) => [['db/cas', a, 'person/name', 'Bob', 'Cy']]],
      ['an unknown function', 'transact/fn', () => [['no/fn']]],
      ['a value of the wrong type', 'transact/type', (_c, a) => [['db/add', a, 'person/age', 'old']]],
      ['a unique value held by another entity', 'transact/unique', (_c, a) => [['db/add', a, 'person/ssn', 'taken']]],
    ];
    for (const [what, code, tx] of cases) {
      it(`fails on ${what} with ${code}, changes nothing, and the next transaction works`, async () => {
        const conn = await peopleConn(makeConn);
        const a = await create(conn, { 'person/name': 'Ann', 'person/email': 'a@x' });
        await conn.transact([{ 'person/ssn': 'taken' }]);
        const db = conn.db();
        const before = await snapshot(db);
        const err = await rejects(conn.transact(tx(conn, a)), code);
        expect(err.data).toBeDefined();
        expect(await snapshot(conn.db())).toEqual(before);
        expect(await snapshot(db)).toEqual(before);
        const r = await conn.transact([{ 'db/id': a, 'person/age': 77 }]);
        expect(r.dbAfter.basisT).toBe(db.basisT + 1);
        expect(await value(conn.db(), a, 'person/age')).toBe(77);
      });
    }

    it('names the offending form in the error data', async () => {
      const conn = await peopleConn(makeConn);
      const a = await create(conn, { 'person/name': 'Ann' });
      const err = await rejects(conn.transact([['db/add', a, 'person/age', 1], ['db/add', a, 'person/age', 2]]), 'transact/conflict');
      expect(JSON.stringify(err.data)).toContain('person/age');
      const err2 = await rejects(conn.transact([['db/add', a, 'person/age', 'old']]), 'transact/type');
      expect(String(err2.data.value)).toContain('old');
    });

    const formCases: [string, DatomErrorCode, (a: number) => TxData, string][] = [
      ['two values for a card-one attribute', 'transact/conflict', (a) => [['db/add', a, 'person/age', 1], ['db/add', a, 'person/age', 2]], 'person/age'],
      ['add and retract of one datom', 'transact/conflict', (a) => [['db/add', a, 'person/tags', 'x'], ['db/retract', a, 'person/tags', 'x']], 'person/tags'],
      ['a tempid upserting to two entities', 'transact/upsert', () => [{ 'db/id': 't', 'person/email': 'a@x', 'person/handle': 'h' }], 'person/handle'],
      ['a tempid used only as a value', 'transact/tempid', (a) => [['db/add', a, 'person/friends', 'ghost']], 'ghost'],
      ['a lookup ref that finds nothing', 'transact/lookup-ref', () => [['db/add', ['person/email', 'no@x'], 'person/age', 1]], 'no@x'],
      ['a failed cas', 'transact/cas', (a) => [['db/cas', a, 'person/name', 'Bob', 'Cy']], 'Bob'],
    ];
    for (const [what, code, tx, mention] of formCases) {
      it(`puts the offending form in the data of ${code} (${what})`, async () => {
        const conn = await peopleConn(makeConn);
        await conn.transact([attr('person/handle', 'string', { unique: 'identity' })]);
        const a = await create(conn, { 'person/name': 'Ann', 'person/email': 'a@x' });
        await create(conn, { 'person/handle': 'h' });
        const err = await rejects(conn.transact(tx(a)), code);
        expect(JSON.stringify(err.data.form ?? err.data.forms ?? null), JSON.stringify(err.data)).toContain(mention);
      });
    }

    it('runs transactions one at a time in call order', async () => {
      const conn = await peopleConn(makeConn);
      const a = await create(conn, { 'person/name': 'Ann', 'person/age': 0 });
      conn.registerTxFn('my/inc', async (db, e) => {
        const cur = (await db.datoms('eavt', e, 'person/age').toArray())[0]?.v as number;
        return [['db/add', e as number, 'person/age', cur + 1]];
      });
      const ps = Array.from({ length: 10 }, () => conn.transact([['my/inc', a]]));
      const failing = conn.transact([['db/add', a, 'person/age', 'bad']]);
      const reports = await Promise.all(ps);
      await rejects(failing, 'transact/type');
      expect(reports.map((r) => r.dbAfter.basisT)).toEqual(reports.map((_, i) => (reports[0]?.dbAfter.basisT as number) + i));
      expect(await value(conn.db(), a, 'person/age')).toBe(10);
    });
  });

  it('refuses writes on a closed connection', async () => {
    const conn = await peopleConn(makeConn);
    const db = conn.db();
    await conn.close();
    await rejects(conn.transact([{ 'person/name': 'x' }]), 'db/closed');
    await rejects(async () => conn.db(), 'db/closed');
    await rejects(async () => conn.listen(() => undefined), 'db/closed');
    // A value obtained before closing keeps its schema.
    expect(db.attribute('person/name')).not.toBeNull();
    await conn.close();
  });

  it('keeps attribute ids apart from entity ids in datoms', async () => {
    const conn = await peopleConn(makeConn);
    const a = await create(conn, { 'person/name': 'Ann' });
    const [d] = await all(conn.db(), 'eavt', a);
    expect(d?.a).toBe(aid(conn.db(), 'person/name'));
  });
}
