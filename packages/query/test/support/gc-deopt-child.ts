// Run by gc-deopt.test.ts in a node of its own (--expose-gc --trace-deopt): warms the query path
// up on DataScript's bench queries, collects garbage fully, runs them again, and prints a line
// before the collection so that the test reads only what V8 reported after it.
import { connect, createDatabase, kw } from '@datomkit/datom-core';
import { q } from '../../src/index.js';

const gc = (globalThis as { gc?: () => void }).gc;
if (gc === undefined) throw new Error('run with --expose-gc');

const uri = `mem://gc-deopt-${process.pid}`;
await createDatabase(uri);
const conn = await connect(uri);
const attr = (name: string, type: string, many = false) => ({
  'db/ident': kw(`person/${name}`),
  'db/valueType': kw(`db.type/${type}`),
  'db/cardinality': kw(many ? 'db.cardinality/many' : 'db.cardinality/one'),
});
await conn.transact([attr('name', 'string'), attr('last-name', 'string'), attr('sex', 'string'), attr('age', 'long'), attr('salary', 'long'), attr('follows', 'ref', true)]);
const NAMES = ['Ivan', 'Petr', 'Sergei', 'Oleg'];
await conn.transact(
  Array.from({ length: 4000 }, (_, i) => ({
    'person/name': NAMES[i % 4],
    'person/last-name': `L${i % 7}`,
    'person/sex': i % 3 === 0 ? 'male' : 'female',
    'person/age': i % 100,
    'person/salary': (i * 7919) % 100_000,
  })),
);
// A tree of followers, 4 deep and 4 wide.
const tree: Record<string, unknown>[] = [];
const walk = (id: number, depth: number): void => {
  const children = depth === 0 ? [] : [0, 1, 2, 3].map((c) => id * 4 + c);
  tree.push({ 'db/id': `n${id}`, 'person/name': `n${id}`, ...(children.length > 0 ? { 'person/follows': children.map((c) => `n${c}`) } : {}) });
  for (const c of children) walk(c, depth - 1);
};
walk(1, 4);
await conn.transact(tree);
const db = conn.db();
const RULES = '[[(follows ?x ?y) [?x :person/follows ?y]] [(follows ?x ?y) [?x :person/follows ?t] (follows ?t ?y)]]';
const queries: [string, unknown[]][] = [
  ['[:find ?e :where [?e :person/name "Ivan"]]', []],
  ['[:find ?e ?a :where [?e :person/name "Ivan"] [?e :person/age ?a] [?e :person/sex "male"]]', []],
  ['[:find ?e ?l ?a :where [?e :person/name "Ivan"] [?e :person/last-name ?l] [?e :person/age ?a] [?e :person/sex "male"]]', []],
  ['[:find ?e ?s :in $ ?min :where [?e :person/salary ?s] [(> ?s ?min)]]', [50_000]],
  ['[:find ?e ?e2 :in $ % :where (follows ?e ?e2)]', [RULES]],
];
const runAll = async (): Promise<void> => {
  for (const [text, inputs] of queries) await q(text, db, ...inputs);
};
// What the transactions above left to be discarded goes first, so that the report after the
// collection below is about the query path alone.
gc();
gc();
for (let i = 0; i < 400; i++) await runAll();
console.log('=== full collection');
gc();
gc();
await runAll();
console.log('=== done');
await conn.close();
