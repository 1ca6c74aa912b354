import { type Database, isDatomError } from '@datomkit/datom-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { q, query } from '../src/index.js';
import { asSet, attr, dbWith } from './ported-fixture.js';

// The behaviour of DataScript's rule tests and Datomic's documented rules, on a graph of nodes:
// n1 -> n2 -> n3 -> n4 -> n6, n2 -> n4, n5 -> n3 (edges are :g/next refs; :g/val is each node's number).

const SCHEMA = `[${attr('g/val', 'long', ':db/unique :db.unique/identity')} ${attr('g/next', 'ref', 'many')} ${attr('g/flag', 'boolean')}]`;
let db: Database;
/** Entity id of node n. */
let n: (k: number) => number;
/** Node number of entity id e. */
let val: (e: unknown) => number;

beforeAll(async () => {
  const r = await dbWith(
    SCHEMA,
    `[{:db/id "n1" :g/val 1 :g/next ["n2"] :g/flag true} {:db/id "n2" :g/val 2 :g/next ["n3" "n4"] :g/flag false}
      {:db/id "n3" :g/val 3 :g/next ["n4"]} {:db/id "n4" :g/val 4 :g/next ["n6"]}
      {:db/id "n5" :g/val 5 :g/next ["n3"]} {:db/id "n6" :g/val 6}]`,
  );
  db = r.db;
  n = (k) => r.ids[`n${k}`] as number;
  const back = new Map(Object.entries(r.ids).map(([k, e]) => [e, Number(k.slice(1))]));
  val = (e) => back.get(e as number) ?? -1;
});

const pairs = (rows: unknown): number[][] => (rows as unknown[][]).map((r) => r.map(val));

const EDGE = '[[(edge ?a ?b) [?a :g/next ?b]]]';
const REACH = `[[(reach ?a ?b) [?a :g/next ?b]]
                [(reach ?a ?b) [?a :g/next ?t] (reach ?t ?b)]]`;

describe('rules', () => {
  it('a rule stands for its body', async () => {
    expect(asSet(pairs(await q('[:find ?x ?y :in $ % :where (edge ?x ?y)]', db, EDGE)))).toEqual(
      asSet([[1, 2], [2, 3], [2, 4], [3, 4], [4, 6], [5, 3]]),
    );
  });

  it('a rule joins with the clauses around it', async () => {
    const rows = await q('[:find ?y ?x :in $ % :where [?x :g/val ?v] [(even? ?v)] (edge ?x ?y)]', db, EDGE);
    expect(asSet(pairs(rows))).toEqual(asSet([[3, 2], [4, 2], [6, 4]]));
  });

  it("a rule's variables are its own: the caller's ?e is not the rule's ?e", async () => {
    const rules = '[[(has-next ?e) [?e :g/next _]]]';
    const rows = (await q('[:find ?x :in $ % :where [?e :g/val 6] (has-next ?x)]', db, rules)) as unknown[][];
    expect(asSet(rows.map((r) => [val(r[0])]))).toEqual(asSet([[1], [2], [3], [4], [5]]));
  });

  it('several definitions of one rule are alternatives (or)', async () => {
    const rules = `[[(near ?a ?b) [?a :g/next ?b]]
                    [(near ?a ?b) [?a :g/next ?t] [?t :g/next ?b]]]`;
    const rows = (await q('[:find ?y :in $ % ?x :where (near ?x ?y)]', db, rules, n(1))) as unknown[][];
    expect(asSet(rows.map((r) => [val(r[0])]))).toEqual(asSet([[2], [3], [4]]));
  });

  it('a recursive rule reaches the transitive closure, cycles included', async () => {
    const rows = (await q('[:find ?y :in $ % ?x :where (reach ?x ?y)]', db, REACH, n(1))) as unknown[][];
    expect(asSet(rows.map((r) => [val(r[0])]))).toEqual(asSet([[2], [3], [4], [6]]));
    // Called with nothing bound: every reachable pair.
    const all = pairs(await q('[:find ?x ?y :in $ % :where (reach ?x ?y)]', db, REACH));
    expect(all).toHaveLength(13);
    // A rule that calls itself with its arguments swapped (a symmetric closure) terminates.
    const sym = `[[(linked ?a ?b) [?a :g/next ?b]] [(linked ?a ?b) (linked ?b ?a)]]`;
    const linked = pairs(await q('[:find ?x ?y :in $ % :where (linked ?x ?y)]', db, sym));
    expect(linked).toHaveLength(12);
    expect(asSet(linked.filter(([x]) => x === 4))).toEqual(asSet([[4, 2], [4, 3], [4, 6]]));
  });

  it('mutually recursive rules', async () => {
    // Alternate steps: odd (from an odd node) then even (from an even node), as in DataScript's f1/f2 test.
    const rules = `[[(odd-step ?a ?b) [?a :g/next ?b] [?a :g/val ?v] [(odd? ?v)]]
                    [(odd-step ?a ?b) (even-step ?a ?t) [?t :g/next ?b] [?t :g/val ?v] [(odd? ?v)]]
                    [(even-step ?a ?b) [?a :g/next ?b] [?a :g/val ?v] [(even? ?v)]]
                    [(even-step ?a ?b) (odd-step ?a ?t) [?t :g/next ?b] [?t :g/val ?v] [(even? ?v)]]]`;
    const rows = pairs(await q('[:find ?x ?y :in $ % :where (odd-step ?x ?y)]', db, rules));
    // Direct odd steps: 1->2, 3->4, 5->3. Direct even steps: 2->3, 2->4, 4->6. Then even-step(2, 3)
    // continues from odd 3 to 4: odd-step(2, 4); and even-step(1, 3) (odd-step 1->2, then 2->3) to odd-step(1, 4).
    expect(asSet(rows)).toEqual(asSet([[1, 2], [3, 4], [5, 3], [2, 4], [1, 4]]));
  });

  it('passes inputs into a rule, and calls registry functions and built-ins inside it', async () => {
    const above = `[[(edge-above ?min ?a ?b) [?a :g/next ?b] [?a :g/val ?x] [(> ?x ?min)]]]`;
    expect(asSet(pairs(await q('[:find ?x ?y :in $ % ?m :where (edge-above ?m ?x ?y)]', db, above, 3)))).toEqual(asSet([[4, 6], [5, 3]]));
    const rules = `[[(both ?a ?b) [?a :g/next ?b] [?a :g/val ?x] [?b :g/val ?y] [(is-even ?x)] [(is-even ?y)]]]`;
    const rows = await query({
      query: '[:find ?x ?y :in $ % :where (both ?x ?y)]',
      args: [db, rules],
      functions: { 'is-even': (x: unknown) => (x as number) % 2 === 0 },
    });
    expect(asSet(pairs(rows))).toEqual(asSet([[2, 4], [4, 6]]));
    const builtin = `[[(even-edge ?a ?b) [?a :g/next ?b] [?a :g/val ?x] [?b :g/val ?y] [(even? ?x)] [(even? ?y)]]]`;
    expect(asSet(pairs(await q('[:find ?x ?y :in $ % :where (even-edge ?x ?y)]', db, builtin)))).toEqual(asSet([[2, 4], [4, 6]]));
  });

  it('calls one rule twice with different constants', async () => {
    const rules = '[[(valued ?e ?v) [?e :g/val ?v]]]';
    expect(await q('[:find ?e :in $ % :where (valued ?e 3) (valued ?e 3)]', db, rules)).toEqual([[n(3)]]);
    expect(await q('[:find ?e :in $ % :where (valued ?e 3) (valued ?e 4)]', db, rules)).toEqual([]);
  });

  it('false is a constant like any other in a rule call', async () => {
    const rules = '[[(flagged ?e ?f) [?e :g/flag ?f]]]';
    expect(await q('[:find ?e :in $ % :where (flagged ?e true)]', db, rules)).toEqual([[n(1)]]);
    expect(await q('[:find ?e :in $ % :where (flagged ?e false)]', db, rules)).toEqual([[n(2)]]);
  });

  it('a rule may read a named source: ($src rule ...)', async () => {
    const other = (await dbWith(SCHEMA, '[{:g/val 100} {:g/val 3}]')).db;
    const rules = '[[(valued ?v) [_ :g/val ?v]]]';
    const rows = await q('[:find ?v :in $ $b % :where (valued ?v) ($b valued ?v)]', db, other, rules);
    expect(rows).toEqual([[3]]);
  });

  it('an unknown rule is an error, not an empty result', async () => {
    await expect(q('[:find ?x :in $ % :where (nope ?x)]', db, EDGE)).rejects.toSatisfy((e) => isDatomError(e, 'query/'));
  });

  it('rule heads must be variables', async () => {
    await expect(q('[:find ?x :in $ % :where (edge ?x ?y)]', db, '[[(edge $a ?b) [?b :g/next _]]]')).rejects.toSatisfy((e) => isDatomError(e, 'query/'));
  });
});
