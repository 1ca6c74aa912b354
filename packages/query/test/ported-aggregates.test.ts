import { compareValues, type Database, type Keyword, kw } from '@datomkit/datom-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { q, query } from '../src/index.js';
import { asSet, attr, dbWith } from './ported-fixture.js';

// The behaviour of DataScript's aggregate tests and of Datomic's documented aggregates (grouping by
// the other find elements, :with, the bag semantics it gives, the numeric aggregates and the
// n-valued ones), on a small zoo of creatures with legs.

const SCHEMA = `[${attr('z/name', 'string', ':db/unique :db.unique/identity')} ${attr('z/legs', 'long')} ${attr('z/kind', 'keyword')}]`;
let db: Database;

beforeAll(async () => {
  ({ db } = await dbWith(
    SCHEMA,
    `[{:z/name "ant" :z/legs 6 :z/kind :kind/insect} {:z/name "bee" :z/legs 6 :z/kind :kind/insect}
      {:z/name "cat" :z/legs 4 :z/kind :kind/mammal} {:z/name "dog" :z/legs 4 :z/kind :kind/mammal}
      {:z/name "eel" :z/legs 0 :z/kind :kind/fish} {:z/name "emu" :z/legs 2 :z/kind :kind/bird}]`,
  ));
});

describe('aggregates', () => {
  it('without :with, aggregates see a set: equal values count once', async () => {
    // Legs per creature are 6 6 4 4 0 2, but the relation [?legs] holds 6, 4, 0, 2.
    expect(await q('[:find (sum ?l) :where [_ :z/legs ?l]]', db)).toEqual([[12]]);
    expect(await q('[:find (count ?l) :where [_ :z/legs ?l]]', db)).toEqual([[4]]);
  });

  it(':with keeps the tuples of a variable that is not returned: a bag', async () => {
    expect(await q('[:find (sum ?l) :with ?e :where [?e :z/legs ?l]]', db)).toEqual([[22]]);
    expect(await q('[:find (sum ?l) (min ?l) (max ?l) (count ?l) (count-distinct ?l) :with ?e :where [?e :z/legs ?l]]', db)).toEqual([[22, 0, 6, 6, 4]]);
    // :with on its own: one row per entity, projected to ?l (as DataScript gives [[1] [1] [1]]).
    const rows = (await q('[:find ?l :with ?e :where [?e :z/legs ?l] [(> ?l 3)]]', db)) as unknown[][];
    expect(rows.map((r) => r[0]).sort()).toEqual([4, 4, 6, 6]);
  });

  it('groups by the find elements that are not aggregates', async () => {
    const rows = await q('[:find ?k (count ?e) (sum ?l) :where [?e :z/kind ?k] [?e :z/legs ?l]]', db);
    expect(asSet(rows)).toEqual(
      asSet([
        // The tuples are [?k ?e ?l]: two insects with 6 legs each are two tuples.
        [kw('kind/insect'), 2, 12],
        [kw('kind/mammal'), 2, 8],
        [kw('kind/fish'), 1, 0],
        [kw('kind/bird'), 1, 2],
      ]),
    );
  });

  it('avg, median, variance and stddev over a collection input', async () => {
    const xs = [10, 15, 20, 35, 75];
    expect(await q('[:find (avg ?x) . :in [?x ...]]', xs)).toBe(31);
    expect(await q('[:find (median ?x) . :in [?x ...]]', xs)).toBe(20);
    expect(await q('[:find (variance ?x) . :in [?x ...]]', xs)).toBe(554);
    expect(await q('[:find (stddev ?x) . :in [?x ...]]', xs)).toBeCloseTo(Math.sqrt(554), 12);
  });

  it('min and max follow the value order (compareValues), not JavaScript operators', async () => {
    const kws = [kw('a/c'), kw('a-/b'), kw('a/b')];
    const sorted = [...kws].sort(compareValues);
    expect(await q('[:find (min ?x) (max ?x) :in [?x ...]]', kws)).toEqual([[sorted[0], sorted[2]]]);
    const [[lo, hi]] = (await q('[:find (min ?n) (max ?n) :where [_ :z/name ?n]]', db)) as [[string, string]];
    expect([lo, hi]).toEqual(['ant', 'emu']);
    // Numbers of different representations compare by value.
    expect(await q('[:find (min ?x) (max ?x) :in [?x ...]]', [10, 9.5, -1, 2])).toEqual([[-1, 10]]);
  });

  it('(min n ?x) and (max n ?x) give the n smallest and largest distinct values', async () => {
    const kws = [kw('a/b'), kw('a-/b'), kw('a/c')];
    const sorted = [...kws].sort(compareValues);
    const [[mins, maxs]] = (await q('[:find (min 2 ?x) (max 2 ?x) :in [?x ...]]', kws)) as [[Keyword[], Keyword[]]];
    expect([...mins].sort(compareValues)).toEqual(sorted.slice(0, 2));
    expect([...maxs].sort(compareValues)).toEqual(sorted.slice(1));
    const byColor = await q('[:find ?c (max 3 ?x) (min 3 ?x) :in [[?c ?x]]]', [[kw('red'), 1], [kw('red'), 2], [kw('red'), 3], [kw('red'), 4], [kw('red'), 5], [kw('blue'), 7], [kw('blue'), 8]]);
    const norm = (byColor as unknown[][]).map(([c, mx, mn]) => [c, [...(mx as number[])].sort(), [...(mn as number[])].sort()]);
    expect(asSet(norm)).toEqual(asSet([[kw('red'), [3, 4, 5], [1, 2, 3]], [kw('blue'), [7, 8], [7, 8]]]));
  });

  it('distinct gives the set of values; sample and rand give n of them', async () => {
    const [[d]] = (await q('[:find (distinct ?l) :with ?e :where [?e :z/legs ?l]]', db)) as [[Iterable<number>]];
    expect([...d].sort()).toEqual([0, 2, 4, 6]);
    const [[sample]] = (await q('[:find (sample 2 ?n) :where [_ :z/name ?n]]', db)) as [[string[]]];
    expect(sample).toHaveLength(2);
    expect(new Set(sample).size).toBe(2);
    for (const n of sample) expect(['ant', 'bee', 'cat', 'dog', 'eel', 'emu']).toContain(n);
    const [[rand]] = (await q('[:find (rand 3 ?n) :where [_ :z/name ?n]]', db)) as [[string[]]];
    expect(rand).toHaveLength(3);
    for (const n of rand) expect(['ant', 'bee', 'cat', 'dog', 'eel', 'emu']).toContain(n);
  });

  it('a custom aggregate from the functions registry gets the values of its group', async () => {
    const rows = await query({
      query: '[:find ?c (sort-desc ?x) :in [[?c ?x]]]',
      args: [[[kw('red'), 1], [kw('red'), 3], [kw('red'), 2], [kw('blue'), 7], [kw('blue'), 8]]],
      functions: { 'sort-desc': (xs: unknown) => [...(xs as number[])].sort((a, b) => b - a) },
    });
    expect(asSet(rows)).toEqual(asSet([[kw('red'), [3, 2, 1]], [kw('blue'), [8, 7]]]));
  });

  it('an aggregate over nothing gives no rows; count of a group is never 0', async () => {
    expect(await q('[:find (count ?e) :where [?e :z/legs ?l] [(> ?l 100)]]', db)).toEqual([]);
    expect(await q('[:find ?k (count ?e) :where [?e :z/kind ?k] [?e :z/legs ?l] [(> ?l 100)]]', db)).toEqual([]);
  });
});
