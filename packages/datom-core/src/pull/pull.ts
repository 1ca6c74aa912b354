import { DatomError } from '../error/datom-error.js';
import type { IndexOrder, Probe } from '../index/index-order.js';
import type { Datom } from '../model/datom.js';
import { Keyword } from '../model/keyword.js';
import type { AttrInfo } from '../schema/schema.js';
import type { PullAttrOptions, PullElement, PullPattern, PullResult } from './pull-pattern.js';

/**
 * What pull reads from a database value: attributes, and the visible datoms or rows of an index
 * starting with a prefix, synchronously. A `DbValue` is one; pull needs nothing else of it.
 */
export interface PullSource {
  /** The attribute named by an ident or id; an error when there is none. */
  attrInfo(ref: string | number): AttrInfo;
  scanRows(order: IndexOrder, probe: Probe, limit?: number): number[];
  scanDatoms(order: IndexOrder, probe: Probe, limit?: number): Datom[];
}

/** Datomic's default limit on the values of one cardinality-many attribute. */
export const DEFAULT_PULL_LIMIT = 1000;
const MAX_RECURSION = 100;

interface Spec {
  readonly key: string;
  readonly attr: AttrInfo | null;
  readonly reverse: boolean;
  readonly isId: boolean;
  readonly as: string;
  readonly limit: number | null;
  readonly hasDefault: boolean;
  readonly default: unknown;
  /** Sub-pattern, or a recursion marker. */
  readonly sub: PullPattern | null;
  readonly recurse: number | null;
}

interface Compiled {
  readonly wildcard: boolean;
  readonly specs: readonly Spec[];
}

function bad(message: string, element: unknown): DatomError {
  return new DatomError('pull/pattern', message, { data: { element: JSON.stringify(element, (_, v) => (typeof v === 'bigint' ? String(v) : v)) ?? String(element) } });
}

function nameOf(x: unknown): string | null {
  if (typeof x === 'string') return x.startsWith(':') ? x.slice(1) : x;
  if (x instanceof Keyword) return x.fqn;
  return null;
}

function compile(db: PullSource, pattern: PullPattern): Compiled {
  if (!Array.isArray(pattern)) throw bad('A pull pattern must be a list', pattern);
  let wildcard = false;
  const specs: Spec[] = [];
  const attrSpec = (raw: unknown, options: PullAttrOptions, sub: PullPattern | null, recurse: number | null): Spec => {
    const name = nameOf(raw);
    if (name === null) throw bad('A pulled attribute must be named by a string or keyword', raw);
    if (name === 'db/id') {
      return { key: name, attr: null, reverse: false, isId: true, as: options.as ?? name, limit: null, hasDefault: false, default: undefined, sub: null, recurse: null };
    }
    const slash = name.indexOf('/_');
    const reverse = slash > 0;
    const attr = db.attrInfo(reverse ? `${name.slice(0, slash)}/${name.slice(slash + 2)}` : name);
    if (reverse && !attr.isRef) throw bad(`Reverse attribute ${name} names a non-ref attribute`, raw);
    const limit = options.limit === undefined ? DEFAULT_PULL_LIMIT : options.limit;
    return {
      key: name,
      attr,
      reverse,
      isId: false,
      as: options.as ?? name,
      limit,
      hasDefault: 'default' in options,
      default: options.default,
      sub,
      recurse,
    };
  };
  for (const el of pattern as readonly PullElement[]) {
    if (isStar(el)) {
      wildcard = true;
    } else if (typeof el === 'string' || el instanceof Keyword) {
      specs.push(attrSpec(el, {}, null, null));
    } else if (Array.isArray(el)) {
      const [raw, options] = el as readonly [string, PullAttrOptions?];
      specs.push(attrSpec(raw, options ?? {}, null, null));
    } else if (typeof el === 'object' && el !== null) {
      for (const [k, v] of el instanceof Map ? [...(el as Map<unknown, unknown>)] : Object.entries(el)) {
        const [raw, options] = Array.isArray(k) ? (k as [string, PullAttrOptions]) : [k, {}];
        if (v === '...' || (v instanceof Keyword && v.fqn === '...')) specs.push(attrSpec(raw, options, null, MAX_RECURSION));
        else if (typeof v === 'number') specs.push(attrSpec(raw, options, null, v));
        else if (Array.isArray(v)) specs.push(attrSpec(raw, options, v as PullPattern, null));
        else throw bad('A map in a pull pattern maps an attribute to a pattern, a depth or "..."', el);
      }
    } else throw bad('Unknown pull pattern element', el);
  }
  return { wildcard, specs };
}

interface Ctx {
  readonly db: PullSource;
  /** Patterns compiled in this pull, made at the first one that is not a lone wildcard. */
  cache: Map<PullPattern, Compiled> | null;
}

/** The pattern `['*']`, compiled: it names no attribute, so it is the same for every database. */
const WILDCARD: Compiled = { wildcard: true, specs: [] };

function isStar(el: unknown): boolean {
  return el === '*' || (el instanceof Keyword && el.fqn === '*');
}

function compiled(ctx: Ctx, p: PullPattern): Compiled {
  if (Array.isArray(p) && p.length === 1 && isStar(p[0])) return WILDCARD;
  const cache = (ctx.cache ??= new Map());
  let c = cache.get(p);
  if (c === undefined) {
    c = compile(ctx.db, p);
    cache.set(p, c);
  }
  return c;
}

function refOnly(e: number): PullResult {
  return { 'db/id': e };
}

/** The path of a top-level entity: nothing above it (never changed; a path below copies it). */
const NO_PATH: ReadonlySet<number> = new Set();

/**
 * Follows the refs of one pulled entity: made at its first ref (most pulls follow none), not as a
 * closure per entity.
 */
class RefFollower {
  /** A live object of this class, kept for the reason {@link lastResult} gives. */
  static readonly kept: RefFollower = new RefFollower(null as unknown as Ctx, [], 0, 0, NO_PATH);

  /** The path below the entity: its own path and itself. */
  #below: Set<number> | null = null;

  constructor(
    readonly ctx: Ctx,
    readonly pattern: PullPattern,
    readonly e: number,
    readonly depth: number,
    readonly path: ReadonlySet<number>,
  ) {}

  /** What ref value `v` of `a` pulls as: a nested entity (by `spec`'s pattern, recursion or a component) or `{db/id}`. */
  value(a: AttrInfo, v: number, spec: Spec | null): unknown {
    const next = (this.#below ??= new Set(this.path).add(this.e));
    const { ctx, depth } = this;
    if (spec?.sub) return pullEntity(ctx, spec.sub, v, depth + 1, next);
    if (spec?.recurse !== null && spec?.recurse !== undefined) {
      if (depth >= spec.recurse || next.has(v)) return refOnly(v);
      return pullEntity(ctx, this.pattern, v, depth + 1, next);
    }
    if (a.isComponent && !next.has(v)) return pullEntity(ctx, ['*'], v, depth + 1, next);
    return refOnly(v);
  }
}

function pullEntity(ctx: Ctx, pattern: PullPattern, e: number, depth: number, path: ReadonlySet<number>, read: Datom[] | null = null): PullResult {
  const c = compiled(ctx, pattern);
  const out: Record<string, unknown> = {};
  let refs: RefFollower | null = null;
  if (c.wildcard) {
    out['db/id'] = e;
    let i = 0;
    const ds = read ?? ctx.db.scanDatoms('eavt', [e]);
    while (i < ds.length) {
      const d = ds[i] as Datom;
      const a = ctx.db.attrInfo(d.a);
      let j = i + 1;
      while (j < ds.length && (ds[j] as Datom).a === d.a) j++;
      if (a.many) {
        const vals: unknown[] = [];
        for (let k = i; k < j; k++) {
          const v = (ds[k] as Datom).v;
          vals.push(a.isRef ? (refs ??= new RefFollower(ctx, pattern, e, depth, path)).value(a, v as number, null) : v);
        }
        out[a.ident.fqn] = vals;
      } else out[a.ident.fqn] = a.isRef ? (refs ??= new RefFollower(ctx, pattern, e, depth, path)).value(a, d.v as number, null) : d.v;
      i = j;
    }
  }
  for (const spec of c.specs) {
    if (spec.isId) {
      out[spec.as] = e;
      continue;
    }
    const a = spec.attr as AttrInfo;
    if (spec.reverse) {
      const limit = spec.limit ?? Number.POSITIVE_INFINITY;
      const rows = ctx.db.scanDatoms('vaet', [e, a.id], limit);
      if (rows.length === 0) {
        if (spec.hasDefault) out[spec.as] = spec.default;
        continue;
      }
      refs ??= new RefFollower(ctx, pattern, e, depth, path);
      const vals: unknown[] = [];
      for (const d of rows) vals.push(refs.value(a, d.e, spec));
      out[spec.as] = a.isComponent ? vals[0] : vals;
      continue;
    }
    const limit = a.many ? (spec.limit ?? Number.POSITIVE_INFINITY) : 1;
    const ds = ctx.db.scanDatoms('eavt', [e, a.id], limit);
    if (ds.length === 0) {
      if (spec.hasDefault) out[spec.as] = spec.default;
      else if (c.wildcard && spec.as !== a.ident.fqn) delete out[a.ident.fqn];
      continue;
    }
    const vals: unknown[] = [];
    for (const d of ds) vals.push(a.isRef ? (refs ??= new RefFollower(ctx, pattern, e, depth, path)).value(a, d.v as number, spec) : d.v);
    if (c.wildcard && spec.as !== a.ident.fqn) delete out[a.ident.fqn];
    out[spec.as] = a.many ? vals : vals[0];
  }
  return out;
}

/**
 * The last result of {@link pull}, kept alive until the next one. A result's object shape (its keys
 * in order) lives only while some object has it, and V8 drops optimized code that checks for a
 * shape no live object has: once a full collection had taken the results of a loop of pulls, the
 * next pulls ran in the interpreter until compiled again ("weak objects" deoptimizations).
 */
let lastResult: PullResult | null = null;

/**
 * Pulls `pattern` for entity `e` from `db`: `null` when the entity has no datoms there.
 *
 * @example
 * ```ts
 * pull(db, ['artist/name', { 'artist/releases': ['release/title'] }], e)
 * ```
 */
export function pull(db: PullSource, pattern: PullPattern, e: number): PullResult | null {
  if (e <= 0) return null;
  const ctx: Ctx = { db, cache: null };
  // A wildcard reads all the entity's datoms anyway: that one read also tells whether it exists.
  if (compiled(ctx, pattern).wildcard) {
    const datoms = db.scanDatoms('eavt', [e]);
    if (datoms.length === 0) return null;
    lastResult = pullEntity(ctx, pattern, e, 0, NO_PATH, datoms);
    return lastResult;
  }
  if (db.scanRows('eavt', [e], 1).length === 0) return null;
  lastResult = pullEntity(ctx, pattern, e, 0, NO_PATH);
  return lastResult;
}
