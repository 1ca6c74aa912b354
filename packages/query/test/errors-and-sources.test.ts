import { type DatomErrorCode, isDatomError } from '@datomkit/datom-core';
import { describe, expect, it } from 'vitest';
import { q, query } from '../src/index.js';
import { PEOPLE_DATA, PEOPLE_SCHEMA, fixture, sorted } from './fixture.js';

describe('errors, each with its code and the clause, before anything runs', () => {
  const cases: [DatomErrorCode, string, unknown[], string][] = [
    ['query/syntax', '[:find ?e :where [?e :person/name', [], 'not EDN'],
    ['query/syntax', '[:find ?e :in $ % :where (yes ?e ?f)]', ['[[(yes ?e) [?e :person/age _]]]'], 'a rule called with the wrong arity'],
    ['query/syntax', '[:find ?e :where [?e :person/name ?n] (or [?e :person/age ?a] [?e :person/name ?n])]', [], 'or branches with different variables'],
    ['query/bad-find', '[:find :where [?e :person/name]]', [], 'empty find'],
    ['query/bad-find', '[:find ?e ?n :keys a :where [?e :person/name ?n]]', [], ':keys of the wrong length'],
    ['query/bad-input', '[:find ?e :in $ ?n :where [?e :person/name ?n]]', [], 'missing input'],
    ['query/bad-input', '[:find ?e :in $ [?n ?a] :where [?e :person/name ?n]]', ['x'], 'a tuple that is not one'],
    ['query/unbound-variable', '[:find ?x :where [?e :person/name ?n]]', [], 'find variable nothing binds'],
    ['query/insufficient-binding', '[:find ?e :where [?e :person/age ?a] [(> ?a ?b)]]', [], 'predicate on an unbound variable'],
    ['query/unknown-function', '[:find ?e :where [?e :person/age ?a] [(launch-missiles ?a)]]', [], 'unknown function'],
    ['query/unknown-source', '[:find ?e :where [$other ?e :person/age ?a]]', [], 'source not in :in'],
    ['query/unknown-rule', '[:find ?e :in $ % :where (nope ?e)]', ['[[(yes ?e) [?e :person/age _]]]'], 'unknown rule'],
    ['query/fn-failed', '[:find ?x :where [?e :person/name ?n] [(subs ?n 10) ?x]]', [], 'a function that throws'],
  ];
  for (const [code, text, inputs, what] of cases) {
    it(`${code}: ${what}`, async () => {
      const { db, conn } = await fixture(PEOPLE_SCHEMA, PEOPLE_DATA);
      const err = await q(text, db, ...inputs).then(
        () => null,
        (e: unknown) => e,
      );
      expect(isDatomError(err, code)).toBe(true);
      expect((err as { data: object }).data).toBeTypeOf('object');
      await conn.close();
    });
  }
  it('a user function that is not a function is query/bad-input', async () => {
    await expect(query({ query: '[:find ?e :where [?e :person/age _]]', args: [], functions: { f: 3 as never } })).rejects.toMatchObject({ code: 'query/bad-input' });
  });
});

describe('sources', () => {
  it('joins two databases', async () => {
    const a = await fixture(PEOPLE_SCHEMA, PEOPLE_DATA);
    const b = await fixture(PEOPLE_SCHEMA, '[{:person/name "Ann" :person/age 99} {:person/name "Eve" :person/age 1}]');
    const r = await q('[:find ?n ?a1 ?a2 :in $a $b :where [$a ?e :person/name ?n] [$b ?f :person/name ?n] [$a ?e :person/age ?a1] [$b ?f :person/age ?a2]]', a.db, b.db);
    expect(r).toEqual([['Ann', 30, 99]]);
    await a.conn.close();
    await b.conn.close();
  });
  it('history binds ?tx and ?added; asOf sees the past', async () => {
    const { db, conn } = await fixture(PEOPLE_SCHEMA, PEOPLE_DATA);
    const before = db.basisT;
    await conn.transact('[[:db/add [:person/name "Bob"] :person/age 21]]');
    const now = conn.db();
    const h = await q('[:find ?a ?added :where [[:person/name "Bob"] :person/age ?a ?tx ?added]]', now.history());
    expect(sorted(h)).toEqual([[20, false], [20, true], [21, true]]);
    expect(await q('[:find ?a . :where [[:person/name "Bob"] :person/age ?a]]', now.asOf(before))).toBe(20);
    expect(await q('[:find [?a ...] :where [_ :person/age ?a]]', now.since(before))).toEqual([21]);
    const txs = (await q('[:find ?tx ?added :where [[:person/name "Bob"] :person/age 21 ?tx ?added]]', now.history())) as [number, boolean][];
    expect(txs).toHaveLength(1);
    expect(now.txToT(txs[0]?.[0] as number)).toBe(now.basisT);
    await conn.close();
  });
});
