import { fc, test } from '@fast-check/vitest';
import { type Database, type Datom, readDatoms } from '@datomkit/datom-core';
import { afterAll, beforeAll, describe, expect } from 'vitest';
import { q } from '../src/index.js';
import { fixture } from './fixture.js';

// Random data over a small schema, random conjunctive queries (patterns, comparisons, not, or), and
// a reference evaluator that knows nothing of indexes or plans: it matches each clause against every
// datom, in the written order, by nested loops. The planner's answer must be the reference's, and
// must not depend on the order of the clauses.

const SCHEMA = `[
  {:db/ident :g/ref :db/valueType :db.type/ref :db/cardinality :db.cardinality/many}
  {:db/ident :g/n :db/valueType :db.type/long :db/cardinality :db.cardinality/one}
  {:db/ident :g/k :db/valueType :db.type/long :db/cardinality :db.cardinality/many}
  {:db/ident :g/s :db/valueType :db.type/string :db/cardinality :db.cardinality/one}]`;

const ENTITIES = 12;

type Binding = Map<string, unknown>;
type Pattern = { kind: 'pattern'; terms: [string, string, string] };
type Pred = { kind: 'pred'; op: '<' | '>' | '=' | '!='; x: string; y: string };
type Not = { kind: 'not'; p: Pattern };
type Or = { kind: 'or'; branches: Pattern[] };
type Clause = Pattern | Pred | Not | Or;

const ATTRS = [':g/ref', ':g/n', ':g/k', ':g/s'];
const VARS = ['?a', '?b', '?c'];

function isVar(t: string): boolean {
  return t.startsWith('?');
}

const valueFor = (attr: string) =>
  attr === ':g/s' ? fc.constantFrom('"x"', '"y"', '"z"') : attr === ':g/ref' ? fc.integer({ min: 0, max: ENTITIES - 1 }).map((i) => `E${i}`) : fc.integer({ min: 0, max: 4 }).map(String);

const patternArb: fc.Arbitrary<Pattern> = fc.constantFrom(...ATTRS).chain((attr) =>
  fc.record({
    e: fc.oneof(fc.constantFrom(...VARS), fc.integer({ min: 0, max: ENTITIES - 1 }).map((i) => `E${i}`)),
    v: fc.oneof({ weight: 3, arbitrary: fc.constantFrom(...VARS.map((v) => `${v}${attr === ':g/ref' ? '' : attr.slice(3)}`)) }, { weight: 1, arbitrary: valueFor(attr) }),
  }).map(({ e, v }) => ({ kind: 'pattern' as const, terms: [e, attr, attr === ':g/ref' && isVar(v) ? v : v] as [string, string, string] })),
);

function patternVars(p: Pattern): string[] {
  return p.terms.filter(isVar);
}

/** A query: 1-4 patterns, then filters over the variables they bind (so every query is valid). */
const queryArb: fc.Arbitrary<Clause[]> = fc.array(patternArb, { minLength: 1, maxLength: 4 }).chain((patterns) => {
  const vars = [...new Set(patterns.flatMap(patternVars))];
  const numeric = vars.filter((v) => v.endsWith('n') || v.endsWith('k'));
  const filters: fc.Arbitrary<Clause>[] = [];
  if (numeric.length > 0) {
    filters.push(
      fc.record({ op: fc.constantFrom('<', '>', '=', '!=' as const), x: fc.constantFrom(...numeric), y: fc.oneof(fc.constantFrom(...numeric), fc.integer({ min: 0, max: 4 }).map(String)) }).map((p) => ({ kind: 'pred', ...p }) as Pred),
    );
  }
  // not and or over the entity variables already bound, with a pattern of the same shape.
  const entityVars = vars.filter((v) => VARS.includes(v));
  if (entityVars.length > 0) {
    const onVar = fc.record({ e: fc.constantFrom(...entityVars), attr: fc.constantFrom(':g/n', ':g/k', ':g/s') }).chain(({ e, attr }) => valueFor(attr).map((v) => ({ kind: 'pattern', terms: [e, attr, v] }) as Pattern));
    filters.push(onVar.map((p) => ({ kind: 'not', p }) as Not));
    filters.push(
      fc.constantFrom(...entityVars).chain((e) =>
        fc.array(fc.constantFrom(':g/n', ':g/k').chain((attr) => valueFor(attr).map((v) => ({ kind: 'pattern', terms: [e, attr, v] }) as Pattern)), { minLength: 1, maxLength: 3 }).map((branches) => ({ kind: 'or', branches }) as Or),
      ),
    );
  }
  return (filters.length === 0 ? fc.constant([]) : fc.array(fc.oneof(...filters), { maxLength: 3 })).map((fs) => [...patterns, ...fs]);
});

function text(c: Clause): string {
  switch (c.kind) {
    case 'pattern':
      return `[${c.terms.map((t) => (t.startsWith('E') ? String(eids[Number(t.slice(1))]) : t)).join(' ')}]`;
    case 'pred':
      return `[(${c.op} ${c.x} ${c.y})]`;
    case 'not':
      return `(not ${text(c.p)})`;
    case 'or':
      return `(or ${c.branches.map(text).join(' ')})`;
  }
}

function queryText(clauses: Clause[], find: string[]): string {
  return `[:find ${find.join(' ')} :where ${clauses.map(text).join(' ')}]`;
}

// --- the reference evaluator -------------------------------------------------------------------

function constant(t: string, attrIds: Map<string, number>): unknown {
  if (t.startsWith('"')) return JSON.parse(t);
  if (t.startsWith(':')) return attrIds.get(t);
  if (t.startsWith('E')) return eids[Number(t.slice(1))];
  return Number(t);
}

function matchPattern(p: Pattern, b: Binding, all: readonly Datom[], attrIds: Map<string, number>): Binding[] {
  const out: Binding[] = [];
  for (const d of all) {
    const next = new Map(b);
    let ok = true;
    for (const [i, t] of p.terms.entries()) {
      const value = i === 0 ? d.e : i === 1 ? d.a : d.v;
      if (isVar(t)) {
        if (next.has(t) && next.get(t) !== value) ok = false;
        else next.set(t, value);
      } else if (constant(t, attrIds) !== value) ok = false;
      if (!ok) break;
    }
    if (ok) out.push(next);
  }
  return out;
}

function reference(clauses: Clause[], all: readonly Datom[], attrIds: Map<string, number>): Binding[] {
  let rel: Binding[] = [new Map()];
  const val = (t: string, b: Binding) => (isVar(t) ? b.get(t) : Number(t));
  for (const c of clauses) {
    if (c.kind === 'pattern') rel = rel.flatMap((b) => matchPattern(c, b, all, attrIds));
    else if (c.kind === 'pred') {
      rel = rel.filter((b) => {
        const x = val(c.x, b) as number;
        const y = val(c.y, b) as number;
        return c.op === '<' ? x < y : c.op === '>' ? x > y : c.op === '=' ? x === y : x !== y;
      });
    } else if (c.kind === 'not') rel = rel.filter((b) => matchPattern(c.p, b, all, attrIds).length === 0);
    else rel = rel.filter((b) => c.branches.some((p) => matchPattern(p, b, all, attrIds).length > 0));
  }
  return rel;
}

function key(row: readonly unknown[]): string {
  return JSON.stringify(row);
}

// --- the database -------------------------------------------------------------------------------

let db: Database;
let close: () => Promise<void>;
let all: Datom[];
const attrIds = new Map<string, number>();
let eids: number[] = [];

beforeAll(async () => {
  // Deterministic data: each entity gets values drawn from small domains, so joins and filters hit.
  const rng = fc.sample(fc.array(fc.record({ n: fc.integer({ min: 0, max: 4 }), k: fc.uniqueArray(fc.integer({ min: 0, max: 4 }), { maxLength: 3 }), s: fc.constantFrom('x', 'y', 'z'), ref: fc.uniqueArray(fc.integer({ min: 0, max: ENTITIES - 1 }), { maxLength: 3 }), hasN: fc.boolean() }), { minLength: ENTITIES, maxLength: ENTITIES }), { numRuns: 1, seed: 7 })[0] as {
    n: number;
    k: number[];
    s: string;
    ref: number[];
    hasN: boolean;
  }[];
  const tx = rng.map((r, i) => `{:db/id "e${i}" :g/s "${r.s}" ${r.hasN ? `:g/n ${r.n}` : ''} ${r.k.length > 0 ? `:g/k [${r.k.join(' ')}]` : ''} ${r.ref.length > 0 ? `:g/ref [${r.ref.map((j) => `"e${j}"`).join(' ')}]` : ''}}`);
  const f = await fixture(SCHEMA, `[${tx.join('\n')}]`);
  db = f.db;
  close = () => f.conn.close();
  for (const a of ATTRS) attrIds.set(a, db.attribute(a)?.id as number);
  const ids = new Set(attrIds.values());
  all = readDatoms(db, 'eavt').filter((d) => ids.has(d.a));
  eids = [...new Set(all.map((d) => d.e))].sort((x, y) => x - y);
  expect(eids).toHaveLength(ENTITIES);
});
afterAll(() => close());

describe('the planner', () => {
  test.prop([queryArb], { numRuns: 150 })('gives the result of a naive evaluation in written order', async (clauses) => {
    const vars = [...new Set(clauses.flatMap((c) => (c.kind === 'pattern' ? patternVars(c) : [])))];
    if (vars.length === 0) return;
    const got = (await q(queryText(clauses, vars), db)) as unknown[][];
    const want = new Set(reference(clauses, all, attrIds).map((b) => key(vars.map((v) => b.get(v)))));
    expect(new Set(got.map(key))).toEqual(want);
    expect(got.length).toBe(want.size);
  });

  test.prop([queryArb, fc.nat()], { numRuns: 100 })('gives the same result whatever the order of the clauses', async (clauses, seed) => {
    const vars = [...new Set(clauses.flatMap((c) => (c.kind === 'pattern' ? patternVars(c) : [])))];
    if (vars.length === 0) return;
    const shuffled = fc.sample(fc.shuffledSubarray(clauses, { minLength: clauses.length, maxLength: clauses.length }), { numRuns: 1, seed })[0] as Clause[];
    const a = (await q(queryText(clauses, vars), db)) as unknown[][];
    const b = (await q(queryText(shuffled, vars), db)) as unknown[][];
    expect(new Set(b.map(key))).toEqual(new Set(a.map(key)));
  });
});
