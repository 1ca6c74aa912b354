import { type Database, DatomError, EdnList, Keyword, Sym, compareValues, kw, readDatoms, valuesEqual } from '@datomkit/datom-core';
import type { Value } from '@datomkit/datom-core';

/** A function callable from a query: built in, or from the caller's registry. */
export type QueryFunction = (...args: unknown[]) => unknown;

/** Clojure's truthiness: everything but `null`, `undefined` and `false`. */
export function truthy(x: unknown): boolean {
  return x !== null && x !== undefined && x !== false;
}

/** Equality as queries see it: index equality for database values, deep for vectors. */
export function equal(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (a === null || b === null || a === undefined || b === undefined) return false;
  if (Array.isArray(a) || Array.isArray(b)) {
    if (!Array.isArray(a) || !Array.isArray(b) || a.length !== b.length) return false;
    for (let i = 0; i < a.length; i++) if (!equal(a[i], b[i])) return false;
    return true;
  }
  if (typeof a === 'object' || typeof b === 'object') {
    try {
      return valuesEqual(a as Value, b as Value);
    } catch {
      return false;
    }
  }
  return false;
}

function cmp(a: unknown, b: unknown): number {
  if (typeof a === 'number' && typeof b === 'number') return a < b ? -1 : a > b ? 1 : 0;
  return compareValues(a as Value, b as Value);
}

function chain(test: (c: number) => boolean): QueryFunction {
  return (...xs) => {
    for (let i = 1; i < xs.length; i++) if (!test(cmp(xs[i - 1], xs[i]))) return false;
    return true;
  };
}

type Num = number | bigint;

function num(x: unknown, fn: string): Num {
  if (typeof x === 'number' || typeof x === 'bigint') return x;
  throw new TypeError(`${fn} takes numbers, got ${describe(x)}`);
}

function arith(fn: string, op: (a: Num, b: Num) => Num, unit: number | null): QueryFunction {
  return (...xs) => {
    if (xs.length === 0) {
      if (unit === null) throw new TypeError(`${fn} needs at least one argument`);
      return unit;
    }
    let acc = num(xs[0], fn);
    if (xs.length === 1 && (fn === '-' || fn === '/')) return op(typeof acc === 'bigint' ? 0n : fn === '/' ? 1 : 0, acc);
    for (let i = 1; i < xs.length; i++) {
      const b = num(xs[i], fn);
      acc = typeof acc === typeof b ? op(acc, b) : op(Number(acc), Number(b));
    }
    return acc;
  };
}

function describe(x: unknown): string {
  if (x === null || x === undefined) return 'nil';
  if (typeof x === 'string') return JSON.stringify(x);
  return String(x);
}

/** Clojure's `str` of one value. */
export function strOf(x: unknown): string {
  if (x === null || x === undefined) return '';
  if (x instanceof Keyword) return `:${x.fqn}`;
  if (x instanceof Date) return x.toISOString();
  return String(x);
}

function str(x: unknown, fn: string): string {
  if (typeof x === 'string') return x;
  throw new TypeError(`${fn} takes a string, got ${describe(x)}`);
}

function regex(x: unknown, fn: string): RegExp {
  if (x instanceof RegExp) return x;
  if (typeof x === 'string') return new RegExp(x);
  throw new TypeError(`${fn} takes a pattern (re-pattern) or a string, got ${describe(x)}`);
}

function reGroups(m: RegExpMatchArray | null): unknown {
  if (m === null) return null;
  return m.length === 1 ? m[0] : m.map((g) => g ?? null);
}

function int(x: unknown, fn: string): number {
  if (typeof x === 'number' && Number.isInteger(x)) return x;
  throw new TypeError(`${fn} takes an integer, got ${describe(x)}`);
}

function countOf(x: unknown): number {
  if (x === null || x === undefined) return 0;
  if (typeof x === 'string' || Array.isArray(x)) return x.length;
  if (x instanceof Map || x instanceof Set) return x.size;
  if (x instanceof EdnList) return x.items.length;
  if (typeof x === 'object' && Symbol.iterator in (x as object)) return [...(x as Iterable<unknown>)].length;
  throw new TypeError(`count takes a collection or a string, got ${describe(x)}`);
}

function dbArg(x: unknown, fn: string): Database {
  if (x !== null && typeof x === 'object' && typeof (x as Database).datoms === 'function') return x as Database;
  throw new TypeError(`${fn} takes a database ($) as its first argument`);
}

/** Values of `attr` of entity `e`, as datoms hold them. */
function valuesOf(db: Database, e: unknown, attr: unknown): Value[] {
  if (db.attribute(attr as never) === null) throw new TypeError(`Unknown attribute ${strOf(attr)}`);
  return readDatoms(db, 'eavt', e, attr).map((d) => d.v);
}

function isCardMany(db: Database, attr: unknown): boolean {
  return db.attribute(attr as never)?.cardinality === 'many';
}

/** The built-in functions and predicates, by the name a query calls them. */
export const BUILTINS: ReadonlyMap<string, QueryFunction> = new Map<string, QueryFunction>([
  ['=', (...xs) => xs.every((x) => equal(x, xs[0]))],
  ['==', (...xs) => xs.every((x) => equal(x, xs[0]))],
  ['!=', (...xs) => !xs.every((x) => equal(x, xs[0]))],
  ['not=', (...xs) => !xs.every((x) => equal(x, xs[0]))],
  ['<', chain((c) => c < 0)],
  ['>', chain((c) => c > 0)],
  ['<=', chain((c) => c <= 0)],
  ['>=', chain((c) => c >= 0)],
  ['compare', (a, b) => cmp(a, b)],
  ['+', arith('+', (a, b) => (a as number) + (b as number), 0)],
  ['-', arith('-', (a, b) => (a as number) - (b as number), null)],
  ['*', arith('*', (a, b) => (a as number) * (b as number), 1)],
  [
    '/',
    arith(
      '/',
      (a, b) => {
        if (Number(b) === 0) throw new RangeError('Divide by zero');
        return typeof a === 'bigint' ? (a % (b as bigint) === 0n ? a / (b as bigint) : Number(a) / Number(b)) : (a as number) / (b as number);
      },
      null,
    ),
  ],
  [
    'quot',
    (a, b) => {
      const x = num(a, 'quot');
      const y = num(b, 'quot');
      if (Number(y) === 0) throw new RangeError('Divide by zero');
      return typeof x === 'bigint' && typeof y === 'bigint' ? x / y : Math.trunc(Number(x) / Number(y));
    },
  ],
  [
    'rem',
    (a, b) => {
      const x = num(a, 'rem');
      const y = num(b, 'rem');
      if (Number(y) === 0) throw new RangeError('Divide by zero');
      return typeof x === 'bigint' && typeof y === 'bigint' ? x % y : Number(x) % Number(y);
    },
  ],
  [
    'mod',
    (a, b) => {
      const x = num(a, 'mod');
      const y = num(b, 'mod');
      if (Number(y) === 0) throw new RangeError('Divide by zero');
      if (typeof x === 'bigint' && typeof y === 'bigint') {
        const m = x % y;
        return m !== 0n && m < 0n !== y < 0n ? m + y : m;
      }
      const m = Number(x) % Number(y);
      return m !== 0 && m < 0 !== Number(y) < 0 ? m + Number(y) : m;
    },
  ],
  ['inc', (a) => (typeof a === 'bigint' ? a + 1n : (num(a, 'inc') as number) + 1)],
  ['dec', (a) => (typeof a === 'bigint' ? a - 1n : (num(a, 'dec') as number) - 1)],
  ['abs', (a) => (typeof a === 'bigint' ? (a < 0n ? -a : a) : Math.abs(num(a, 'abs') as number))],
  ['max', (...xs) => xs.reduce((m, x) => (cmp(x, m) > 0 ? x : m))],
  ['min', (...xs) => xs.reduce((m, x) => (cmp(x, m) < 0 ? x : m))],
  ['zero?', (x) => Number(num(x, 'zero?')) === 0],
  ['pos?', (x) => Number(num(x, 'pos?')) > 0],
  ['neg?', (x) => Number(num(x, 'neg?')) < 0],
  ['even?', (x) => (typeof x === 'bigint' ? x % 2n === 0n : int(x, 'even?') % 2 === 0)],
  ['odd?', (x) => (typeof x === 'bigint' ? x % 2n !== 0n : Math.abs(int(x, 'odd?') % 2) === 1)],
  ['true?', (x) => x === true],
  ['false?', (x) => x === false],
  ['nil?', (x) => x === null || x === undefined],
  ['some?', (x) => x !== null && x !== undefined],
  ['not', (x) => !truthy(x)],
  ['identity', (x) => x],
  ['str', (...xs) => xs.map(strOf).join('')],
  [
    'subs',
    (s, start, end) => {
      const t = str(s, 'subs');
      const a = int(start, 'subs');
      const b = end === undefined ? t.length : int(end, 'subs');
      if (a < 0 || b > t.length || a > b) throw new RangeError(`subs: range ${a}..${b} is outside a string of length ${t.length}`);
      return t.slice(a, b);
    },
  ],
  ['count', countOf],
  ['empty?', (x) => countOf(x) === 0],
  [
    'contains?',
    (coll, k) => {
      if (coll instanceof Set) return [...coll].some((x) => equal(x, k));
      if (coll instanceof Map) return [...coll.keys()].some((x) => equal(x, k));
      if (Array.isArray(coll)) return typeof k === 'number' && Number.isInteger(k) && k >= 0 && k < coll.length;
      if (coll !== null && typeof coll === 'object' && 'items' in coll) return (coll as { items: unknown[] }).items.some((x) => equal(x, k));
      return false;
    },
  ],
  ['re-pattern', (s) => regex(s, 're-pattern')],
  ['re-find', (re, s) => reGroups(str(s, 're-find').match(regex(re, 're-find')))],
  [
    're-matches',
    (re, s) => {
      const r = regex(re, 're-matches');
      const m = str(s, 're-matches').match(new RegExp(`^(?:${r.source})$`, r.flags));
      return reGroups(m);
    },
  ],
  [
    're-seq',
    (re, s) => {
      const r = regex(re, 're-seq');
      const all = [...str(s, 're-seq').matchAll(new RegExp(r.source, r.flags.includes('g') ? r.flags : `${r.flags}g`))].map((m) => reGroups(m));
      return all.length === 0 ? null : all;
    },
  ],
  ['vector', (...xs) => xs],
  ['list', (...xs) => xs],
  ['tuple', (...xs) => xs],
  [
    'untuple',
    (t) => {
      if (!Array.isArray(t)) throw new TypeError(`untuple takes a tuple, got ${describe(t)}`);
      return t;
    },
  ],
  [
    'keyword',
    (a, b) => {
      if (a instanceof Keyword && b === undefined) return a;
      if (b === undefined) return kw(strOf(a instanceof Sym ? a.fqn : a).replace(/^:/, ''));
      return kw(a === null || a === undefined ? str(b, 'keyword') : `${str(a, 'keyword')}/${str(b, 'keyword')}`);
    },
  ],
  [
    'name',
    (x) => {
      if (x instanceof Keyword || x instanceof Sym) return x.name;
      return str(x, 'name');
    },
  ],
  [
    'namespace',
    (x) => {
      if (x instanceof Keyword || x instanceof Sym) return x.namespace;
      throw new TypeError(`namespace takes a keyword or a symbol, got ${describe(x)}`);
    },
  ],
  ['ground', (x) => x],
  [
    'get-else',
    (db, e, attr, dflt) => {
      const d = dbArg(db, 'get-else');
      if (isCardMany(d, attr)) throw new TypeError(`get-else takes a cardinality-one attribute, ${strOf(attr)} is cardinality many`);
      if (dflt === null || dflt === undefined) throw new TypeError('get-else needs a default that is not nil');
      const vs = valuesOf(d, e, attr);
      return vs.length === 0 ? dflt : vs[0];
    },
  ],
  [
    'get-some',
    (db, e, ...attrs) => {
      const d = dbArg(db, 'get-some');
      for (const a of attrs) {
        const vs = valuesOf(d, e, a);
        const id = d.attribute(a as never)?.ident ?? a;
        if (vs.length > 0) return [id, vs[0]];
      }
      return null;
    },
  ],
  ['missing?', (db, e, attr) => valuesOf(dbArg(db, 'missing?'), e, attr).length === 0],
  ['clojure.string/starts-with?', (s, p) => str(s, 'starts-with?').startsWith(str(p, 'starts-with?'))],
  ['clojure.string/ends-with?', (s, p) => str(s, 'ends-with?').endsWith(str(p, 'ends-with?'))],
  ['clojure.string/includes?', (s, p) => str(s, 'includes?').includes(str(p, 'includes?'))],
  ['clojure.string/blank?', (s) => s === null || s === undefined || str(s, 'blank?').trim() === ''],
  ['clojure.string/lower-case', (s) => str(s, 'lower-case').toLowerCase()],
  ['clojure.string/upper-case', (s) => str(s, 'upper-case').toUpperCase()],
  ['clojure.string/trim', (s) => str(s, 'trim').trim()],
  ['clojure.string/join', (sep, coll) => (coll === undefined ? [...(sep as Iterable<unknown>)].map(strOf).join('') : [...(coll as Iterable<unknown>)].map(strOf).join(str(sep, 'join')))],
]);

/** Functions that take a database as their first argument (`$`). */
export const DB_FUNCTIONS: ReadonlySet<string> = new Set(['get-else', 'get-some', 'missing?']);

/** Wraps a failure inside a function call as `query/fn-failed`, naming the clause. */
export function fnFailed(fn: string, clause: string, err: unknown): DatomError {
  if (err instanceof DatomError) return err;
  return new DatomError('query/fn-failed', `${fn} failed in ${clause}: ${(err as Error).message ?? String(err)}`, { data: { clause, fn }, cause: err });
}
