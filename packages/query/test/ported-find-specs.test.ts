import { type Database, isDatomError, kw, parseEdn, sym } from '@datomkit/datom-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { q, query } from '../src/index.js';
import { asSet, attr, dbWith } from './ported-fixture.js';

// The behaviour of DataScript's find-spec, return-map and pull-in-find tests and of Datomic's
// documented find specifications, on datomkit's own data.

const SCHEMA = `[${attr('p/name', 'string', ':db/unique :db.unique/identity')} ${attr('p/age', 'long')} ${attr('p/friend', 'ref', 'many')}]`;
let db: Database;
let ids: Record<string, number>;

beforeAll(async () => {
  ({ db, ids } = await dbWith(
    SCHEMA,
    `[{:db/id "kim" :p/name "Kim" :p/age 44 :p/friend ["lee"]}
      {:db/id "lee" :p/name "Lee" :p/age 25}
      {:db/id "max" :p/name "Max" :p/age 11 :p/friend ["kim" "lee"]}]`,
  ));
});

describe('find specs', () => {
  it('a relation gives every distinct tuple', async () => {
    expect(asSet(await q('[:find ?n ?a :where [?e :p/name ?n] [?e :p/age ?a]]', db))).toEqual(asSet([['Kim', 44], ['Lee', 25], ['Max', 11]]));
    // Distinct: three people, two of them with friends, but the relation has each friend-holder once.
    expect(asSet(await q('[:find ?e :where [?e :p/friend _]]', db))).toEqual(asSet([[ids.kim], [ids.max]]));
  });

  it('a collection [?x ...] gives the values of one variable', async () => {
    expect([...((await q('[:find [?n ...] :where [_ :p/name ?n]]', db)) as string[])].sort()).toEqual(['Kim', 'Lee', 'Max']);
  });

  it('a single tuple [?a ?b] gives one tuple, or null when nothing matches', async () => {
    expect(await q('[:find [?n ?a] :in $ ?e :where [?e :p/name ?n] [?e :p/age ?a]]', db, ids.kim)).toEqual(['Kim', 44]);
    expect(await q('[:find [?n ?a] :where [?e :p/name ?n] [?e :p/age ?a] [(> ?a 100)]]', db)).toBeNull();
    // With several matches, one of them.
    const one = await q('[:find [?n ?a] :where [?e :p/name ?n] [?e :p/age ?a]]', db);
    expect(asSet([['Kim', 44], ['Lee', 25], ['Max', 11]])).toContain(JSON.stringify(one));
  });

  it('a scalar ?x . gives one value, or null', async () => {
    expect(await q('[:find ?n . :in $ ?e :where [?e :p/name ?n]]', db, ids.lee)).toBe('Lee');
    expect(await q('[:find ?n . :where [?e :p/name ?n] [(= ?n "Nobody")]]', db)).toBeNull();
    expect(['Kim', 'Lee', 'Max']).toContain(await q('[:find ?n . :where [_ :p/name ?n]]', db));
  });

  it('aggregates combine with every find spec', async () => {
    expect(await q('[:find [(count ?n) ...] :where [_ :p/name ?n]]', db)).toEqual([3]);
    expect(await q('[:find [(count ?n)] :where [_ :p/name ?n]]', db)).toEqual([3]);
    expect(await q('[:find (count ?n) . :where [_ :p/name ?n]]', db)).toBe(3);
    expect(await q('[:find (max ?a) . :where [_ :p/age ?a]]', db)).toBe(44);
  });

  it('takes the query as EDN text, as parsed EDN and as the map form', async () => {
    const text = '[:find ?n :where [?e :p/age ?a] [(< ?a 20)] [?e :p/name ?n]]';
    expect(await q(text, db)).toEqual([['Max']]);
    expect(await q(parseEdn(text) as never, db)).toEqual([['Max']]);
    expect(await q('{:find [?n] :where [[?e :p/age ?a] [(< ?a 20)] [?e :p/name ?n]]}', db)).toEqual([['Max']]);
    expect(await query({ query: text, args: [db] })).toEqual([['Max']]);
  });
});

describe('return maps', () => {
  it(':keys gives maps keyed by the names given', async () => {
    const rows = (await q('[:find ?n ?a :keys name age :where [?e :p/name ?n] [?e :p/age ?a]]', db)) as Record<string, unknown>[];
    expect(asSet(rows)).toEqual(asSet([{ name: 'Kim', age: 44 }, { name: 'Lee', age: 25 }, { name: 'Max', age: 11 }]));
  });

  it(':syms and :strs name the same keys', async () => {
    for (const spec of [':syms', ':strs']) {
      const rows = (await q(`[:find ?n ?a ${spec} name age :where [?e :p/name ?n] [?e :p/age ?a] [(> ?a 20)]]`, db)) as Record<string, unknown>[];
      expect(asSet(rows)).toEqual(asSet([{ name: 'Kim', age: 44 }, { name: 'Lee', age: 25 }]));
    }
  });

  it('a single tuple with :keys gives one map', async () => {
    expect(await q('[:find [?n ?a] :keys n a :where [?e :p/name ?n] [(= ?n "Lee")] [?e :p/age ?a]]', db)).toEqual({ n: 'Lee', a: 25 });
  });

  it('refuses a :keys list whose length is not the find list', async () => {
    await expect(q('[:find ?n ?a :keys n :where [?e :p/name ?n] [?e :p/age ?a]]', db)).rejects.toSatisfy((e) => isDatomError(e, 'query/bad-find'));
  });
});

describe('pull in :find', () => {
  it('gives the pull result for each entity, beside other find elements', async () => {
    const rows = (await q('[:find ?a (pull ?e [:p/name {:p/friend [:p/name]}]) :where [?e :p/age ?a] [(> ?a 20)]]', db)) as unknown[][];
    const byAge = new Map(rows.map((r) => [r[0], r[1]]));
    expect(byAge.get(44)).toEqual({ 'p/name': 'Kim', 'p/friend': [{ 'p/name': 'Lee' }] });
    expect(byAge.get(25)).toEqual({ 'p/name': 'Lee' });
  });

  it('takes the pattern as an input, and works with the collection and scalar specs', async () => {
    const names = (await q('[:find [(pull ?e pattern) ...] :in $ pattern :where [?e :p/age ?a] [(< ?a 30)]]', db, parseEdn('[:p/name]'))) as unknown[];
    expect(asSet(names)).toEqual(asSet([{ 'p/name': 'Lee' }, { 'p/name': 'Max' }]));
    expect(await q('[:find (pull ?e [:p/age]) . :in $ ?n :where [?e :p/name ?n]]', db, 'Kim')).toEqual({ 'p/age': 44 });
  });
});

describe('find spec errors', () => {
  it('a find variable that no clause binds is query/unbound-variable', async () => {
    await expect(q('[:find ?x :where [?e :p/name ?n]]', db)).rejects.toSatisfy((e) => isDatomError(e, 'query/unbound-variable'));
  });

  it('a malformed query is query/syntax', async () => {
    await expect(q('[:find :where [?e :p/name]]', db)).rejects.toSatisfy((e) => isDatomError(e, 'query/'));
    await expect(q('[:find ?e :where [?e :p/name', db)).rejects.toSatisfy((e) => isDatomError(e));
  });

  it('keywords and symbols as find inputs come back as given', async () => {
    expect(await q('[:find ?k ?s :in ?k ?s]', kw('a/b'), sym('x'))).toEqual([[kw('a/b'), sym('x')]]);
  });
});
