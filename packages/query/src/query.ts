import { type Database, DatomError, printEdn } from '@datomkit/datom-core';
import type { Binding, Clause, FindElement, Query, Rule, Term } from './parse/ast.js';
import { bindingVars, clauseVars, ednText, parseQuery, parseRules, type QueryForm } from './parse/parse-query.js';
import { AGGREGATES } from './eval/aggregates.js';
import type { QueryFunction } from './eval/builtins.js';
import { type RunState, runPlan } from './eval/execute.js';
import { type Relation, hashKey, join, project, rowKey } from './eval/relation.js';
import { type Env, type Plan, findCycles, planBlock } from './plan/plan.js';
import { type QueryPlan, describePlan } from './plan/explain.js';

export type { QueryForm } from './parse/parse-query.js';
export type { QueryFunction } from './eval/builtins.js';

/** The map-argument form of {@link query}, as Datomic's `(d/query {:query ... :args [...]})`. */
export interface QueryRequest {
  /** The query: EDN text, the parsed vector, or the map form. */
  readonly query: QueryForm;
  /** The inputs, in the order of `:in` (a database for each source). */
  readonly args?: readonly unknown[];
  /** Functions the query may call by name, besides the built-ins (a registry: nothing is resolved from the query text). */
  readonly functions?: Readonly<Record<string, QueryFunction>>;
}

function badInput(message: string, data: Record<string, unknown>): DatomError {
  return new DatomError('query/bad-input', message, { data });
}

function isDatabase(x: unknown): x is Database {
  return x !== null && typeof x === 'object' && typeof (x as Database).datoms === 'function' && typeof (x as Database).attribute === 'function';
}

function seqOf(x: unknown, what: string, input: string): unknown[] {
  if (Array.isArray(x)) return x;
  if (x instanceof Set) return [...x];
  if (x !== null && typeof x === 'object' && 'items' in x && Array.isArray((x as { items: unknown }).items)) return (x as { items: unknown[] }).items;
  throw badInput(`The input for ${input} must be ${what}`, { input, value: ednText(x) });
}

function bindingText(b: Binding): string {
  const n = (x: string | null): string => x ?? '_';
  switch (b.kind) {
    case 'scalar':
      return n(b.name);
    case 'coll':
      return `[${n(b.name)} ...]`;
    case 'tuple':
      return `[${b.names.map(n).join(' ')}]`;
    case 'rel':
      return `[[${b.names.map(n).join(' ')}]]`;
  }
}

/** A relation of the rows an input binds. */
function inputRelation(b: Binding, value: unknown): Relation {
  const text = bindingText(b);
  const names = b.kind === 'scalar' || b.kind === 'coll' ? [b.name] : b.names;
  let tuples: unknown[][];
  switch (b.kind) {
    case 'scalar':
      tuples = [[value]];
      break;
    case 'coll':
      tuples = seqOf(value, 'a collection (an array)', text).map((x) => [x]);
      break;
    case 'tuple': {
      const t = seqOf(value, `a tuple of ${b.names.length} values`, text);
      if (t.length !== b.names.length) throw badInput(`The input for ${text} must be a tuple of ${b.names.length} values, got ${t.length}`, { input: text, value: ednText(value) });
      tuples = [t];
      break;
    }
    case 'rel':
      tuples = seqOf(value, 'a relation (an array of tuples)', text).map((row) => {
        const t = seqOf(row, `a relation of ${b.names.length}-tuples`, text);
        if (t.length !== b.names.length) throw badInput(`Each tuple of ${text} must hold ${b.names.length} values, got ${t.length}`, { input: text, value: ednText(row) });
        return t;
      });
      break;
  }
  const keep = names.map((n, i) => (n === null || names.indexOf(n) !== i ? -1 : i)).filter((i) => i !== -1);
  const vars = keep.map((i) => names[i] as string);
  // A name given twice must get the same value both times.
  const rows = tuples.filter((t) => names.every((n, i) => n === null || hashKey(t[names.indexOf(n)]) === hashKey(t[i]))).map((t) => keep.map((i) => t[i]));
  return { vars, rows, distinct: rows.length <= 1 };
}

/** Substitutes the values of scalar inputs for their variables in the terms of clauses (not in rule bodies). */
function substitute(clauses: readonly Clause[], consts: ReadonlyMap<string, unknown>): Clause[] {
  if (consts.size === 0) return [...clauses];
  const t = (x: Term): Term => (x.kind === 'var' && consts.has(x.name) ? { kind: 'const', value: consts.get(x.name) } : x);
  return clauses.map(substituteOne(t, consts));
}

function substituteOne(t: (x: Term) => Term, consts: ReadonlyMap<string, unknown>): (c: Clause) => Clause {
  return (c) => {
    switch (c.kind) {
      case 'pattern':
        return { ...c, terms: c.terms.map(t) };
      case 'pred':
      case 'fn':
        return { ...c, args: c.args.map(t) };
      case 'rule':
        return { ...c, args: c.args.map(t) };
      case 'not':
        return { ...c, clauses: substitute(c.clauses, consts) };
      case 'or':
        return { ...c, branches: c.branches.map((b) => substitute(b, consts)) };
    }
  };
}

/** Parsed query and rule texts, most recently used last: a query run again is not parsed again. */
const parsedQueries = new Map<string, Query>();
const parsedRules = new Map<string, Rule[]>();
const PARSE_CACHE_SIZE = 256;

function cached<T>(cache: Map<string, T>, text: string, parse: (text: string) => T): T {
  const hit = cache.get(text);
  if (hit !== undefined) {
    cache.delete(text);
    cache.set(text, hit);
    return hit;
  }
  const value = parse(text);
  if (cache.size >= PARSE_CACHE_SIZE) cache.delete(cache.keys().next().value as string);
  cache.set(text, value);
  return value;
}

/** A query ready to run: parsed, inputs bound, planned. Nothing has been read but index statistics. */
interface Prepared {
  readonly q: Query;
  readonly env: Env;
  readonly plan: Plan;
  readonly input: Relation;
}

function findVars(q: Query): string[] {
  return q.find.map((f) => f.name);
}

function prepare(form: QueryForm | Query, inputs: readonly unknown[], fns: ReadonlyMap<string, QueryFunction>): Prepared {
  const q = isParsed(form) ? form : typeof form === 'string' ? cached(parsedQueries, form, parseQuery) : parseQuery(form);
  if (inputs.length !== q.in.length) {
    throw badInput(`The query takes ${q.in.length} input${q.in.length === 1 ? '' : 's'} (:in ${q.in.map(inText).join(' ')}), got ${inputs.length}`, {
      in: q.in.map(inText),
      given: inputs.length,
    });
  }
  const sources = new Map<string, Database>();
  let rules: Rule[] = [];
  let input: Relation = { vars: [], rows: [[]], distinct: true };
  const consts = new Map<string, unknown>();
  q.in.forEach((spec, i) => {
    const value = inputs[i];
    if (spec.kind === 'src') {
      if (!isDatabase(value)) throw badInput(`The input for ${spec.name} must be a database value`, { input: spec.name, value: String(value) });
      sources.set(spec.name, value);
    } else if (spec.kind === 'rules') rules = typeof value === 'string' ? cached(parsedRules, value, parseRules) : parseRules(value);
    else {
      const rel = inputRelation(spec.binding, value);
      if ((spec.binding.kind === 'scalar' || spec.binding.kind === 'tuple') && rel.rows.length === 1) {
        for (const [j, v] of rel.vars.entries()) consts.set(v, (rel.rows[0] as unknown[])[j]);
      }
      input = join(input, rel);
    }
  });
  const byName = new Map<string, Rule[]>();
  for (const r of rules) {
    const defs = byName.get(r.name);
    if (defs === undefined) byName.set(r.name, [r]);
    else {
      if ((defs[0] as Rule).vars.length !== r.vars.length) {
        throw new DatomError('query/syntax', `Rule ${r.name} is defined with ${(defs[0] as Rule).vars.length} and ${r.vars.length} arguments`, { data: { rule: r.text } });
      }
      defs.push(r);
    }
  }
  // Every variable :find and :with name must be bound by :where or :in.
  const where = substitute(q.where, consts);
  const bindable = new Set(input.vars);
  const collect = (cs: readonly Clause[]): void => {
    for (const c of cs) for (const v of clauseVars(c)) bindable.add(v);
  };
  collect(q.where);
  for (const c of q.where) if (c.kind === 'fn') for (const v of bindingVars(c.binding)) bindable.add(v);
  for (const name of [...findVars(q), ...q.with]) {
    if (!bindable.has(name)) {
      throw new DatomError('query/unbound-variable', `${name} in :find or :with is bound by no clause of :where and no input`, { data: { var: name, query: q.text } });
    }
  }
  for (const f of q.find) {
    if (f.kind === 'pull') {
      if (!sources.has(f.src)) throw new DatomError('query/unknown-source', `pull reads source ${f.src}, which :in does not name`, { data: { source: f.src, find: ednText(f) } });
      if (f.pattern.kind === 'var' && !input.vars.includes(f.pattern.name)) {
        throw new DatomError('query/unbound-variable', `The pull pattern ${f.pattern.name} must be an input`, { data: { var: f.pattern.name } });
      }
    }
    if (f.kind === 'agg' && !AGGREGATES.has(f.fn) && !fns.has(f.fn)) {
      throw new DatomError('query/unknown-function', `Unknown aggregate ${f.fn} in :find: use a built-in aggregate or pass it in the functions registry`, { data: { fn: f.fn, find: f.text } });
    }
  }
  const env: Env = { sources, rules: byName, fns, cycles: findCycles(byName), rulePlans: new Map() };
  const plan = planBlock(where, input.vars, env, Math.max(1, input.rows.length));
  for (const name of [...findVars(q), ...q.with]) {
    if (!plan.bound.includes(name)) throw new DatomError('query/unbound-variable', `${name} in :find or :with is not bound by :where`, { data: { var: name, query: q.text } });
  }
  return { q, env, plan, input };
}

function inText(i: Query['in'][number]): string {
  return i.kind === 'src' ? i.name : i.kind === 'rules' ? '%' : bindingText(i.binding);
}

function isParsed(x: unknown): x is Query {
  return x !== null && typeof x === 'object' && !Array.isArray(x) && !(x instanceof Map) && 'findKind' in (x as object);
}

function run(p: Prepared): Relation {
  const st: RunState = { env: p.env, nested: nestedQuery, ruleRelations: new Map(), cycleRelations: null };
  return runPlan(p.plan, p.input, st);
}

/** `[(q query inputs...) ?result]` inside a query: runs synchronously; a pull in its :find is refused. */
function nestedQuery(query: unknown, inputs: unknown[], env: Env): unknown {
  const parsed = parseQuery(query as QueryForm);
  if (parsed.find.some((f) => f.kind === 'pull')) throw new DatomError('query/bad-find', 'A nested q cannot pull; pull in the outer query', { data: { query: parsed.text } });
  const p = prepare(parsed, inputs, env.fns);
  return shape(p.q, aggregate(p.q, run(p), p.env, p.input));
}

/** Groups the result by its non-aggregate elements and computes the aggregates. */
function aggregate(q: Query, rel: Relation, env: Env, input: Relation): unknown[][] {
  const vars = [...new Set([...findVars(q), ...q.with])];
  const hasAgg = q.find.some((f) => f.kind === 'agg');
  // The columns of a one-row input hold the same value in every row: they tell no rows apart.
  const constant = (v: string): boolean => input.rows.length === 1 && input.vars.includes(v);
  if (!hasAgg && rel.distinct === true && rel.vars.every((v) => vars.includes(v) || constant(v))) {
    // The rows are distinct and the projection keeps every column: no set to build.
    const cols = q.find.map((f) => rel.vars.indexOf(f.name));
    if (cols.length === rel.vars.length && cols.every((c, i) => c === i)) return rel.rows;
    return rel.rows.map((r) => cols.map((c) => r[c]));
  }
  const set = project(rel, vars);
  const col = (name: string) => vars.indexOf(name);
  if (!hasAgg) {
    // Distinct over the find and :with variables, then :with dropped: a bag when :with is given.
    return set.rows.map((r) => q.find.map((f) => r[col(f.name)]));
  }
  const keyCols = q.find.flatMap((f) => (f.kind === 'agg' ? [] : [col(f.name)]));
  const groups = new Map<unknown, unknown[][]>();
  for (const r of set.rows) {
    const k = keyCols.length === 0 ? '' : rowKey(r, keyCols);
    const g = groups.get(k);
    if (g === undefined) groups.set(k, [r]);
    else g.push(r);
  }
  const out: unknown[][] = [];
  for (const g of groups.values()) {
    out.push(
      q.find.map((f) => {
        if (f.kind !== 'agg') return (g[0] as unknown[])[col(f.name)];
        const values = g.map((r) => r[col(f.name)]);
        const args = f.args.slice(0, -1).map((t) => (t as { value: unknown }).value);
        const user = env.fns.get(f.fn);
        try {
          if (user !== undefined) return user(...args, values);
          return (AGGREGATES.get(f.fn) as (vs: unknown[], a: readonly unknown[]) => unknown)(values, args);
        } catch (err) {
          if (err instanceof DatomError) throw err;
          throw new DatomError('query/fn-failed', `${f.text} failed: ${(err as Error).message}`, { data: { find: f.text }, cause: err });
        }
      }),
    );
  }
  return out;
}

function mapKey(kind: 'keys' | 'syms' | 'strs', name: string): string {
  return kind === 'keys' ? name.replace(/^:/, '') : name;
}

/** The result in the shape `:find` asks for. */
function shape(q: Query, rows: unknown[][]): unknown {
  const rm = q.returnMap;
  const toMap = (r: unknown[]): Record<string, unknown> => {
    const o: Record<string, unknown> = {};
    (rm as NonNullable<typeof rm>).names.forEach((n, i) => {
      o[mapKey((rm as NonNullable<typeof rm>).kind, n)] = r[i];
    });
    return o;
  };
  switch (q.findKind) {
    case 'scalar':
      return rows.length === 0 ? null : (rows[0] as unknown[])[0];
    case 'coll': {
      // Pulled entities are distinct already (the rows were, by entity).
      if (q.find[0]?.kind === 'pull') return rows.map((r) => r[0]);
      const seen = new Set<unknown>();
      const out: unknown[] = [];
      for (const r of rows) {
        const k = hashKey(r[0]);
        if (seen.has(k)) continue;
        seen.add(k);
        out.push(r[0]);
      }
      return out;
    }
    case 'tuple':
      if (rows.length === 0) return null;
      return rm === null ? rows[0] : toMap(rows[0] as unknown[]);
    default:
      return rm === null ? rows : rows.map(toMap);
  }
}

async function pullAll(q: Query, rows: unknown[][], p: Prepared): Promise<void> {
  for (let i = 0; i < q.find.length; i++) {
    const f = q.find[i] as FindElement;
    if (f.kind !== 'pull') continue;
    const db = p.env.sources.get(f.src) as Database;
    const patternValue = f.pattern.kind === 'var' ? (p.input.rows[0] as unknown[])[p.input.vars.indexOf(f.pattern.name)] : (f.pattern as { value: unknown }).value;
    const text = typeof patternValue === 'string' ? patternValue : printEdn(patternValue as never);
    const eids = [...new Set(rows.map((r) => r[i]))];
    let pulled: unknown[];
    try {
      pulled = await db.pullMany(text, eids as number[]);
    } catch (err) {
      if (err instanceof DatomError && err.code === 'pull/pattern') throw new DatomError('query/bad-find', `Bad pull pattern in :find: ${err.message}`, { data: { find: ednText(f.pattern) }, cause: err });
      throw err;
    }
    const byEid = new Map(eids.map((e, j) => [e, pulled[j]]));
    for (const r of rows) r[i] = byEid.get(r[i]) ?? null;
  }
}

async function evaluate(form: QueryForm, inputs: readonly unknown[], fns: ReadonlyMap<string, QueryFunction>): Promise<unknown> {
  const p = prepare(form, inputs, fns);
  const rows = aggregate(p.q, run(p), p.env, p.input);
  if (p.q.find.some((f) => f.kind === 'pull')) await pullAll(p.q, rows, p);
  return shape(p.q, rows);
}

/**
 * Runs a Datalog query, as Datomic's `q`: `query` is EDN text, the parsed vector, or the map form;
 * `inputs` follow `:in` (a database for `$` when there is no `:in`). The result's shape follows
 * `:find`: a relation (an array of distinct tuples), `?x .` (a value or null), `[?x ...]` (an
 * array), `[?a ?b]` (one tuple or null), with `:keys`/`:syms`/`:strs` objects instead of tuples.
 * A malformed query, or one that cannot be planned, is rejected before anything runs.
 *
 * @example
 * ```ts
 * const names = await q('[:find [?name ...] :in $ ?min :where [?e :person/age ?a] [(>= ?a ?min)] [?e :person/name ?name]]', db, 18)
 * ```
 */
export function q(query: QueryForm, ...inputs: unknown[]): Promise<unknown> {
  return Promise.resolve().then(() => evaluate(query, inputs, new Map()));
}

/**
 * Runs a query given as Datomic's map argument: `{ query, args, functions }`. `functions` is the
 * registry of the caller's functions the query may call by name (in predicates, function
 * expressions and aggregates); nothing else is callable, whatever the query text says.
 *
 * @example
 * ```ts
 * const adults = await query({
 *   query: '[:find ?e :in $ :where [?e :person/age ?a] [(adult? ?a)]]',
 *   args: [db],
 *   functions: { 'adult?': (age) => (age as number) >= 18 },
 * })
 * ```
 */
export function query(request: QueryRequest): Promise<unknown> {
  return Promise.resolve().then(() => {
    const fns = new Map<string, QueryFunction>();
    for (const [name, f] of Object.entries(request.functions ?? {})) {
      if (typeof f !== 'function') throw badInput(`functions.${name} must be a function`, { fn: name });
      fns.set(name, f);
    }
    return evaluate(request.query, request.args ?? [], fns);
  });
}

/**
 * The plan `q` would run for this query and these inputs, without running it: each step with the
 * index it reads, the predicates pushed into its scan, how it joins, and its estimated rows.
 * `String(plan)` (or `plan.toString()`) gives it as readable text.
 *
 * @example
 * ```ts
 * const plan = await explain('[:find ?e :where [?e :person/age ?a] [?e :person/name "Ivan"]]', db)
 * console.log(String(plan))
 * ```
 */
export function explain(query: QueryForm, ...inputs: unknown[]): Promise<QueryPlan> {
  return Promise.resolve().then(() => {
    const p = prepare(query, inputs, new Map());
    return describePlan(p.q.text, p.plan, p.input.rows.length);
  });
}
