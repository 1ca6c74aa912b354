import { type Attribute, type Database, DatomError, Keyword, TX_BASE, estimateDatoms, readDatoms } from '@datomkit/datom-core';
import type { Clause, FnClause, NotClause, OrClause, PatternClause, PredClause, Rule, RuleClause, Term } from '../parse/ast.js';
import { bindingVars, clauseVars } from '../parse/parse-query.js';
import { BUILTINS, type QueryFunction } from '../eval/builtins.js';

/** What planning and evaluation share: the sources, rules and functions of one query run. */
export interface Env {
  readonly sources: ReadonlyMap<string, Database>;
  readonly rules: ReadonlyMap<string, readonly Rule[]>;
  readonly fns: ReadonlyMap<string, QueryFunction>;
  /** Rules that reach themselves, with the rules of their cycle. */
  readonly cycles: ReadonlyMap<string, ReadonlySet<string>>;
  /** Plans of the bodies of recursive rules, made once per database they read as `$`. */
  readonly rulePlans: Map<Database, Map<string, Plan[]>>;
}

/** A pattern position after its constants were resolved against the database. */
export type Slot = { readonly kind: 'const'; readonly value: unknown } | { readonly kind: 'var'; readonly name: string } | { readonly kind: 'blank' };

/** A comparison pushed into a pattern's scan of AVET. */
export interface RangeBound {
  readonly op: '<' | '<=' | '>' | '>=';
  readonly value: number | string;
}

/** A data pattern, resolved. `never` when a constant names nothing, so it matches nothing. */
export interface PatternStep {
  readonly kind: 'pattern';
  readonly clause: PatternClause;
  readonly src: string;
  readonly slots: readonly Slot[];
  readonly attr: Attribute | null;
  readonly never: boolean;
  /** Datoms the pattern's constants alone match (estimated from the index). */
  readonly base: number;
  /** The range it scans, from predicates pushed into it. */
  readonly range: readonly RangeBound[];
  readonly pushed: readonly PredClause[];
  readonly index: string;
  readonly est: number;
}

export interface PredStep {
  readonly kind: 'pred';
  readonly clause: PredClause;
  readonly fn: QueryFunction;
  readonly est: number;
}

export interface FnStep {
  readonly kind: 'fn';
  readonly clause: FnClause;
  readonly fn: QueryFunction | null;
  /** For `q`: the nested query's plan is made when it runs, from its constant text. */
  readonly est: number;
}

export interface NotStep {
  readonly kind: 'not';
  readonly clause: NotClause;
  readonly join: readonly string[];
  readonly plan: Plan;
  readonly est: number;
}

export interface OrStep {
  readonly kind: 'or';
  readonly clause: OrClause;
  readonly join: readonly string[];
  readonly branches: readonly Plan[];
  readonly est: number;
}

export interface RuleStep {
  readonly kind: 'rule';
  readonly clause: RuleClause;
  readonly rule: readonly Rule[];
  /** Recursive: its relation is computed whole (semi-naive) and joined; otherwise its bodies are planned inline. */
  readonly recursive: boolean;
  /** Inside the bodies of its own cycle: joined with the cycle's current relation. */
  readonly inCycle: boolean;
  /** Non-recursive: the plan of each body, given the arguments the call binds. */
  readonly bodies: readonly Plan[];
  /** Inside a cycle's body: the number of this call among the body's calls into the cycle (semi-naive evaluation reads the new rows at one of them). */
  occurrence: number;
  readonly est: number;
}

/** One step of a plan. */
export type Step = PatternStep | PredStep | FnStep | NotStep | OrStep | RuleStep;

/** The steps of one block of clauses, in the order they run. */
export interface Plan {
  readonly steps: readonly Step[];
  /** Variables bound after the last step. */
  readonly bound: readonly string[];
  /** Estimated rows after the last step. */
  readonly est: number;
}

function insufficient(clause: string, vars: readonly string[]): DatomError {
  return new DatomError(
    'query/insufficient-binding',
    `${clause} needs ${vars.join(', ')} bound by an earlier clause or an input; bind ${vars.length === 1 ? 'it' : 'them'} with a data pattern or pass ${vars.length === 1 ? 'it' : 'them'} in :in`,
    { data: { clause, vars: [...vars] } },
  );
}

/** The database named `src`, or `query/unknown-source`. */
export function sourceOf(env: Env, src: string, clause: string): Database {
  const db = env.sources.get(src);
  if (db === undefined) {
    throw new DatomError('query/unknown-source', `${clause} reads source ${src}, which :in does not name (add ${src} to :in and pass a database for it)`, {
      data: { clause, source: src },
    });
  }
  return db;
}

/** The function `name` from the caller's registry or the built-ins, or `query/unknown-function`. */
export function functionOf(env: Env, name: string, clause: string): QueryFunction {
  const f = env.fns.get(name) ?? BUILTINS.get(name);
  if (f === undefined) {
    throw new DatomError('query/unknown-function', `Unknown function ${name} in ${clause}: use a built-in or pass it in the functions registry of query()`, {
      data: { clause, fn: name },
    });
  }
  return f;
}

/** The entity id a constant names (an id, an ident, a lookup ref), or -1. */
export function resolveEntity(db: Database, x: unknown): number {
  if (typeof x === 'number') return Number.isSafeInteger(x) && x > 0 ? x : -1;
  if (x instanceof Keyword) {
    const d = readDatoms(db, 'avet', ':db/ident', x)[0];
    return d === undefined ? -1 : d.e;
  }
  if (Array.isArray(x) && x.length === 2) {
    try {
      const attr = db.attribute(x[0] as never);
      if (attr === null || attr.unique === null) return -1;
      const d = readDatoms(db, 'avet', x[0], x[1])[0];
      return d === undefined ? -1 : d.e;
    } catch {
      return -1;
    }
  }
  return -1;
}

function slotOf(t: Term): Slot {
  if (t.kind === 'var') return t;
  if (t.kind === 'const') return t;
  return { kind: 'blank' };
}

/** Estimate of datoms a read with these leading components returns; 0 when a component cannot match. */
function estimate(db: Database, index: 'eavt' | 'aevt' | 'avet' | 'vaet', ...components: unknown[]): number {
  try {
    return estimateDatoms(db, index, ...components);
  } catch {
    return 0;
  }
}

/** A pattern with its constants resolved, and the datoms of its attribute (of the database, without one): estimated once per plan. */
interface ResolvedPattern extends Omit<PatternStep, 'range' | 'pushed' | 'est'> {
  readonly countA: number;
}

/** Estimated datoms of each attribute, by database value (a value never changes, nor do its counts). */
const attributeCounts = new WeakMap<Database, Map<number, number>>();

/** About how many datoms attribute `a` has in `db` (see {@link estimate}), estimated once per database value. */
function attributeCount(db: Database, a: number): number {
  let counts = attributeCounts.get(db);
  if (counts === undefined) attributeCounts.set(db, (counts = new Map()));
  let n = counts.get(a);
  if (n === undefined) counts.set(a, (n = estimate(db, 'aevt', a)));
  return n;
}

function resolvePattern(c: PatternClause, env: Env): ResolvedPattern {
  const db = sourceOf(env, c.src, c.text);
  const slots = c.terms.map(slotOf);
  let never = false;
  let attr: Attribute | null = null;
  const a = slots[1] as Slot;
  if (a.kind === 'const') {
    try {
      attr = db.attribute(a.value as never);
    } catch {
      attr = null;
    }
    if (attr === null) never = true;
    else slots[1] = { kind: 'const', value: attr.id };
  }
  const e = slots[0] as Slot;
  if (e.kind === 'const') {
    const id = resolveEntity(db, e.value);
    if (id === -1) never = true;
    slots[0] = { kind: 'const', value: id };
  }
  const v = slots[2] as Slot;
  if (v.kind === 'const' && attr !== null && attr.valueType === 'ref') {
    const id = resolveEntity(db, v.value);
    if (id === -1) never = true;
    slots[2] = { kind: 'const', value: id };
  }
  const tx = slots[3] as Slot;
  if (tx.kind === 'const' && typeof tx.value === 'number' && tx.value < TX_BASE) slots[3] = { kind: 'const', value: TX_BASE + tx.value };
  let base = 0;
  let index = 'eavt';
  if (!never) {
    const ev = e.kind === 'const' ? (slots[0] as { value: unknown }).value : undefined;
    const av = attr?.id;
    const vv = (slots[2] as Slot).kind === 'const' ? (slots[2] as { value: unknown }).value : undefined;
    if (ev !== undefined) {
      index = 'eavt';
      base = av === undefined ? estimate(db, 'eavt', ev) : vv === undefined ? estimate(db, 'eavt', ev, av) : estimate(db, 'eavt', ev, av, vv);
    } else if (av !== undefined) {
      index = vv === undefined ? 'aevt' : 'avet';
      base = vv === undefined ? attributeCount(db, av) : estimate(db, 'avet', av, vv);
    } else {
      index = 'eavt';
      base = estimate(db, 'eavt');
    }
  }
  const countA = attr === null ? estimate(db, 'eavt') : Math.max(1, attributeCount(db, attr.id));
  return { kind: 'pattern', clause: c, src: c.src, slots, attr, never, base, index, countA };
}

const RANGE_OPS = new Set(['<', '<=', '>', '>=']);
const FLIP: Record<string, RangeBound['op']> = { '<': '>', '<=': '>=', '>': '<', '>=': '<=' };

/** A predicate `(op ?v const)` or `(op const ?v)` that a scan of `attr`'s values in AVET can apply. */
function rangeOf(p: PredClause, v: string, attr: Attribute, env: Env): RangeBound | null {
  if (!RANGE_OPS.has(p.fn) || env.fns.has(p.fn) || p.args.length !== 2) return null;
  const [x, y] = p.args as [Term, Term];
  let op = p.fn as RangeBound['op'];
  let c: Term;
  if (x.kind === 'var' && x.name === v) c = y;
  else if (y.kind === 'var' && y.name === v) {
    c = x;
    op = FLIP[op] as RangeBound['op'];
  } else return null;
  if (c.kind !== 'const') return null;
  const value = c.value;
  const numeric = attr.valueType === 'long' || attr.valueType === 'double' || attr.valueType === 'float';
  if (typeof value === 'number' && numeric && Number.isFinite(value)) return { op, value };
  if (typeof value === 'string' && attr.valueType === 'string') return { op, value };
  return null;
}

function varsOfTerms(ts: readonly Term[]): string[] {
  return ts.flatMap((t) => (t.kind === 'var' ? [t.name] : []));
}

/** The variables `c` needs bound before it can run. */
function needs(c: Clause, env: Env, bindable: ReadonlySet<string>): string[] {
  switch (c.kind) {
    case 'pred':
      return varsOfTerms(c.args);
    case 'fn':
      return varsOfTerms(c.args);
    case 'not':
      // not-join names its join variables; not joins on those of its variables bound outside.
      return c.explicit ? [...c.vars] : c.vars.filter((v) => bindable.has(v));
    case 'or':
      return [...c.required];
    case 'rule': {
      const defs = env.rules.get(c.name);
      const req = new Set(defs?.[0]?.required ?? []);
      const out: string[] = [];
      defs?.[0]?.vars.forEach((hv, i) => {
        const a = c.args[i];
        if (req.has(hv) && a?.kind === 'var') out.push(a.name);
      });
      return out;
    }
    default:
      return [];
  }
}

/** Every variable some clause of `clauses` can bind (or an input binds). */
function bindableVars(clauses: readonly Clause[], bound: ReadonlySet<string>): Set<string> {
  const out = new Set(bound);
  for (const c of clauses) {
    if (c.kind === 'pattern') for (const v of varsOfTerms(c.terms)) out.add(v);
    else if (c.kind === 'fn') for (const v of bindingVars(c.binding)) out.add(v);
    else if (c.kind === 'or') for (const v of c.vars) out.add(v);
    else if (c.kind === 'rule') for (const v of varsOfTerms(c.args)) out.add(v);
  }
  return out;
}

/**
 * Plans a block of clauses given the variables bound on entry and the estimated rows: filters
 * (predicates, function expressions, not) run as soon as their variables are bound; of the clauses
 * that produce rows (patterns, or, rules), the one with the fewest estimated rows runs next, so
 * the written order does not matter. A clause whose variables nothing binds is an error here,
 * before anything runs.
 */
export function planBlock(clauses: readonly Clause[], boundIn: Iterable<string>, env: Env, cardIn = 1, cycle: ReadonlySet<string> | null = null): Plan {
  const bound = new Set(boundIn);
  const bindable = bindableVars(clauses, bound);
  const remaining = [...clauses];
  const steps: Step[] = [];
  let card = cardIn;
  const resolved = new Map<Clause, ResolvedPattern>();
  for (const c of clauses) if (c.kind === 'pattern') resolved.set(c, resolvePattern(c, env));
  for (const c of clauses) {
    if (c.kind === 'rule' && !env.rules.has(c.name)) {
      throw new DatomError('query/unknown-rule', `Unknown rule ${c.name} in ${c.text}: pass rules with % in :in, or check the name`, { data: { clause: c.text, rule: c.name } });
    }
  }
  while (remaining.length > 0) {
    // Filters first, in written order, once their variables are bound.
    let progressed = false;
    for (let i = 0; i < remaining.length; i++) {
      const c = remaining[i] as Clause;
      if (c.kind !== 'pred' && c.kind !== 'fn' && c.kind !== 'not') continue;
      if (!needs(c, env, bindable).every((v) => bound.has(v))) continue;
      remaining.splice(i, 1);
      const step = planFilter(c, bound, env, card, cycle);
      steps.push(step);
      card = step.est;
      progressed = true;
      break;
    }
    if (progressed) continue;
    let best: { i: number; step: Step; score: number } | null = null;
    for (let i = 0; i < remaining.length; i++) {
      const c = remaining[i] as Clause;
      if (c.kind === 'pred' || c.kind === 'fn' || c.kind === 'not') continue;
      if (!needs(c, env, bindable).every((v) => bound.has(v))) continue;
      const step = c.kind === 'pattern' ? planPattern(resolved.get(c) as ResolvedPattern, bound, card, remaining, env) : c.kind === 'or' ? planOr(c, bound, env, card, cycle) : planRule(c, bound, env, card, cycle);
      const connected = clauseVars(c).some((v) => bound.has(v));
      // Prefer a clause that joins with what is bound: a cross product multiplies rows.
      const score = connected || bound.size === 0 ? step.est : step.est * Math.max(card, 1) * 4;
      if (best === null || score < best.score) best = { i, step, score };
    }
    if (best === null) {
      const c = remaining[0] as Clause;
      const missing = needs(c, env, bindable).filter((v) => !bound.has(v));
      throw insufficient(c.text, missing.length > 0 ? missing : clauseVars(c));
    }
    const step = best.step;
    remaining.splice(best.i, 1);
    if (step.kind === 'pattern') for (const p of step.pushed) remaining.splice(remaining.indexOf(p), 1);
    steps.push(step);
    for (const v of stepBinds(step)) bound.add(v);
    card = step.est;
  }
  return { steps, bound: [...bound], est: card };
}

/** The variables a step binds. */
export function stepBinds(s: Step): string[] {
  switch (s.kind) {
    case 'pattern':
      return s.slots.flatMap((x) => (x.kind === 'var' ? [x.name] : []));
    case 'fn':
      return bindingVars(s.clause.binding);
    case 'or':
      return [...s.clause.vars];
    case 'rule':
      return varsOfTerms(s.clause.args);
    default:
      return [];
  }
}

function planPattern(r: ResolvedPattern, bound: ReadonlySet<string>, card: number, remaining: readonly Clause[], env: Env): PatternStep {
  const slots = r.slots;
  const s0 = slots[0] as Slot;
  const v = slots[2] as Slot;
  const bound0 = s0.kind === 'var' && bound.has(s0.name);
  const bound2 = v.kind === 'var' && bound.has(v.name);
  const attr = r.attr;
  const countA = r.countA;
  let est: number;
  if (r.never) est = 0;
  else if (bound0 && bound2) est = card * Math.min(1, r.base / countA) * 0.5;
  else if (bound0) est = card * (attr === null ? 10 : Math.max(r.base / countA, 0.01));
  else if (bound2) {
    const distinctV = attr === null ? 10 : attr.unique !== null ? countA : attr.valueType === 'ref' ? Math.max(1, countA / 3) : Math.max(1, Math.sqrt(countA));
    est = card * Math.max(r.base / distinctV, 0.01);
  } else est = card * r.base;
  // Comparisons on the value, pushed into the scan.
  const range: RangeBound[] = [];
  const pushed: PredClause[] = [];
  if (attr !== null && v.kind === 'var' && !bound2 && occurrences(slots, v.name) === 1) {
    for (const c of remaining) {
      if (c.kind !== 'pred') continue;
      const b = rangeOf(c, v.name, attr, env);
      if (b === null) continue;
      range.push(b);
      pushed.push(c);
    }
  }
  if (range.length > 0) est *= range.length === 1 ? 0.5 : 0.25;
  const index = bound0 || s0.kind === 'const' ? 'eavt' : range.length > 0 || v.kind === 'const' || bound2 ? 'avet' : attr !== null ? 'aevt' : 'eavt';
  return { kind: 'pattern', clause: r.clause, src: r.src, slots, attr, never: r.never, base: r.base, range, pushed, index, est };
}

/** How many slots hold variable `name`. */
function occurrences(slots: readonly Slot[], name: string): number {
  let n = 0;
  for (const s of slots) if (s.kind === 'var' && s.name === name) n++;
  return n;
}

function planFilter(c: PredClause | FnClause | NotClause, bound: Set<string>, env: Env, card: number, cycle: ReadonlySet<string> | null): Step {
  if (c.kind === 'pred') {
    for (const t of c.args) if (t.kind === 'src') sourceOf(env, t.name, c.text);
    return { kind: 'pred', clause: c, fn: functionOf(env, c.fn, c.text), est: card * 0.5 };
  }
  if (c.kind === 'fn') {
    for (const t of c.args) if (t.kind === 'src') sourceOf(env, t.name, c.text);
    const fn = c.fn === 'q' ? null : functionOf(env, c.fn, c.text);
    for (const v of bindingVars(c.binding)) bound.add(v);
    const grow = c.binding.kind === 'coll' || c.binding.kind === 'rel' ? 4 : 1;
    return { kind: 'fn', clause: c, fn, est: card * grow };
  }
  sourceOf(env, c.src, c.text);
  const join = c.vars.filter((v) => bound.has(v));
  // A not that shares no variable with the query around it would test the whole database.
  if (join.length === 0 && c.vars.length > 0) throw insufficient(c.text, c.vars);
  const plan = planBlock(c.clauses, join, env, card, cycle);
  return { kind: 'not', clause: c, join, plan, est: card * 0.5 };
}

function planOr(c: OrClause, bound: ReadonlySet<string>, env: Env, card: number, cycle: ReadonlySet<string> | null): OrStep {
  sourceOf(env, c.src, c.text);
  const join = c.vars.filter((v) => bound.has(v));
  const branches = c.branches.map((b) => {
    const plan = planBlock(b, join, env, card, cycle);
    const missing = c.vars.filter((v) => !plan.bound.includes(v));
    if (missing.length > 0) throw insufficient(c.text, missing);
    return plan;
  });
  return { kind: 'or', clause: c, join, branches, est: branches.reduce((a, p) => a + p.est, 0) };
}

/** The plans of the bodies of recursive rule `name` reading `db` as `$` (planned before anything runs). */
export function cyclePlans(env: Env, db: Database, name: string): Plan[] {
  return env.rulePlans.get(db)?.get(name) ?? [];
}

/** The rules of `name`'s cycle when it reaches itself, else null. */
export function cycleOf(env: Env, name: string): ReadonlySet<string> | null {
  return env.cycles.get(name) ?? null;
}

function planRule(c: RuleClause, bound: ReadonlySet<string>, env: Env, card: number, cycle: ReadonlySet<string> | null): RuleStep {
  const defs = env.rules.get(c.name) as readonly Rule[];
  for (const d of defs) {
    if (d.vars.length !== c.args.length) {
      throw new DatomError('query/syntax', `Rule ${c.name} takes ${d.vars.length} arguments, ${c.text} passes ${c.args.length}`, { data: { clause: c.text, rule: c.name } });
    }
  }
  sourceOf(env, c.src, c.text);
  const subEnv: Env = c.src === '$' ? env : { ...env, sources: new Map(env.sources).set('$', sourceOf(env, c.src, c.text)) };
  const own = cycleOf(env, c.name);
  if (own !== null) {
    const inCycle = cycle?.has(c.name) === true;
    if (!inCycle) planCycle(subEnv, own);
    const boundArgs = c.args.filter((a) => a.kind === 'const' || (a.kind === 'var' && bound.has(a.name))).length;
    return { kind: 'rule', clause: c, rule: defs, recursive: true, inCycle, bodies: [], occurrence: -1, est: card * (boundArgs > 0 ? 10 : 1000) };
  }
  // Not recursive: each body is planned with the head variables the call binds.
  const bodies = defs.map((d) => {
    const headBound = d.vars.filter((_, i) => {
      const a = c.args[i] as Term;
      return a.kind === 'const' || (a.kind === 'var' && bound.has(a.name));
    });
    const plan = planBlock(d.clauses, headBound, subEnv, card, cycle);
    const missing = d.vars.filter((v) => !plan.bound.includes(v));
    if (missing.length > 0) throw insufficient(d.text, missing);
    return plan;
  });
  return { kind: 'rule', clause: c, rule: defs, recursive: false, inCycle: false, bodies, occurrence: -1, est: bodies.reduce((a, p) => a + p.est, 0) };
}

/** Plans the bodies of every rule of a cycle once, with nothing bound (they are evaluated bottom-up). */
function planCycle(env: Env, cycle: ReadonlySet<string>): void {
  const db = sourceOf(env, '$', 'a rule');
  let plansOf = env.rulePlans.get(db);
  if (plansOf === undefined) env.rulePlans.set(db, (plansOf = new Map()));
  for (const name of cycle) {
    if (plansOf.has(name)) continue;
    plansOf.set(name, []);
    const plans = (env.rules.get(name) as readonly Rule[]).map((d) => {
      const plan = planBlock(d.clauses, [], env, 1, cycle);
      const missing = d.vars.filter((v) => !plan.bound.includes(v));
      if (missing.length > 0) throw insufficient(d.text, missing);
      numberCalls(plan, cycle, 0);
      return plan;
    });
    plansOf.set(name, plans);
  }
}

/** For each rule, the rules it reaches itself from (its cycle), when it is recursive. */
export function findCycles(rules: ReadonlyMap<string, readonly Rule[]>): Map<string, Set<string>> {
  const calls = new Map<string, Set<string>>();
  const walk = (cs: readonly Clause[], out: Set<string>): void => {
    for (const c of cs) {
      if (c.kind === 'rule') out.add(c.name);
      else if (c.kind === 'not') walk(c.clauses, out);
      else if (c.kind === 'or') for (const b of c.branches) walk(b, out);
    }
  };
  for (const [name, defs] of rules) {
    const out = new Set<string>();
    for (const d of defs) walk(d.clauses, out);
    calls.set(name, out);
  }
  const reach = (from: string): Set<string> => {
    const seen = new Set<string>();
    const stack = [...(calls.get(from) ?? [])];
    while (stack.length > 0) {
      const n = stack.pop() as string;
      if (seen.has(n)) continue;
      seen.add(n);
      for (const m of calls.get(n) ?? []) stack.push(m);
    }
    return seen;
  };
  const reaches = new Map([...rules.keys()].map((n) => [n, reach(n)]));
  const out = new Map<string, Set<string>>();
  for (const [n, r] of reaches) {
    if (!r.has(n)) continue;
    out.set(n, new Set([...r].filter((m) => reaches.get(m)?.has(n))));
  }
  return out;
}

/** Numbers the calls into `cycle` of a plan (nested plans included), from `start`; returns the next number. */
function numberCalls(plan: Plan, cycle: ReadonlySet<string>, start: number): number {
  let n = start;
  for (const s of plan.steps) {
    if (s.kind === 'rule' && s.inCycle && cycle.has(s.clause.name)) s.occurrence = n++;
    else if (s.kind === 'not') n = numberCalls(s.plan, cycle, n);
    else if (s.kind === 'or') for (const b of s.branches) n = numberCalls(b, cycle, n);
    else if (s.kind === 'rule') for (const b of s.bodies) n = numberCalls(b, cycle, n);
  }
  return n;
}
