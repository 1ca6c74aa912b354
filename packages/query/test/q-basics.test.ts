import { type Database, kw, parseEdn } from '@datomkit/datom-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { explain, q, query } from '../src/index.js';
import { PEOPLE_DATA, PEOPLE_SCHEMA, fixture, sorted } from './fixture.js';

let db: Database;
let close: () => Promise<void>;
let id: Record<string, number>;

beforeAll(async () => {
  const f = await fixture(PEOPLE_SCHEMA, PEOPLE_DATA);
  db = f.db;
  close = () => f.conn.close();
  id = {};
  for (const n of ['Ann', 'Bob', 'Cid', 'Dan']) id[n] = (await db.entid([kw('person/name'), n])) as number;
});
afterAll(() => close());

describe('find specs', () => {
  it('a relation is the distinct tuples', async () => {
    expect(sorted(await q('[:find ?a :where [_ :person/age ?a]]', db))).toEqual([[20], [30], [40]]);
  });
  it('scalar, collection and tuple', async () => {
    expect(await q('[:find ?n . :where [?e :person/age 40] [?e :person/name ?n]]', db)).toBe('Cid');
    expect(await q('[:find ?n . :where [?e :person/age 99] [?e :person/name ?n]]', db)).toBeNull();
    expect((await q('[:find [?n ...] :where [?e :person/age 20] [?e :person/name ?n]]', db) as string[]).sort()).toEqual(['Bob', 'Dan']);
    expect(await q('[:find [?n ?a] :where [?e :person/name ?n] [?e :person/age ?a] [(> ?a 35)]]', db)).toEqual(['Cid', 40]);
    expect(await q('[:find [?n ?a] :where [?e :person/name ?n] [?e :person/age ?a] [(> ?a 99)]]', db)).toBeNull();
  });
  it(':keys, :syms and :strs name the tuple elements', async () => {
    const rows = (await q('[:find ?n ?a :keys name age :where [?e :person/name ?n] [?e :person/age ?a] [(= ?n "Ann")]]', db)) as unknown[];
    expect(rows).toEqual([{ name: 'Ann', age: 30 }]);
    expect(await q('[:find [?n ?a] :syms n a :where [?e :person/name ?n] [?e :person/age 30] [?e :person/age ?a]]', db)).toEqual({ n: 'Ann', a: 30 });
    expect(await q('[:find ?n :strs n :where [?e :person/name ?n] [?e :person/age 40]]', db)).toEqual([{ n: 'Cid' }]);
  });
  it('the map form, as text and parsed', async () => {
    const form = '{:find [?n] :in [$ ?a] :where [[?e :person/age ?a] [?e :person/name ?n]]}';
    expect(sorted(await q(form, db, 20))).toEqual([['Bob'], ['Dan']]);
    expect(sorted(await q(parseEdn(form) as never, db, 20))).toEqual([['Bob'], ['Dan']]);
    expect(sorted(await q(parseEdn('[:find ?n :where [_ :person/name ?n]]') as never, db))).toEqual([['Ann'], ['Bob'], ['Cid'], ['Dan']]);
  });
  it('pull in find', async () => {
    const r = await q('[:find (pull ?e [:person/name {:person/sex [:db/ident]}]) :where [?e :person/age 40]]', db);
    expect(r).toEqual([[{ 'person/name': 'Cid', 'person/sex': { 'db/ident': kw('sex/male') } }]]);
    const one = await q('[:find (pull ?e pattern) . :in $ pattern :where [?e :person/age 30]]', db, '[:person/name]');
    expect(one).toEqual({ 'person/name': 'Ann' });
  });
});

describe('patterns and joins', () => {
  it('idents and lookup refs in any position', async () => {
    expect(sorted(await q('[:find ?n :where [?e :person/sex :sex/male] [?e :person/name ?n]]', db))).toEqual([['Bob'], ['Cid']]);
    expect(await q('[:find ?a . :where [[:person/name "Bob"] :person/age ?a]]', db)).toBe(20);
    expect(sorted(await q('[:find ?n :where [?e :person/friend [:person/name "Cid"]] [?e :person/name ?n]]', db))).toEqual([['Ann'], ['Bob']]);
  });
  it('a variable attribute binds the attribute id', async () => {
    const attrs = (await q('[:find [?a ...] :where [[:person/name "Dan"] ?a _]]', db)) as number[];
    expect(attrs.sort()).toEqual([db.attribute('person/age')?.id, db.attribute('person/name')?.id].sort());
  });
  it('a variable repeated in a pattern must match itself', async () => {
    const { db: d2, conn } = await fixture(PEOPLE_SCHEMA, '[{:db/id "x" :person/name "Self" :person/friend "x"}]');
    expect(await q('[:find [?n ...] :where [?e :person/friend ?e] [?e :person/name ?n]]', d2)).toEqual(['Self']);
    await conn.close();
  });
  it('joins across refs (friends of friends)', async () => {
    const r = await q('[:find ?fof :in $ ?n :where [?e :person/name ?n] [?e :person/friend ?f] [?f :person/friend ?g] [?g :person/name ?fof]]', db, 'Ann');
    expect(sorted(r)).toEqual([['Cid'], ['Dan']]);
  });
  it('an unknown attribute or entity matches nothing', async () => {
    expect(await q('[:find ?e :where [?e :no/such 1]]', db)).toEqual([]);
    expect(await q('[:find ?a :where [[:person/name "Nobody"] :person/age ?a]]', db)).toEqual([]);
  });
});

describe('inputs', () => {
  it('scalars, tuples, collections and relations', async () => {
    expect(await q('[:find ?e . :in $ ?n :where [?e :person/name ?n]]', db, 'Bob')).toBe(id.Bob);
    expect(await q('[:find ?e . :in $ [?n ?a] :where [?e :person/name ?n] [?e :person/age ?a]]', db, ['Bob', 20])).toBe(id.Bob);
    expect(sorted(await q('[:find ?e :in $ [?n ...] :where [?e :person/name ?n]]', db, ['Bob', 'Cid', 'Zed']))).toEqual([[id.Bob], [id.Cid]]);
    const r = await q('[:find ?n ?x :in $ [[?n ?x]] :where [?e :person/name ?n]]', db, [['Ann', 1], ['Zed', 2], ['Dan', 3]]);
    expect(sorted(r)).toEqual([['Ann', 1], ['Dan', 3]]);
  });
  it('inputs need not be used by the database', async () => {
    expect(sorted(await q('[:find ?x ?y :in [?x ...] [?y ...]]', [1, 2], ['a']))).toEqual([[1, 'a'], [2, 'a']]);
  });
});

describe('predicates and functions', () => {
  it('comparisons filter, also on a pushed range', async () => {
    expect(sorted(await q('[:find ?n :where [?e :person/age ?a] [(>= ?a 30)] [?e :person/name ?n]]', db))).toEqual([['Ann'], ['Cid']]);
    expect(sorted(await q('[:find ?n :where [?e :person/age ?a] [(< 20 ?a 40)] [?e :person/name ?n]]', db))).toEqual([['Ann']]);
    expect(sorted(await q('[:find ?n :where [?e :person/name ?n] [(< ?n "C")]]', db))).toEqual([['Ann'], ['Bob']]);
  });
  it('function expressions bind scalars, tuples, collections and relations', async () => {
    expect(await q('[:find ?x . :where [[:person/name "Ann"] :person/age ?a] [(+ ?a 1) ?x]]', db)).toBe(31);
    expect(await q('[:find [?a ?b] :where [(vector 1 2) [?a ?b]]]', db)).toEqual([1, 2]);
    expect((await q('[:find [?x ...] :where [(vector 1 2 3) [?x ...]]]', db) as number[]).sort()).toEqual([1, 2, 3]);
    expect(sorted(await q('[:find ?a ?b :in ?r :where [(identity ?r) [[?a ?b]]]]', [[1, 2], [3, 4]]))).toEqual([[1, 2], [3, 4]]);
  });
  it('a function result that is already bound filters', async () => {
    expect(sorted(await q('[:find ?n :where [?e :person/age ?a] [?f :person/age ?b] [(+ ?b 10) ?a] [?e :person/name ?n]]', db))).toEqual([['Ann'], ['Cid']]);
  });
  it('get-else, get-some, missing?', async () => {
    expect(sorted(await q('[:find ?n ?a :where [?e :person/name ?n] [(get-else $ ?e :person/sex :none) ?a]]', db))).toHaveLength(4);
    expect(await q('[:find [?n ...] :where [?e :person/name ?n] [(missing? $ ?e :person/sex)]]', db)).toEqual(['Dan']);
    expect(await q('[:find ?v . :where [[:person/name "Dan"] :person/age _] [(get-some $ [:person/name "Dan"] :person/sex :person/age) [?attr ?v]]]', db)).toBe(20);
  });
  it('user functions come only from the registry', async () => {
    const r = await query({ query: '[:find [?n ...] :where [?e :person/name ?n] [(short? ?n)]]', args: [db], functions: { 'short?': (n) => (n as string).startsWith('A') } });
    expect(r).toEqual(['Ann']);
    await expect(q('[:find ?n :where [?e :person/name ?n] [(short? ?n)]]', db)).rejects.toMatchObject({ code: 'query/unknown-function' });
  });
});

describe('not, or, rules', () => {
  it('not and not-join', async () => {
    expect(sorted(await q('[:find ?n :where [?e :person/name ?n] (not [?e :person/age 20])]', db))).toEqual([['Ann'], ['Cid']]);
    expect(sorted(await q('[:find ?n :where [?e :person/name ?n] (not-join [?e] [?e :person/friend ?f] [?f :person/age 20])]', db))).toEqual([['Bob'], ['Dan']]);
  });
  it('or, or-join and and', async () => {
    expect(sorted(await q('[:find ?n :where [?e :person/name ?n] (or [?e :person/age 40] [?e :person/sex :sex/female])]', db))).toEqual([['Ann'], ['Cid']]);
    const r = await q('[:find ?n :where [?e :person/name ?n] (or-join [?e] (and [?e :person/age 20] [?e :person/sex :sex/male]) [?e :person/age 40])]', db);
    expect(sorted(r)).toEqual([['Bob'], ['Cid']]);
  });
  it('rules, recursive, with bound and free arguments', async () => {
    const rules = '[[(reach ?a ?b) [?a :person/friend ?b]] [(reach ?a ?b) [?a :person/friend ?x] (reach ?x ?b)]]';
    const all = (await q('[:find ?x ?y :in $ % :where (reach ?e ?f) [?e :person/name ?x] [?f :person/name ?y]]', db, rules)) as unknown[][];
    expect(sorted(all)).toEqual(sorted([['Ann', 'Bob'], ['Ann', 'Cid'], ['Ann', 'Dan'], ['Bob', 'Cid'], ['Bob', 'Dan'], ['Cid', 'Dan']]));
    const fromBob = await q('[:find [?y ...] :in $ % ?x :where [?e :person/name ?x] (reach ?e ?f) [?f :person/name ?y]]', db, rules, 'Bob');
    expect((fromBob as string[]).sort()).toEqual(['Cid', 'Dan']);
  });
  it('non-recursive rules with constants and several bodies', async () => {
    const rules = '[[(old ?e) [?e :person/age ?a] [(> ?a 25)]] [(named ?e ?n) [?e :person/name ?n]]]';
    expect(sorted(await q('[:find ?n :in $ % :where (old ?e) (named ?e ?n)]', db, rules))).toEqual([['Ann'], ['Cid']]);
    expect(await q('[:find ?e . :in $ % :where (named ?e "Dan")]', db, rules)).toBe(id.Dan);
  });
});

describe('aggregates', () => {
  it('count, sum, avg, min, max, median, variance, stddev, distinct, count-distinct', async () => {
    const [row = []] = (await q('[:find (count ?a) (count-distinct ?a) (sum ?a) (avg ?a) (min ?a) (max ?a) (median ?a) (variance ?a) (stddev ?a) (distinct ?a) :with ?e :where [?e :person/age ?a]]', db)) as unknown[][];
    expect(row.slice(0, 9)).toEqual([4, 3, 110, 27.5, 20, 40, 25, 68.75, Math.sqrt(68.75)]);
    expect([...(row[9] as number[])].sort()).toEqual([20, 30, 40]);
  });
  it('grouped by the other find elements, and :with keeps duplicates', async () => {
    expect(sorted(await q('[:find ?a (count ?e) :where [?e :person/age ?a]]', db))).toEqual([[20, 2], [30, 1], [40, 1]]);
    expect(await q('[:find (sum ?a) . :where [_ :person/age ?a]]', db)).toBe(90);
    expect(await q('[:find (sum ?a) . :with ?e :where [?e :person/age ?a]]', db)).toBe(110);
  });
  it('n-ary min, max, sample, rand', async () => {
    expect(await q('[:find [(min 2 ?a) (max 2 ?a)] :where [_ :person/age ?a]]', db)).toEqual([[20, 30], [40, 30]]);
    const [s, r] = (await q('[:find [(sample 2 ?a) (rand 5 ?a)] :where [_ :person/age ?a]]', db)) as number[][];
    expect(s).toHaveLength(2);
    expect(new Set(s).size).toBe(2);
    expect(r).toHaveLength(5);
    for (const x of [...(s as number[]), ...(r as number[])]) expect([20, 30, 40]).toContain(x);
  });
});

describe('explain', () => {
  it('shows the chosen order, indexes, pushed predicates and estimates', async () => {
    const plan = await explain('[:find ?n :where [?e :person/age ?a] [?e :person/name ?n] [?e :person/sex :sex/female] [(> ?a 25)]]', db);
    expect(plan.steps.map((s) => s.clause)).toEqual(['[?e :person/sex :sex/female]', '[?e :person/age ?a]', '[?e :person/name ?n]']);
    expect(plan.steps[1]?.pushed).toEqual(['[(> ?a 25)]']);
    expect(plan.steps[0]?.datoms).toBe(1);
    expect(String(plan)).toContain('1. [?e :person/sex :sex/female]');
  });
});

describe('found by the ported tests', () => {
  it(':with without an aggregate keeps a bag', async () => {
    const r = (await q('[:find ?a :with ?e :where [?e :person/age ?a]]', db)) as number[][];
    expect(r.map((x) => x[0]).sort()).toEqual([20, 20, 30, 40]);
  });
  it('a collection of attribute idents binds the attribute position', async () => {
    const r = await q('[:find ?v :in $ ?e [?attr ...] :where [?e ?attr ?v]]', db, id.Dan, [kw('person/name'), kw('person/age')]);
    expect(sorted(r)).toEqual([['Dan'], [20]]);
  });
  it('a collection find of pulls keeps every entity', async () => {
    const r = (await q('[:find [(pull ?e [:person/name]) ...] :where [?e :person/age 20]]', db)) as { 'person/name': string }[];
    expect(r.map((x) => x['person/name']).sort()).toEqual(['Bob', 'Dan']);
  });
  it('a not that shares no variable is query/insufficient-binding', async () => {
    await expect(q('[:find ?e :where [?e :person/name] (not [?x :person/name "Ann"])]', db)).rejects.toMatchObject({ code: 'query/insufficient-binding' });
  });
});
