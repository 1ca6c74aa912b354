import { BigDec } from '../model/big-dec.js';
import { EdnBigInt, EdnDouble } from '../model/edn-number.js';
import { Keyword } from '../model/keyword.js';
import { Sym } from '../model/sym.js';
import { Uri } from '../model/uri.js';
import { Uuid } from '../model/uuid.js';
import { EdnList } from './edn-list.js';
import { EdnSet } from './edn-set.js';
import { encodeBase64 } from './bytes-base64.js';
import { nameProblem } from './edn-names.js';

/** Below this size, sets and maps compare by scanning rather than by building a lookup. */
const SCAN_LIMIT = 8;
const MAX_SAFE = BigInt(Number.MAX_SAFE_INTEGER);
const MIN_SAFE = -MAX_SAFE;

function isPlainObject(x: object): boolean {
  const proto = Object.getPrototypeOf(x);
  return proto === Object.prototype || proto === null;
}

/** The key a plain-object property stands for in EDN: a keyword, or the string when it cannot be one. */
function objectKey(key: string): unknown {
  return nameProblem(key, 0, key.length, true) === undefined ? Keyword.of(key) : key;
}

/** A map-like value as entries, or `undefined` when `x` is not a `Map` or plain object. */
function mapEntries(x: object): [unknown, unknown][] | undefined {
  if (x instanceof Map) return [...x];
  if (isPlainObject(x)) return Object.entries(x).map(([k, v]) => [objectKey(k), v]);
  return undefined;
}

function numbersEqual(a: number, b: unknown): boolean {
  // A safe integer is a long; any other number is a double.
  if (Number.isSafeInteger(a)) {
    if (typeof b === 'number') return a === b;
    return typeof b === 'bigint' && BigInt(a) === b;
  }
  if (typeof b === 'number') return Object.is(a, b);
  return b instanceof EdnDouble && Object.is(a, b.value);
}

function elementsEqual(a: readonly unknown[], b: readonly unknown[]): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (!ednEquals(a[i], b[i])) return false;
  return true;
}

function setsEqual(a: readonly unknown[], b: readonly unknown[]): boolean {
  if (a.length !== b.length) return false;
  if (a.length <= SCAN_LIMIT) return a.every((x) => b.some((y) => ednEquals(x, y)));
  const set = new EdnValueSet();
  for (const y of b) set.add(y);
  return a.every((x) => set.has(x));
}

function entriesEqual(a: [unknown, unknown][], b: [unknown, unknown][], bMap: Map<unknown, unknown> | undefined): boolean {
  if (a.length !== b.length) return false;
  for (const [k, v] of a) {
    // Keys read from EDN are canonical, so an identity lookup finds them; fall back to a scan.
    if (bMap?.has(k)) {
      if (!ednEquals(v, bMap.get(k))) return false;
      continue;
    }
    const hit = b.find(([bk]) => ednEquals(k, bk));
    if (hit === undefined || !ednEquals(v, hit[1])) return false;
  }
  return true;
}

/**
 * Equality of EDN values, as EDN defines it rather than as JavaScript's `===` does. Two values are
 * equal when they print as the same EDN, up to the order of set elements and map entries:
 *
 * - a safe-integer `number` and a `bigint` are both longs (`1` equals `1n`), and differ from the
 *   double `EdnDouble(1)`; any other `number` is a double (NaN equals NaN, `-0.0` differs from `0.0`);
 * - `EdnBigInt`, `BigDec` (with its scale: `1.0M` differs from `1.00M`), `Sym`, `Uuid`, `Uri`,
 *   `Date` and `Uint8Array` compare by content, `Keyword` by identity (it is interned);
 * - `null` equals `undefined` (both are `nil`);
 * - arrays (vectors) and `EdnList`s compare element-wise and never equal each other; `EdnSet`s
 *   compare as sets; a `Map` and a plain object compare as maps, the object's keys standing for
 *   keywords (`{ 'a/b': 1 }` equals `new Map([[kw('a/b'), 1]])`);
 * - any other object only equals itself.
 *
 * The reader uses it to reject duplicate set elements and map keys.
 *
 * @example
 * ```ts
 * ednEquals(parseEdn('{:a #{1 2}}'), { a: new EdnSet([2, 1]) }) // true
 * ednEquals(parseEdn('1.0'), 1)                                // false: a double is not a long
 * ```
 */
export function ednEquals(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  switch (typeof a) {
    case 'number':
      return numbersEqual(a, b);
    case 'bigint':
      return typeof b === 'number' ? numbersEqual(b, a) : false;
    case 'undefined':
      return b === null;
    case 'object':
      break;
    default:
      return false;
  }
  if (a === null) return b === undefined;
  if (typeof b !== 'object' || b === null) return typeof b === 'number' && a instanceof EdnDouble && numbersEqual(b, a);
  if (a instanceof Keyword) return false;
  if (Array.isArray(a)) return Array.isArray(b) && elementsEqual(a, b);
  if (a instanceof EdnList) return b instanceof EdnList && elementsEqual(a.items, b.items);
  if (a instanceof EdnSet) return b instanceof EdnSet && setsEqual(a.items, b.items);
  if (a instanceof Sym) return b instanceof Sym && a.fqn === b.fqn;
  if (a instanceof EdnDouble) return b instanceof EdnDouble && Object.is(a.value, b.value);
  if (a instanceof EdnBigInt) return b instanceof EdnBigInt && a.value === b.value;
  if (a instanceof BigDec) return b instanceof BigDec && a.equals(b);
  if (a instanceof Date) return b instanceof Date && Object.is(a.getTime(), b.getTime());
  if (a instanceof Uuid) return b instanceof Uuid && a.text === b.text;
  if (a instanceof Uri) return b instanceof Uri && a.text === b.text;
  if (a instanceof Uint8Array) {
    return b instanceof Uint8Array && a.length === b.length && a.every((x, i) => x === b[i]);
  }
  const ea = mapEntries(a);
  if (ea === undefined) return false;
  const eb = mapEntries(b);
  return eb !== undefined && entriesEqual(ea, eb, b instanceof Map ? b : undefined);
}

/**
 * The text under which a scalar object is equal to others ({@link ednEquals}), `undefined` for a
 * collection (compared by scanning), or `null` for an object that only equals itself.
 */
function scalarKey(v: object): string | undefined | null {
  if (v instanceof Sym) return `y${v.fqn}`;
  if (v instanceof EdnDouble) return `d${Object.is(v.value, -0) ? '-0' : String(v.value)}`;
  if (v instanceof EdnBigInt) return `n${v.value}`;
  if (v instanceof BigDec) return `m${v.unscaled}e${v.scale}`;
  if (v instanceof Date) return `i${v.getTime()}`;
  if (v instanceof Uuid) return `u${v.text}`;
  if (v instanceof Uri) return `r${v.text}`;
  if (v instanceof Uint8Array) return `b${encodeBase64(v)}`;
  if (Array.isArray(v) || v instanceof EdnList || v instanceof EdnSet || v instanceof Map || isPlainObject(v)) return undefined;
  return null;
}

/**
 * A set of EDN values distinct by {@link ednEquals}, in near-constant time per value for scalars
 * (collections are compared by scanning the collections already added). The reader uses it to find
 * duplicate set elements and map keys.
 *
 * @example
 * ```ts
 * const seen = new EdnValueSet()
 * seen.add(sym('a')) // true
 * seen.add(sym('a')) // false: already there
 * ```
 */
export class EdnValueSet {
  readonly #identity = new Set<unknown>();
  #scalars: Set<string> | undefined;
  #collections: unknown[] | undefined;

  /** Adds `v`; false when an equal value was already there. */
  add(v: unknown): boolean {
    return this.#find(v, true);
  }

  /** True when a value equal to `v` is in the set. */
  has(v: unknown): boolean {
    return !this.#find(v, false);
  }

  /** Returns true when `v` was absent (and adds it if `insert`). */
  #find(v: unknown, insert: boolean): boolean {
    let key: unknown = v;
    if (v === undefined) key = null;
    else if (typeof v === 'number') key = Number.isSafeInteger(v) ? v : `d${String(v)}`;
    else if (typeof v === 'bigint') key = v >= MIN_SAFE && v <= MAX_SAFE ? Number(v) : v;
    if (typeof key === 'string' && typeof v === 'number') {
      this.#scalars ??= new Set();
      if (this.#scalars.has(key)) return false;
      if (insert) this.#scalars.add(key);
      return true;
    }
    if (typeof key !== 'object' || key === null || key instanceof Keyword) {
      if (this.#identity.has(key)) return false;
      if (insert) this.#identity.add(key);
      return true;
    }
    const scalar = scalarKey(key);
    if (scalar === null) {
      if (this.#identity.has(key)) return false;
      if (insert) this.#identity.add(key);
      return true;
    }
    if (scalar !== undefined) {
      this.#scalars ??= new Set();
      if (this.#scalars.has(scalar)) return false;
      if (insert) this.#scalars.add(scalar);
      return true;
    }
    this.#collections ??= [];
    if (this.#collections.some((c) => ednEquals(c, key))) return false;
    if (insert) this.#collections.push(key);
    return true;
  }
}
