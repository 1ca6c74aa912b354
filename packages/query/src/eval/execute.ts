import {
  type Database,
  type Datom,
  type DatomColumns,
  DatomError,
  type DatomField,
  isDatomError,
  readColumns,
  readColumnsOfEach,
  readDatoms,
  readIndexRange,
  readRangeColumns,
} from '@datomkit/datom-core';
import type { Binding, Term } from '../parse/ast.js';
import type { Env, FnStep, NotStep, OrStep, PatternStep, Plan, PredStep, RangeBound, RuleStep, Slot, Step } from '../plan/plan.js';
import { cyclePlans, sourceOf } from '../plan/plan.js';
import { equal, fnFailed, truthy } from './builtins.js';
import { ColumnRelation, type Relation, RowSet, antiJoin, columns, distinct, hashKey, join, project, rowKey, sizeOf, unitRelation } from './relation.js';

/** A nested `q` call: runs a query synchronously (set by the query module, which owns parsing). */
export type NestedQuery = (query: unknown, inputs: unknown[], env: Env) => unknown;

/** Run-time state of one evaluation: the relations of recursive rules. */
export interface RunState {
  readonly env: Env;
  readonly nested: NestedQuery;
  /** Computed relations of recursive rules, by the database they read as `$` and name. */
  readonly ruleRelations: Map<Database, Map<string, Relation>>;
  /** While a cycle is evaluated: the relation each of its rules is joined with, per call. */
  cycleRelations: ((name: string, occurrence: number) => Relation) | null;
}

/** Runs a plan over an input relation. */
export function runPlan(plan: Plan, input: Relation, st: RunState): Relation {
  let rel = input;
  for (const step of plan.steps) {
    if (sizeOf(rel) === 0) return emptyWith(rel, plan);
    rel = runStep(step, rel, st);
  }
  return rel;
}

function emptyWith(rel: Relation, plan: Plan): Relation {
  const vars = [...rel.vars];
  for (const v of plan.bound) if (!vars.includes(v)) vars.push(v);
  return { vars, rows: [], distinct: true };
}

function runStep(step: Step, rel: Relation, st: RunState): Relation {
  switch (step.kind) {
    case 'pattern':
      return runPattern(step, rel, st);
    case 'pred':
      return runPred(step, rel, st);
    case 'fn':
      return runFn(step, rel, st);
    case 'not':
      return runNot(step, rel, st);
    case 'or':
      return runOr(step, rel, st);
    case 'rule':
      return runRule(step, rel, st);
  }
}

// --- data patterns ----------------------------------------------------------------------------

function inRange(v: unknown, range: readonly RangeBound[]): boolean {
  for (const b of range) {
    const w = b.value as number;
    const c = typeof v === typeof w ? ((v as number) < w ? -1 : (v as number) > w ? 1 : 0) : Number.NaN;
    if (Number.isNaN(c)) return false;
    if (b.op === '<' ? !(c < 0) : b.op === '<=' ? !(c <= 0) : b.op === '>' ? !(c > 0) : !(c >= 0)) return false;
  }
  return true;
}

/** Reads the datoms matching `known` (e, a, v given or undefined) from the best index. */
function readMatching(db: Database, e: unknown, a: unknown, v: unknown, range: readonly RangeBound[]): Datom[] {
  try {
    if (e !== undefined) return a === undefined ? readDatoms(db, 'eavt', e) : v === undefined ? readDatoms(db, 'eavt', e, a) : readDatoms(db, 'eavt', e, a, v);
    if (a !== undefined) {
      if (v !== undefined) return readDatoms(db, 'avet', a, v);
      if (range.length > 0) {
        const [lo, hi] = rangeEnds(range);
        return readIndexRange(db, a as never, lo, hi);
      }
      return readDatoms(db, 'aevt', a);
    }
    return readDatoms(db, 'eavt');
  } catch (err) {
    // A value of the wrong type for the attribute, or a bound value that is no attribute: no match.
    if (isDatomError(err, 'db/arg') || isDatomError(err, 'schema/unknown-attribute')) return [];
    throw err;
  }
}

interface PatternShape {
  /** Per position: the column of the relation it is bound to, or -1. */
  readonly boundCol: number[];
  /** Positions of new variables (first occurrence), in order. */
  readonly newPos: number[];
  /** Pairs of positions that hold the same new variable. */
  readonly samePos: [number, number][];
  readonly consts: (unknown | undefined)[];
}

function shapeOf(step: PatternStep, rel: Relation): PatternShape {
  const boundCol: number[] = [];
  const newPos: number[] = [];
  const samePos: [number, number][] = [];
  const consts: (unknown | undefined)[] = [];
  const firstAt = new Map<string, number>();
  step.slots.forEach((s: Slot, i) => {
    consts.push(s.kind === 'const' ? s.value : undefined);
    if (s.kind !== 'var') {
      boundCol.push(-1);
      return;
    }
    const col = rel.vars.indexOf(s.name);
    boundCol.push(col);
    if (col !== -1) return;
    const first = firstAt.get(s.name);
    if (first === undefined) {
      firstAt.set(s.name, i);
      newPos.push(i);
    } else samePos.push([first, i]);
  });
  return { boundCol, newPos, samePos, consts };
}

function fieldOf(d: Datom, pos: number): unknown {
  switch (pos) {
    case 0:
      return d.e;
    case 1:
      return d.a;
    case 2:
      return d.v;
    case 3:
      return d.tx;
    default:
      return d.added;
  }
}

/** True when datom `d` agrees with the pattern's constants (those the read did not apply), repeats and range. */
function datomMatches(d: Datom, sh: PatternShape, step: PatternStep): boolean {
  const c = sh.consts;
  if (c[2] !== undefined && !equal(d.v, c[2])) return false;
  if (c[3] !== undefined && d.tx !== c[3]) return false;
  if (c[4] !== undefined && d.added !== c[4]) return false;
  for (const [x, y] of sh.samePos) if (!equal(fieldOf(d, x), fieldOf(d, y))) return false;
  if (step.range.length > 0 && !inRange(d.v, step.range)) return false;
  return true;
}

const EMPTY: DatomColumns = { length: 0, key: [], e: [], a: [], v: [], tx: [], added: [] };

function fieldCol(c: DatomColumns, pos: number): readonly unknown[] {
  switch (pos) {
    case 0:
      return c.e;
    case 1:
      return c.a;
    case 2:
      return c.v;
    case 3:
      return c.tx;
    default:
      return c.added;
  }
}

const FIELD_NAMES: readonly DatomField[] = ['e', 'a', 'v', 'tx', 'added'];

/** An unmatchable read (a value of the wrong type for the attribute, a bound value that is no attribute): no datoms. */
function noMatch(err: unknown): DatomColumns {
  if (isDatomError(err, 'db/arg') || isDatomError(err, 'schema/unknown-attribute')) return EMPTY;
  throw err;
}

/** {@link readMatching} as columns of `fields`. */
function readMatchingColumns(db: Database, e: unknown, a: unknown, v: unknown, range: readonly RangeBound[], fields: readonly DatomField[]): DatomColumns {
  try {
    if (e !== undefined) return readColumns(db, 'eavt', a === undefined ? [e] : v === undefined ? [e, a] : [e, a, v], fields);
    if (a !== undefined) {
      if (v !== undefined) return readColumns(db, 'avet', [a, v], fields);
      if (range.length > 0) {
        const [lo, hi] = rangeEnds(range);
        return readRangeColumns(db, a as never, lo, hi, fields);
      }
      return readColumns(db, 'aevt', [a], fields);
    }
    return readColumns(db, 'eavt', [], fields);
  } catch (err) {
    return noMatch(err);
  }
}

/** The start (inclusive) and end (exclusive) of the AVET range that holds every value `range` admits. */
function rangeEnds(range: readonly RangeBound[]): [unknown, unknown] {
  let lo: unknown = null;
  let hi: unknown = null;
  for (const b of range) {
    if ((b.op === '>' || b.op === '>=') && (lo === null || (b.value as number) > (lo as number))) lo = b.value;
    if (b.op === '<' && (hi === null || (b.value as number) < (hi as number))) hi = b.value;
  }
  return [lo, hi];
}

/**
 * A check of datom `j` of `cols` against the pattern's value (unless the read applied it:
 * `vApplied`), tx and added constants, repeated variables and the pushed range; null when there is
 * nothing to check.
 */
function columnMatcher(cols: DatomColumns, sh: PatternShape, step: PatternStep, vApplied: boolean): ((j: number) => boolean) | null {
  const c = sh.consts;
  const checks: ((j: number) => boolean)[] = [];
  const v = cols.v;
  if (c[2] !== undefined && !vApplied) {
    const want = c[2];
    checks.push((j) => equal(v[j], want));
  }
  if (c[3] !== undefined) checks.push((j) => cols.tx[j] === c[3]);
  if (c[4] !== undefined) checks.push((j) => cols.added[j] === c[4]);
  for (const [x, y] of sh.samePos) {
    const cx = fieldCol(cols, x);
    const cy = fieldCol(cols, y);
    checks.push((j) => equal(cx[j], cy[j]));
  }
  if (step.range.length > 0) checks.push((j) => inRange(v[j], step.range));
  if (checks.length === 0) return null;
  if (checks.length === 1) return checks[0] as (j: number) => boolean;
  return (j) => checks.every((f) => f(j));
}

/** The fields a read for this pattern must fill: its new variables, the positions it joins on and those it checks. */
function fieldsOf(sh: PatternShape, step: PatternStep, vApplied: boolean, joinPos: readonly number[]): DatomField[] {
  const need = [false, false, false, false, false];
  for (const p of sh.newPos) need[p] = true;
  for (const p of joinPos) need[p] = true;
  for (const [x, y] of sh.samePos) need[x] = need[y] = true;
  if ((sh.consts[2] !== undefined && !vApplied) || step.range.length > 0) need[2] = true;
  if (sh.consts[3] !== undefined) need[3] = true;
  if (sh.consts[4] !== undefined) need[4] = true;
  return FIELD_NAMES.filter((_, i) => need[i]);
}

/** Row `row` extended with datom `j`'s values of the columns `news`. */
function extendRow(row: readonly unknown[], news: readonly (readonly unknown[])[], j: number): unknown[] {
  const w = row.length;
  // Array literals for the common widths: each site learns the kind of array to make, where an
  // array made empty and filled changes kind as values of another type arrive.
  if (news.length === 1) {
    const x = (news[0] as readonly unknown[])[j];
    if (w === 0) return [x];
    if (w === 1) return [row[0], x];
    if (w === 2) return [row[0], row[1], x];
    if (w === 3) return [row[0], row[1], row[2], x];
  } else if (news.length === 2 && w === 0) return [(news[0] as readonly unknown[])[j], (news[1] as readonly unknown[])[j]];
  const out = new Array<unknown>(w + news.length);
  for (let i = 0; i < w; i++) out[i] = row[i];
  for (let k = 0; k < news.length; k++) out[w + k] = (news[k] as readonly unknown[])[j];
  return out;
}

/** True when the rows a pattern adds are distinct for distinct input rows: it names every field that tells its datoms apart. */
function keepsDistinct(step: PatternStep, db: Database): boolean {
  const n = db.isHistory ? 5 : 3;
  for (let p = 0; p < n; p++) if ((step.slots[p]?.kind ?? 'blank') === 'blank') return false;
  return true;
}

function runPattern(step: PatternStep, rel: Relation, st: RunState): Relation {
  const sh = shapeOf(step, rel);
  const vars = [...rel.vars, ...sh.newPos.map((p) => (step.slots[p] as { name: string }).name)];
  if (step.never) return { vars, rows: [], distinct: true };
  const db = sourceOf(st.env, step.src, step.clause.text);
  const distinctOut = rel.distinct === true && keepsDistinct(step, db);
  const boundPos = [0, 1, 2, 3, 4].filter((p) => sh.boundCol[p] !== -1);
  const rows: unknown[][] = [];
  const c = sh.consts;
  // The input's rows, made (for a ColumnRelation) only where a path reads them.
  const inRows = (): unknown[][] => rel.rows;
  if (boundPos.length === 0) {
    // A read with the attribute given reads by the value too (AVET, or EAVT with e, a and v).
    const vApplied = c[1] !== undefined;
    const cols = readMatchingColumns(db, c[0], c[1], c[2], step.range, fieldsOf(sh, step, vApplied, []));
    const ok = columnMatcher(cols, sh, step, vApplied);
    const news = sh.newPos.map((p) => fieldCol(cols, p));
    const n = cols.length;
    // From the one empty row a query starts with, the datoms' columns are the relation.
    if (ok === null && rel.vars.length === 0 && sizeOf(rel) === 1) return new ColumnRelation(vars, news, n, distinctOut);
    for (const row of inRows()) {
      for (let j = 0; j < n; j++) if (ok === null || ok(j)) rows.push(extendRow(row, news, j));
    }
    return { vars, rows, distinct: distinctOut };
  }
  const cols = boundPos.map((p) => sh.boundCol[p] as number);
  const onlyE = boundPos.length === 1 && boundPos[0] === 0;
  const onlyV = boundPos.length === 1 && boundPos[0] === 2;
  // A hash join reads the pattern once; lookups read once per key. Lookups win while there are
  // fewer keys than a third of the datoms a scan would read.
  if (step.base <= sizeOf(rel) * 3 || !boundPos.every((p) => p <= 2)) {
    const vApplied = c[1] !== undefined;
    const ds = readMatchingColumns(db, c[0], c[1], c[2], step.range, fieldsOf(sh, step, vApplied, boundPos));
    const ok = columnMatcher(ds, sh, step, vApplied);
    const news = sh.newPos.map((p) => fieldCol(ds, p));
    const keyCols = boundPos.map((p) => fieldCol(ds, p));
    const single = keyCols.length === 1 ? (keyCols[0] as readonly unknown[]) : null;
    const all = boundPos.map((_, i) => i);
    // Datoms by key: the first of each key, then a chain through `next`.
    const first = new Map<unknown, number>();
    const next = new Int32Array(ds.length).fill(-1);
    const last = new Map<unknown, number>();
    for (let j = 0; j < ds.length; j++) {
      if (ok !== null && !ok(j)) continue;
      const k = single !== null ? hashKey(single[j]) : rowKey(keyCols.map((col) => col[j]), all);
      const l = last.get(k);
      if (l === undefined) first.set(k, j);
      else next[l] = j;
      last.set(k, j);
    }
    // A bound attribute may be given by its ident: the datoms hold its id.
    const at = (row: readonly unknown[], p: number): unknown => {
      const v = row[sh.boundCol[p] as number];
      return p === 1 && typeof v !== 'number' ? (attrId(db, v) ?? v) : v;
    };
    for (const row of inRows()) {
      const k = single !== null ? hashKey(at(row, boundPos[0] as number)) : rowKey(boundPos.map((p) => at(row, p)), all);
      for (let j = first.get(k) ?? -1; j !== -1; j = next[j] as number) rows.push(extendRow(row, news, j));
    }
    return { vars, rows, distinct: distinctOut };
  }
  if (c[1] !== undefined && (onlyE || (onlyV && c[0] === undefined)) && step.range.length === 0) {
    // The values of one attribute for many entities (or the entities of many values): one pass.
    const index = onlyE ? 'aevt' : 'avet';
    const fields = fieldsOf(sh, step, false, []);
    const col = cols[0] as number;
    const inCols = rel instanceof ColumnRelation ? rel.cols : null;
    const keys = inCols !== null ? (inCols[col] as readonly unknown[]) : inRows().map((r) => r[col]);
    let ds: DatomColumns;
    try {
      ds = readColumnsOfEach(db, index, [c[1]], keys, fields);
    } catch (err) {
      if (!isDatomError(err, 'db/arg')) throw err;
      // Some key cannot be read (a value of the wrong type): read the others one at a time.
      const parts = keys.map((k, i) => {
        try {
          const one = readColumnsOfEach(db, index, [c[1]], [k], fields);
          return { ...one, key: one.key.map(() => i) };
        } catch (e2) {
          return noMatch(e2);
        }
      });
      ds = concatColumns(parts);
    }
    const ok = columnMatcher(ds, sh, step, false);
    // The datoms that pass, as positions in the columns read.
    let pick: readonly number[] | null = null;
    if (ok !== null) {
      // Made as long as it can get, then cut: no copies as it grows.
      const kept = new Array<number>(ds.length);
      let m = 0;
      for (let j = 0; j < ds.length; j++) if (ok(j)) kept[m++] = j;
      kept.length = m;
      pick = kept;
    }
    const n = pick === null ? ds.length : pick.length;
    // The result as columns: each input column taken at the row each datom's key came from, then the new ones.
    const rowAt = pick === null ? ds.key : gather(ds.key, pick);
    const outCols: (readonly unknown[])[] = [];
    // One datom for each key, in order (an attribute every key has once): the input columns as they are.
    if (inCols !== null && isIdentity(rowAt, keys.length)) outCols.push(...inCols);
    else if (inCols !== null) for (const ic of inCols) outCols.push(gather(ic, rowAt));
    else {
      const ins = inRows();
      for (let k = 0; k < rel.vars.length; k++) outCols.push(gatherRows(ins, k, rowAt));
    }
    for (const p of sh.newPos) outCols.push(pick === null ? fieldCol(ds, p) : gather(fieldCol(ds, p), pick));
    return new ColumnRelation(vars, outCols, n, distinctOut);
  }
  // Group the rows by the values of the pattern's bound positions.
  const groups = new Map<unknown, unknown[][]>();
  for (const row of inRows()) {
    const k = rowKey(row, cols);
    const g = groups.get(k);
    if (g === undefined) groups.set(k, [row]);
    else g.push(row);
  }
  const extend = (row: readonly unknown[], d: Datom): void => {
    const out = row.slice();
    for (const p of sh.newPos) out.push(fieldOf(d, p));
    rows.push(out);
  };
  for (const g of groups.values()) {
    const first = g[0] as unknown[];
    const at = (p: number): unknown => (sh.boundCol[p] !== -1 ? first[sh.boundCol[p] as number] : c[p]);
    const e = at(0);
    const a = at(1);
    const v = at(2);
    if (e !== undefined && typeof e !== 'number') continue;
    const ds = readMatching(db, e, a, a === undefined && e === undefined ? undefined : v, a === undefined ? [] : step.range);
    for (const d of ds) {
      if (!datomMatches(d, sh, step)) continue;
      if (v !== undefined && !equal(d.v, v)) continue;
      if (sh.boundCol[3] !== -1 && d.tx !== first[sh.boundCol[3] as number]) continue;
      if (sh.boundCol[4] !== -1 && d.added !== first[sh.boundCol[4] as number]) continue;
      if (sh.boundCol[1] !== -1 && d.a !== a && db.attribute(a as never)?.id !== d.a) continue;
      for (const row of g) extend(row, d);
    }
  }
  return { vars, rows, distinct: distinctOut };
}

/** True when `at` is `0, 1, ..., n - 1`. */
function isIdentity(at: readonly number[], n: number): boolean {
  if (at.length !== n) return false;
  for (let i = 0; i < n; i++) if (at[i] !== i) return false;
  return true;
}

/** `col[at[0]]`, `col[at[1]]`, ... */
function gather<T>(col: readonly T[], at: readonly number[]): T[] {
  const out = new Array<T>(at.length);
  for (let i = 0; i < at.length; i++) out[i] = col[at[i] as number] as T;
  return out;
}

/** Column `k` of `rows[at[0]]`, `rows[at[1]]`, ... */
function gatherRows(rows: readonly (readonly unknown[])[], k: number, at: readonly number[]): unknown[] {
  const out = new Array<unknown>(at.length);
  for (let i = 0; i < at.length; i++) out[i] = (rows[at[i] as number] as readonly unknown[])[k];
  return out;
}

/** Columns one after the other. */
function concatColumns(parts: readonly DatomColumns[]): DatomColumns {
  const out = { length: 0, key: [] as number[], e: [] as number[], a: [] as number[], v: [] as unknown[], tx: [] as number[], added: [] as boolean[] };
  for (const p of parts) {
    out.length += p.length;
    out.key.push(...p.key);
    out.e.push(...p.e);
    out.a.push(...p.a);
    out.v.push(...p.v);
    out.tx.push(...p.tx);
    out.added.push(...p.added);
  }
  return out as DatomColumns;
}

function attrId(db: Database, v: unknown): number | undefined {
  try {
    return db.attribute(v as never)?.id;
  } catch {
    return undefined;
  }
}

// --- predicates and functions -----------------------------------------------------------------

function argGetter(t: Term, rel: Relation, st: RunState, clause: string): (row: readonly unknown[]) => unknown {
  switch (t.kind) {
    case 'var': {
      const col = rel.vars.indexOf(t.name);
      return (row) => row[col];
    }
    case 'src': {
      const db = sourceOf(st.env, t.name, clause);
      return () => db;
    }
    case 'const': {
      const v = t.value;
      return () => v;
    }
    default:
      return () => null;
  }
}

function runPred(step: PredStep, rel: Relation, st: RunState): Relation {
  const getters = step.clause.args.map((t) => argGetter(t, rel, st, step.clause.text));
  const f = step.fn;
  const rows: unknown[][] = [];
  const args: unknown[] = new Array(getters.length);
  for (const row of rel.rows) {
    for (let i = 0; i < getters.length; i++) args[i] = (getters[i] as (r: readonly unknown[]) => unknown)(row);
    let ok: unknown;
    try {
      ok = f(...args);
    } catch (err) {
      throw fnFailed(step.clause.fn, step.clause.text, err);
    }
    if (truthy(ok)) rows.push(row);
  }
  return { vars: rel.vars, rows, distinct: rel.distinct };
}

/** The rows a function's result binds, as tuples of the binding's names (null for `_`). */
function bindResult(b: Binding, result: unknown, clause: string): unknown[][] {
  if (result === null || result === undefined) return [];
  const seq = (x: unknown): unknown[] => {
    if (Array.isArray(x)) return x;
    if (x !== null && typeof x === 'object' && Symbol.iterator in x && typeof x !== 'string') return [...(x as Iterable<unknown>)];
    throw new DatomError('query/fn-failed', `${clause} binds a collection, but its function returned ${String(x)}`, { data: { clause } });
  };
  switch (b.kind) {
    case 'scalar':
      return [[result]];
    case 'tuple': {
      const t = seq(result);
      return t.length < b.names.length ? [] : [t.slice(0, b.names.length)];
    }
    case 'coll':
      return seq(result).map((x) => [x]);
    case 'rel':
      return seq(result)
        .map(seq)
        .filter((t) => t.length >= b.names.length)
        .map((t) => t.slice(0, b.names.length));
  }
}

function runFn(step: FnStep, rel: Relation, st: RunState): Relation {
  const c = step.clause;
  const getters = c.args.map((t) => argGetter(t, rel, st, c.text));
  const b = c.binding;
  const names = b.kind === 'scalar' || b.kind === 'coll' ? [b.name] : b.names;
  // Per name: the column it is already bound to (a filter), or -1 (a new column), or null for `_`.
  const seen = new Set<string>();
  const targets = names.map((n) => {
    if (n === null || seen.has(n)) return null;
    seen.add(n);
    return rel.vars.indexOf(n);
  });
  const vars = [...rel.vars];
  names.forEach((n, i) => {
    if (n !== null && targets[i] === -1) vars.push(n);
  });
  const rows: unknown[][] = [];
  const args: unknown[] = new Array(getters.length);
  for (const row of rel.rows) {
    for (let i = 0; i < getters.length; i++) args[i] = (getters[i] as (r: readonly unknown[]) => unknown)(row);
    let result: unknown;
    try {
      result = step.fn === null ? st.nested(args[0], args.slice(1), st.env) : step.fn(...args);
    } catch (err) {
      throw fnFailed(c.fn, c.text, err);
    }
    outer: for (const tuple of bindResult(b, result, c.text)) {
      const out = row.slice();
      for (let i = 0; i < names.length; i++) {
        const t = targets[i];
        if (t === null || t === undefined) {
          const n = names[i];
          // A name repeated in the binding must get the same value each time.
          if (n !== null && n !== undefined && !equal(tuple[i], tuple[names.indexOf(n)])) continue outer;
          continue;
        }
        if (t === -1) out.push(tuple[i]);
        else if (!equal(row[t], tuple[i])) continue outer;
      }
      rows.push(out);
    }
  }
  return { vars, rows, distinct: rel.distinct === true && b.kind === 'scalar' };
}

// --- not, or, rules ---------------------------------------------------------------------------

function withSource(st: RunState, src: string, clause: string): RunState {
  if (src === '$') return st;
  const sources = new Map(st.env.sources);
  sources.set('$', sourceOf(st.env, src, clause));
  return { ...st, env: { ...st.env, sources } };
}

function runNot(step: NotStep, rel: Relation, st: RunState): Relation {
  const input = project(rel, step.join);
  const out = runPlan(step.plan, input, withSource(st, step.clause.src, step.clause.text));
  return antiJoin(rel, project(out, step.join));
}

function runOr(step: OrStep, rel: Relation, st: RunState): Relation {
  const input = project(rel, step.join);
  const sub = withSource(st, step.clause.src, step.clause.text);
  const vars = step.clause.vars;
  const rows: unknown[][] = [];
  for (const b of step.branches) rows.push(...project(runPlan(b, input, sub), vars).rows);
  return join(rel, distinct({ vars, rows }));
}

/**
 * Joins `rel` with a rule's relation `headRel` (columns named by the head variables) through the
 * call's arguments: constants filter, variables bind or join, `_` is dropped.
 */
function joinCall(rel: Relation, headRel: Relation, args: readonly Term[], heads: readonly string[]): Relation {
  const colOf = heads.map((h) => headRel.vars.indexOf(h));
  const outVars: string[] = [];
  const pick: number[] = [];
  const checks: [number, number][] = [];
  const consts: [number, unknown][] = [];
  args.forEach((a, i) => {
    const col = colOf[i] as number;
    if (a.kind === 'const') consts.push([col, a.value]);
    else if (a.kind === 'var') {
      const j = outVars.indexOf(a.name);
      if (j === -1) {
        outVars.push(a.name);
        pick.push(col);
      } else checks.push([pick[j] as number, col]);
    }
  });
  // Every column kept as it is: the rule's rows are the call's.
  if (headRel.distinct === true && consts.length === 0 && checks.length === 0 && pick.length === colOf.length && pick.every((c, i) => c === i)) {
    return join(rel, { vars: outVars, rows: headRel.rows, distinct: true });
  }
  const rows: unknown[][] = [];
  for (const r of headRel.rows) {
    if (consts.some(([col, v]) => !equal(r[col], v))) continue;
    if (checks.some(([x, y]) => !equal(r[x], r[y]))) continue;
    rows.push(pick.map((c) => r[c]));
  }
  return join(rel, distinct({ vars: outVars, rows }));
}

function runRule(step: RuleStep, rel: Relation, st: RunState): Relation {
  const c = step.clause;
  const defs = step.rule;
  const heads = (defs[0] as { vars: readonly string[] }).vars;
  if (step.recursive) {
    const headRel = step.inCycle && st.cycleRelations !== null ? st.cycleRelations(c.name, step.occurrence) : ruleRelation(c.name, c.src, st);
    return joinCall(rel, { vars: positional(heads.length), rows: headRel.rows, distinct: headRel.distinct }, c.args, positional(heads.length));
  }
  const sub = withSource(st, c.src, c.text);
  const rows: unknown[][] = [];
  defs.forEach((d, bi) => {
    // The body's input: the call's bound arguments and constants, under the head's names.
    const inVars: string[] = [];
    const getters: ((row: readonly unknown[]) => unknown)[] = [];
    d.vars.forEach((hv, i) => {
      const a = c.args[i] as Term;
      if (a.kind === 'const') {
        inVars.push(hv);
        getters.push(() => a.value);
      } else if (a.kind === 'var' && rel.vars.includes(a.name)) {
        const col = rel.vars.indexOf(a.name);
        if (inVars.includes(hv)) return;
        inVars.push(hv);
        getters.push((row) => row[col]);
      }
    });
    const input = distinct({ vars: inVars, rows: rel.rows.map((r) => getters.map((g) => g(r))) });
    const out = project(runPlan(step.bodies[bi] as Plan, input, sub), d.vars);
    rows.push(...out.rows);
  });
  return joinCall(rel, { vars: positional(heads.length), rows }, c.args, positional(heads.length));
}

function positional(n: number): string[] {
  return Array.from({ length: n }, (_, i) => `%${i}`);
}

/**
 * The whole relation of recursive rule `name` (rows in head order), computed with the other rules
 * of its cycle by semi-naive evaluation: each round joins only the rows the round before found
 * new, until a round finds none.
 */
export function ruleRelation(name: string, src: string, st: RunState): Relation {
  const sub = withSource(st, src, name);
  const db = sourceOf(sub.env, '$', name);
  let cache = st.ruleRelations.get(db);
  if (cache === undefined) st.ruleRelations.set(db, (cache = new Map()));
  const known = cache.get(name);
  if (known !== undefined) return known;
  const env = st.env;
  const cycle = env.cycles.get(name) as ReadonlySet<string>;
  const full = new Map<string, { rows: unknown[][]; keys: RowSet }>();
  const delta = new Map<string, unknown[][]>();
  for (const r of cycle) {
    const width = (env.rules.get(r) as readonly { vars: readonly string[] }[])[0]?.vars.length ?? 0;
    full.set(r, { rows: [], keys: new RowSet(Array.from({ length: width }, (_, i) => i)) });
    delta.set(r, []);
  }
  // Each body with its head variables and its number of calls into the cycle.
  const bodies = new Map<string, { plan: Plan; heads: readonly string[]; calls: number }[]>();
  for (const r of cycle) {
    const defs = env.rules.get(r) as readonly { vars: readonly string[] }[];
    bodies.set(
      r,
      cyclePlans(env, db, r).map((plan, i) => ({ plan, heads: (defs[i] as { vars: readonly string[] }).vars, calls: cycleCalls(plan, cycle) })),
    );
  }
  const evalBody = (r: string, body: { plan: Plan; heads: readonly string[] }, deltaAt: number, into: unknown[][]): void => {
    const state: RunState = {
      ...sub,
      cycleRelations: (callee, occ) => ({ vars: [], rows: occ === deltaAt ? (delta.get(callee) as unknown[][]) : (full.get(callee) as { rows: unknown[][] }).rows, distinct: true }),
    };
    addNew((full.get(r) as { keys: RowSet }).keys, columns(runPlan(body.plan, unitRelation(), state), body.heads), into);
  };
  // Round 0: bodies that call nothing of the cycle.
  let fresh = new Map<string, unknown[][]>();
  for (const r of cycle) {
    const into: unknown[][] = [];
    for (const b of bodies.get(r) ?? []) if (b.calls === 0) evalBody(r, b, -1, into);
    fresh.set(r, into);
  }
  for (;;) {
    let any = false;
    for (const r of cycle) {
      const rows = fresh.get(r) as unknown[][];
      delta.set(r, rows);
      (full.get(r) as { rows: unknown[][] }).rows.push(...rows);
      if (rows.length > 0) any = true;
    }
    if (!any) break;
    const next = new Map<string, unknown[][]>();
    for (const r of cycle) {
      const into: unknown[][] = [];
      for (const b of bodies.get(r) ?? []) for (let occ = 0; occ < b.calls; occ++) evalBody(r, b, occ, into);
      next.set(r, into);
    }
    fresh = next;
  }
  const heads = (env.rules.get(name) as readonly { vars: readonly string[] }[])[0]?.vars ?? [];
  const result: Relation = { vars: positional(heads.length), rows: (full.get(name) as { rows: unknown[][] }).rows, distinct: true };
  cache.set(name, result);
  return result;
}

/**
 * Appends to `into` the rows of `rows` that `keys` did not hold, adding them to it. (A function of
 * its own, not a closure made per evaluation: V8 keeps a closure's optimized code only while one of
 * its closures lives, so each full collection sent a per-evaluation closure back to the interpreter.)
 */
function addNew(keys: RowSet, rows: readonly unknown[][], into: unknown[][]): void {
  for (const row of rows) if (keys.add(row)) into.push(row);
}

/** How many calls into `cycle` a plan makes (numbered 0.. by the planner, nested plans included). */
function cycleCalls(plan: Plan, cycle: ReadonlySet<string>): number {
  let n = 0;
  for (const s of plan.steps) {
    if (s.kind === 'rule' && s.inCycle && cycle.has(s.clause.name)) n++;
    else if (s.kind === 'not') n += cycleCalls(s.plan, cycle);
    else if (s.kind === 'or') for (const b of s.branches) n += cycleCalls(b, cycle);
    else if (s.kind === 'rule') for (const b of s.bodies) n += cycleCalls(b, cycle);
  }
  return n;
}
