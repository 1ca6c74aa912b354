import type { Datom } from '../model/datom.js';
import type { Scalar, Value } from '../model/value.js';
import { TX_BASE } from '../schema/bootstrap.js';

/**
 * The value to hand to a caller: Dates and byte arrays are mutable, so each reader gets its own
 * copy and the stored value cannot be changed from outside.
 */
export function exposeValue(v: Value): Value {
  if (typeof v !== 'object') return v;
  if (v instanceof Date) return new Date(v.getTime());
  if (v instanceof Uint8Array) return v.slice();
  if (Array.isArray(v) && v.some((x) => x instanceof Date || x instanceof Uint8Array)) {
    return Object.freeze((v as readonly (Scalar | null)[]).map((x) => (x === null ? null : (exposeValue(x) as Scalar))));
  }
  return v;
}

/**
 * A datom as reads hand it out. A class, so that every datom has one shape from the start: object
 * literals built in different places and tiers let the engine's shape for them drift, which made
 * scans run at a third of their speed in some runs and not others.
 */
class DatomRecord implements Datom {
  readonly e: number;
  readonly a: number;
  readonly v: Value;
  readonly tx: number;
  readonly added: boolean;
  constructor(e: number, a: number, v: Value, tx: number, added: boolean) {
    this.e = e;
    this.a = a;
    this.v = v;
    this.tx = tx;
    this.added = added;
  }
}

/**
 * Every datom row ever written, in columns: entity, attribute, value, t and whether it is an
 * assertion. Rows are only appended and never change, so a row number identifies one datom for
 * good and the indexes can be trees of row numbers. Columns keep the heap small: a row costs about
 * 24 bytes plus its value, where an object per datom would cost 60 or more.
 *
 * Rows written by a speculative `db.with` stay in the table unreferenced by committed values; that
 * waste is bounded by what the caller speculated.
 */
export class DatomTable {
  #e: Float64Array;
  #a: Int32Array;
  #t: Int32Array;
  #link: Int32Array;
  #v: Value[];
  #size = 0;

  constructor(capacity = 1024) {
    this.#e = new Float64Array(capacity);
    this.#a = new Int32Array(capacity);
    this.#t = new Int32Array(capacity);
    this.#link = new Int32Array(capacity);
    this.#v = [];
  }

  /** Number of rows. */
  get size(): number {
    return this.#size;
  }

  #grow(): void {
    const cap = this.#e.length * 2;
    const e = new Float64Array(cap);
    e.set(this.#e);
    this.#e = e;
    const a = new Int32Array(cap);
    a.set(this.#a);
    this.#a = a;
    const t = new Int32Array(cap);
    t.set(this.#t);
    this.#t = t;
    const link = new Int32Array(cap);
    link.set(this.#link);
    this.#link = link;
  }

  /**
   * Appends a row and returns its number. A retraction row links to the assertion row it retracts,
   * so that history needs to index only the retraction.
   */
  add(e: number, a: number, v: Value, t: number, added: boolean, link = -1): number {
    const r = this.#size;
    if (r === this.#e.length) this.#grow();
    this.#e[r] = e;
    this.#a[r] = a;
    // t is stored plus one so that the sign can carry `added` even at t = 0.
    this.#t[r] = added ? t + 1 : -(t + 1);
    this.#link[r] = link;
    this.#v.push(v);
    this.#size = r + 1;
    return r;
  }

  /** Entity of row `r`. */
  e(r: number): number {
    return this.#e[r] as number;
  }
  /** Attribute of row `r`. */
  a(r: number): number {
    return this.#a[r] as number;
  }
  /** Value of row `r`. */
  v(r: number): Value {
    return this.#v[r] as Value;
  }
  /** The t of row `r`. */
  t(r: number): number {
    const t = this.#t[r] as number;
    return t < 0 ? -t - 1 : t - 1;
  }
  /** For a retraction row, the assertion row it retracts; -1 otherwise. */
  link(r: number): number {
    return this.#link[r] as number;
  }
  /** Row `r` as a datom, its value copied where it is mutable. */
  datom(r: number): Datom {
    return new DatomRecord(this.#e[r] as number, this.#a[r] as number, exposeValue(this.#v[r] as Value), TX_BASE + this.t(r), (this.#t[r] as number) > 0);
  }
  /** True when row `r` is an assertion. */
  added(r: number): boolean {
    return (this.#t[r] as number) > 0;
  }
}
