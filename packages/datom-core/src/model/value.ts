import { BigDec } from './big-dec.js';
import { Keyword } from './keyword.js';
import { Sym } from './sym.js';
import { Uri } from './uri.js';
import { Uuid } from './uuid.js';

/** A single value a datom can hold, other than a tuple. */
export type Scalar = string | number | bigint | boolean | Date | Keyword | Sym | BigDec | Uuid | Uri | Uint8Array;

/** A datom value: a scalar, or a tuple whose elements may be `null` (EDN `nil`). */
export type Value = Scalar | readonly (Scalar | null)[];

/**
 * Rank of each kind of value in the total order across types. Within one attribute every value has
 * the same type, so the rank only matters for tuples with `nil` and for mixed comparisons:
 * null < boolean < number (long, double, float, bigint, compared numerically) < bigdec < instant <
 * string < keyword < symbol < uuid < uri < bytes < tuple.
 */
export function valueRank(v: Value | null | undefined): number {
  if (v === null || v === undefined) return 0;
  switch (typeof v) {
    case 'boolean':
      return 1;
    case 'number':
    case 'bigint':
      return 2;
    case 'string':
      return 5;
    default:
      if (v instanceof Keyword) return 6;
      if (v instanceof BigDec) return 3;
      if (v instanceof Date) return 4;
      if (v instanceof Sym) return 7;
      if (v instanceof Uuid) return 8;
      if (v instanceof Uri) return 9;
      if (v instanceof Uint8Array) return 10;
      if (Array.isArray(v)) return 11;
      return 12;
  }
}

function compareStrings(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** Two uuids in the order of their text: by their leading digits first (see {@link Uuid.lead}). */
function compareUuids(a: Uuid, b: Uuid): number {
  const x = a.lead;
  const y = b.lead;
  if (x !== y) return x < y ? -1 : 1;
  return compareStrings(a.text, b.text);
}

function compareNumeric(a: number | bigint, b: number | bigint): number {
  // JS compares a number with a bigint exactly across the two representations.
  if (a < b) return -1;
  if (a > b) return 1;
  // Equal, or NaN on a side (which `<` and `>` leave unordered): NaN sorts after every number and
  // equals only itself, else it would equal every number and break the order of the indexes.
  const na = Number.isNaN(a);
  const nb = Number.isNaN(b);
  return na === nb ? 0 : na ? 1 : -1;
}

function compareBytes(a: Uint8Array, b: Uint8Array): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    const d = (a[i] as number) - (b[i] as number);
    if (d !== 0) return d < 0 ? -1 : 1;
  }
  return a.length - b.length < 0 ? -1 : a.length > b.length ? 1 : 0;
}

/**
 * The total order on values used by every index: first by {@link valueRank}, then within the kind.
 * Numbers order numerically with NaN last; strings, keywords and symbols by UTF-16 code units;
 * instants by time; bytes and tuples lexicographically.
 *
 * @example
 * ```ts
 * compareValues(1, 2) // -1
 * ```
 */
export function compareValues(a: Value | null | undefined, b: Value | null | undefined): number {
  if (a === b) return 0;
  const ta = typeof a;
  if (ta === typeof b) {
    if (ta === 'number') {
      const x = a as number;
      const y = b as number;
      if (x < y) return -1;
      if (x > y) return 1;
      if (x === y) return 0;
      return compareNumeric(x, y);
    }
    if (ta === 'string') return (a as string) < (b as string) ? -1 : 1;
    // Two values of one class: no rank to work out (uuids and keywords fill unique and ref-like
    // attributes, and every index comparison of them came through the instanceof chain below).
    if (ta === 'object' && a !== null && b !== null) {
      const c = (a as object).constructor;
      if (c === (b as object).constructor) {
        if (c === Uuid) return compareUuids(a as Uuid, b as Uuid);
        if (c === Keyword) return compareStrings((a as Keyword).fqn, (b as Keyword).fqn);
        if (c === Date) {
          const d = (a as Date).getTime() - (b as Date).getTime();
          return d < 0 ? -1 : d > 0 ? 1 : 0;
        }
      }
    }
  }
  const ra = valueRank(a);
  const rb = valueRank(b);
  if (ra !== rb) return ra < rb ? -1 : 1;
  switch (ra) {
    case 0:
      return 0;
    case 1:
      return a === b ? 0 : a ? 1 : -1;
    case 2:
      return compareNumeric(a as number | bigint, b as number | bigint);
    case 3:
      return (a as BigDec).compare(b as BigDec) || (a as BigDec).scale - (b as BigDec).scale;
    case 4: {
      const d = (a as Date).getTime() - (b as Date).getTime();
      return d < 0 ? -1 : d > 0 ? 1 : 0;
    }
    case 5:
      return compareStrings(a as string, b as string);
    case 6:
      return compareStrings((a as Keyword).fqn, (b as Keyword).fqn);
    case 7:
      return compareStrings((a as Sym).fqn, (b as Sym).fqn);
    case 8:
      return compareUuids(a as Uuid, b as Uuid);
    case 9:
      return compareStrings((a as Uri).text, (b as Uri).text);
    case 10:
      return compareBytes(a as Uint8Array, b as Uint8Array);
    case 11: {
      const x = a as readonly (Scalar | null)[];
      const y = b as readonly (Scalar | null)[];
      const n = Math.min(x.length, y.length);
      for (let i = 0; i < n; i++) {
        const c = compareValues(x[i], y[i]);
        if (c !== 0) return c;
      }
      return x.length < y.length ? -1 : x.length > y.length ? 1 : 0;
    }
    default:
      return 0;
  }
}

/**
 * Value equality as the indexes see it: equal when {@link compareValues} is 0, except that a
 * `BigDec` must also have the same scale (as in Datomic, `1.0M` and `1.00M` are different values).
 *
 * @example
 * ```ts
 * valuesEqual(new Date(0), new Date(0)) // true
 * ```
 */
export function valuesEqual(a: Value | null | undefined, b: Value | null | undefined): boolean {
  return a === b || compareValues(a, b) === 0;
}
