import { type Database, isDatomError, kw } from '@datomkit/datom-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { q, query } from '../src/index.js';
import { asSet, attr, dbWith } from './ported-fixture.js';

// The behaviour of DataScript's join, input-binding and built-in function tests and of Datomic's
// documented examples (binding forms, get-else, get-some, missing?, ground, tuple/untuple, str,
// subs, regular expressions, nested q, lookup refs and idents in patterns).

const SCHEMA = `[${attr('m/name', 'string')} ${attr('m/email', 'string', ':db/unique :db.unique/identity')} ${attr('m/age', 'long')}
  ${attr('m/aka', 'string', 'many')} ${attr('m/status', 'ref')} {:db/ident :status/active} {:db/ident :status/gone}]`;
let db: Database;
let ids: Record<string, number>;

beforeAll(async () => {
  ({ db, ids } = await dbWith(
    SCHEMA,
    `[{:db/id "ivy" :m/name "Ivy" :m/email "ivy@x" :m/age 15 :m/aka ["ivo" "pi"] :m/status :status/active}
      {:db/id "pat" :m/name "Pat" :m/email "pat@x" :m/age 37 :m/aka ["pup" "pi"] :m/status :status/gone}
      {:db/id "ivy2" :m/name "Ivy" :m/email "ivy2@x" :m/age 37}
      {:db/id "kid" :m/email "kid@x" :m/age 15}]`,
  ));
});

const eid = (k: string): number => ids[k] as number;

describe('joins', () => {
  it('joins patterns on shared variables', async () => {
    expect(asSet(await q('[:find ?e :where [?e :m/name]]', db))).toEqual(asSet([[eid('ivy')], [eid('pat')], [eid('ivy2')]]));
    expect(asSet(await q('[:find ?e ?v :where [?e :m/name "Ivy"] [?e :m/age ?v]]', db))).toEqual(asSet([[eid('ivy'), 15], [eid('ivy2'), 37]]));
    expect(asSet(await q('[:find ?e1 ?e2 :where [?e1 :m/name ?n] [?e2 :m/name ?n]]', db))).toEqual(
      asSet([[eid('ivy'), eid('ivy')], [eid('pat'), eid('pat')], [eid('ivy2'), eid('ivy2')], [eid('ivy'), eid('ivy2')], [eid('ivy2'), eid('ivy')]]),
    );
    expect(asSet(await q('[:find ?e ?e2 ?n :where [?e :m/name "Ivy"] [?e :m/age ?a] [?e2 :m/age ?a] [?e2 :m/name ?n]]', db))).toEqual(
      asSet([[eid('ivy'), eid('ivy'), 'Ivy'], [eid('ivy2'), eid('ivy2'), 'Ivy'], [eid('ivy2'), eid('pat'), 'Pat']]),
    );
  });

  it('joins through a cardinality-many attribute', async () => {
    expect(asSet(await q('[:find ?n1 ?n2 :where [?e1 :m/aka ?x] [?e2 :m/aka ?x] [?e1 :m/name ?n1] [?e2 :m/name ?n2]]', db))).toEqual(
      asSet([['Ivy', 'Ivy'], ['Pat', 'Pat'], ['Ivy', 'Pat'], ['Pat', 'Ivy']]),
    );
  });

  it('resolves lookup refs and idents in patterns', async () => {
    expect(await q('[:find ?a :where [[:m/email "pat@x"] :m/age ?a]]', db)).toEqual([[37]]);
    expect(asSet(await q('[:find ?n :where [?e :m/status :status/active] [?e :m/name ?n]]', db))).toEqual(asSet([['Ivy']]));
    expect(await q('[:find ?n :in $ ?who :where [?who :m/name ?n]]', db, [kw('m/email'), 'ivy2@x'])).toEqual([['Ivy']]);
  });
});

describe('inputs', () => {
  it('scalar inputs, attributes as inputs, and a named source', async () => {
    const byAttr = '[:find ?e :in $ ?attr ?value :where [?e ?attr ?value]]';
    expect(asSet(await q(byAttr, db, kw('m/name'), 'Ivy'))).toEqual(asSet([[eid('ivy')], [eid('ivy2')]]));
    expect(asSet(await q(byAttr, db, kw('m/age'), 37))).toEqual(asSet([[eid('pat')], [eid('ivy2')]]));
    expect(asSet(await q('[:find ?v :in $db ?e :where [$db ?e :m/aka ?v]]', db, eid('ivy')))).toEqual(asSet([['ivo'], ['pi']]));
  });

  it('relation, tuple and collection bindings', async () => {
    const emails = [
      ['Ivy', 'ivy@mail'],
      ['Pat', 'pat@mail'],
    ];
    expect(asSet(await q('[:find ?e ?mail :in $ [[?n ?mail]] :where [?e :m/name ?n]]', db, emails))).toEqual(
      asSet([[eid('ivy'), 'ivy@mail'], [eid('ivy2'), 'ivy@mail'], [eid('pat'), 'pat@mail']]),
    );
    expect(await q('[:find ?e :in $ [?n ?a] :where [?e :m/name ?n] [?e :m/age ?a]]', db, ['Ivy', 37])).toEqual([[eid('ivy2')]]);
    expect(asSet(await q('[:find ?v :in $ ?e [?attr ...] :where [?e ?attr ?v]]', db, eid('pat'), [kw('m/name'), kw('m/age')]))).toEqual(asSet([['Pat'], [37]]));
    expect(await q('[:find ?e :in $ [?e ...] :where [?e :m/age _]]', db, [])).toEqual([]);
    expect(await q('[:find ?e :in $ [[?e]] :where [?e :m/age _]]', db, [])).toEqual([]);
  });

  it('inputs alone, with placeholders _', async () => {
    expect(await q('[:find ?a ?b :in ?a ?b]', 10, 20)).toEqual([[10, 20]]);
    expect(await q('[:find ?x ?z :in [?x _ ?z]]', [kw('x'), kw('y'), kw('z')])).toEqual([[kw('x'), kw('z')]]);
    expect(asSet(await q('[:find ?x ?z :in [[?x _ ?z]]]', [[kw('x'), kw('y'), kw('z')], [kw('a'), kw('b'), kw('c')]]))).toEqual(
      asSet([[kw('x'), kw('z')], [kw('a'), kw('c')]]),
    );
  });

  it('a wrong number of inputs, or an input of the wrong shape, is query/bad-input', async () => {
    const bad = (p: Promise<unknown>) => expect(p).rejects.toSatisfy((e) => isDatomError(e, 'query/bad-input'));
    await bad(q('[:find ?e :where [?e :m/name]]', db, db));
    await bad(q('[:find ?e :in $ $2 :where [?e :m/name]]', db));
    await bad(q('[:find ?a ?b :in [?a ?b]]', kw('a')));
    await bad(q('[:find ?a :in [?a ...]]', kw('a')));
    await bad(q('[:find ?a ?b :in [?a ?b]]', [kw('a')]));
    await bad(q('[:find ?e :in $ :where [?e :m/name]]', 'not a database'));
  });
});

describe('built-in functions', () => {
  it('comparisons, arithmetic and binding a function result', async () => {
    expect(asSet(await q('[:find ?n ?next :where [?e :m/name ?n] [?e :m/age ?a] [(> ?a 20)] [(+ ?a 1) ?next]]', db))).toEqual(asSet([['Pat', 38], ['Ivy', 38]]));
    expect(await q('[:find ?e :where [?e :m/age ?a] [(!= ?a 15)] [?e :m/name "Pat"]]', db)).toEqual([[eid('pat')]]);
    expect(asSet(await q('[:find ?x :in [?x ...] :where [(even? ?x)] [(< 1 ?x 9)]]', [1, 2, 4, 8, 10]))).toEqual(asSet([[2], [4], [8]]));
  });

  it('get-else gives a default for a missing attribute; missing? finds entities without it', async () => {
    expect(asSet(await q('[:find ?mail ?n :where [?e :m/email ?mail] [(get-else $ ?e :m/name "N/A") ?n]]', db))).toEqual(
      asSet([['ivy@x', 'Ivy'], ['pat@x', 'Pat'], ['ivy2@x', 'Ivy'], ['kid@x', 'N/A']]),
    );
    expect(await q('[:find ?mail :where [?e :m/email ?mail] [(missing? $ ?e :m/name)]]', db)).toEqual([['kid@x']]);
  });

  it('get-some gives the first attribute that has a value, and its value', async () => {
    const rows = await q('[:find ?mail ?v :where [?e :m/email ?mail] [(get-some $ ?e :m/name :m/age) [_ ?v]]]', db);
    expect(asSet(rows)).toEqual(asSet([['ivy@x', 'Ivy'], ['pat@x', 'Pat'], ['ivy2@x', 'Ivy'], ['kid@x', 15]]));
  });

  it('ground binds constants; tuple and untuple build and split tuples', async () => {
    expect(asSet(await q('[:find ?x :where [(ground [1 2 3]) [?x ...]]]', db))).toEqual(asSet([[1], [2], [3]]));
    expect(asSet(await q('[:find ?e :where [(ground "Pat") ?n] [?e :m/name ?n]]', db))).toEqual(asSet([[eid('pat')]]));
    expect(await q('[:find ?t :where [(ground 1) ?a] [(ground "b") ?b] [(tuple ?a ?b) ?t]]', db)).toEqual([[[1, 'b']]]);
    expect(await q('[:find ?a ?b :in ?t :where [(untuple ?t) [?a ?b]]]', [1, 'b'])).toEqual([[1, 'b']]);
  });

  it('str, subs and regular expressions', async () => {
    expect(asSet(await q('[:find ?s :where [?e :m/name ?n] [?e :m/age ?a] [(str ?n "-" ?a) ?s]]', db))).toEqual(asSet([['Ivy-15'], ['Pat-37'], ['Ivy-37']]));
    expect(asSet(await q('[:find ?p :where [_ :m/email ?m] [(subs ?m 0 3) ?p]]', db))).toEqual(asSet([['ivy'], ['pat'], ['kid']]));
    expect(asSet(await q('[:find ?name :in [?name ...] ?key :where [(re-pattern ?key) ?pattern] [(re-find ?pattern ?name)]]', ['abc', 'abcX', 'aXb'], 'X'))).toEqual(
      asSet([['abcX'], ['aXb']]),
    );
    expect(asSet(await q('[:find ?m :where [_ :m/email ?m] [(re-pattern "[a-z]+@x") ?p] [(re-matches ?p ?m)]]', db))).toEqual(asSet([['ivy@x'], ['pat@x'], ['kid@x']]));
  });

  it('a nested q runs a query inside a query', async () => {
    const rows = await q('[:find ?n :where [(q [:find (max ?a) :where [_ :m/age ?a]] $) [[?max]]] [?e :m/age ?max] [?e :m/name ?n]]', db);
    expect(asSet(rows)).toEqual(asSet([['Pat'], ['Ivy']]));
  });

  it('user functions come only from the registry passed by the caller', async () => {
    const rows = await query({
      query: '[:find ?n ?len :where [_ :m/name ?n] [(name-length ?n) ?len]]',
      args: [db],
      functions: { 'name-length': (s: unknown) => (s as string).length },
    });
    expect(asSet(rows)).toEqual(asSet([['Ivy', 3], ['Pat', 3]]));
    await expect(q('[:find ?n :where [_ :m/name ?n] [(name-length ?n) ?len]]', db)).rejects.toSatisfy((e) => isDatomError(e, 'query/unknown-function'));
    // Host functions by name are not reachable from query text.
    await expect(q('[:find ?x :where [(ground 1) ?y] [(process.exit ?y) ?x]]', db)).rejects.toSatisfy((e) => isDatomError(e, 'query/unknown-function'));
  });

  it('a query without a result for the inputs is an empty relation', async () => {
    const unrelated = await query({
      query: '[:find ?n :where [?e :m/name ?n] [(five) ?r] [(< ?r 3)]]',
      args: [db],
      functions: { five: () => 5 },
    });
    expect(unrelated).toEqual([]);
  });
});
