import type { Datom } from '../model/datom.js';
import { compareValues, type Scalar, type Value } from '../model/value.js';
import { TX_BASE } from '../schema/bootstrap.js';
import type { CachedPage } from './cached-page.js';

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
  /** A live datom, kept so that a full collection leaves the read paths optimized (see `Filler.kept` in db/column-read.ts). */
  static readonly kept: DatomRecord = new DatomRecord(0, 0, 0, 0, true);

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

/** Rows per page of a table kept in storage: 2^ROW_PAGE_SHIFT. */
export const ROW_PAGE_SHIFT = 9;
/** Rows per page. */
export const ROW_PAGE_ROWS = 1 << ROW_PAGE_SHIFT;
const ROW_MASK = ROW_PAGE_ROWS - 1;

/**
 * The rows of one page in columns, as {@link DatomTable} stores them (t signed, plus one). Plain
 * arrays, on the JS heap: pages come and go through the cache, and typed arrays, allocated outside
 * the heap, left the process's resident memory fragmented.
 */
export interface RowColumns {
  readonly e: number[];
  readonly a: number[];
  readonly t: number[];
  readonly link: number[];
  readonly v: Value[];
}

/** One row held outside its page (a branch's first row, which tree searches compare against). */
export interface PinnedRow {
  readonly e: number;
  readonly a: number;
  /** t plus one, negative for a retraction, as stored. */
  readonly t: number;
  readonly link: number;
  readonly v: Value;
}

/**
 * Rows held outside their pages: the first row of each stored branch, kept for good (searches
 * compare with them on every descent), and the first rows of the leaves of loaded branches, held
 * while the branch is loaded. Without them, finding the leaf within a branch would load a table page
 * for each row compared.
 */
export class RowPins {
  readonly #rows = new Map<number, PinnedRow>();
  /** How many loaded branches hold a row that is not kept for good. */
  readonly #holds = new Map<number, number>();

  /** The row `r`, if pinned. */
  get(r: number): PinnedRow | undefined {
    return this.#rows.get(r);
  }

  /** Pins `r` for good. */
  keep(r: number, row: PinnedRow): void {
    this.#rows.set(r, row);
    this.#holds.delete(r);
  }

  /** Pins `r` until as many {@link RowPins.release}s. */
  hold(r: number, row: PinnedRow): void {
    const n = this.#holds.get(r);
    if (n !== undefined) this.#holds.set(r, n + 1);
    else if (!this.#rows.has(r)) {
      this.#rows.set(r, row);
      this.#holds.set(r, 1);
    }
  }

  /** Releases one hold of `r`. */
  release(r: number): void {
    const n = this.#holds.get(r);
    if (n === undefined) return;
    if (n > 1) this.#holds.set(r, n - 1);
    else {
      this.#holds.delete(r);
      this.#rows.delete(r);
    }
  }
}

/** Where the rows below a table's base come from: pages loaded synchronously, on demand. */
export interface RowPageSource {
  /** The rows of page `k` (rows k * ROW_PAGE_ROWS onwards). */
  loadRows(k: number): RowColumns;
  /** Registers a loaded page with the cache that bounds memory. */
  track(page: CachedPage): void;
  /** Registers the columns that held rows in memory until a checkpoint wrote them (read in place while kept). */
  keep(page: CachedPage): void;
}

interface RowPage extends RowColumns, CachedPage {}

/** Columns a rebase took out of memory, rows `from` to `to` (see {@link DatomTable.rebase}). */
interface Retired extends CachedPage {
  readonly from: number;
  readonly to: number;
  readonly e: Float64Array;
  readonly a: Int32Array;
  readonly t: Int32Array;
  readonly link: Int32Array;
  readonly v: readonly Value[];
}

/** A value column of `cap` slots holding `count` values of `from` from `start` on (grown or cut by a rebase). */
function valuesAt(from: readonly Value[], start: number, count: number, cap: number): Value[] {
  const v = new Array<Value>(cap);
  for (let j = 0; j < count; j++) v[j] = from[start + j] as Value;
  return v;
}

/** A datom of a row's columns as stored (`st`: t plus one, negative for a retraction), its value copied where it is mutable. */
function storedDatom(e: number, a: number, v: Value, st: number): Datom {
  return new DatomRecord(e, a, exposeValue(v), TX_BASE + (st < 0 ? -st - 1 : st - 1), st > 0);
}

/**
 * Every datom row ever written, in columns: entity, attribute, value, t and whether it is an
 * assertion. Rows are only appended and never change, so a row number identifies one datom for
 * good and the indexes can be trees of row numbers. Columns keep the heap small: a row costs about
 * 24 bytes plus its value, where an object per datom would cost 60 or more.
 *
 * In a durable database the rows below {@link DatomTable.base} are in storage, in pages of
 * {@link ROW_PAGE_ROWS} rows loaded when first read and dropped by the page cache under memory
 * pressure; the rows a checkpoint has not written yet are in memory.
 *
 * Rows written by a speculative `db.with` stay in the table unreferenced by committed values; that
 * waste is bounded by what the caller speculated.
 */
export class DatomTable {
  /** A live object of this class, kept for the reason `Filler.kept` (db/column-read.ts) gives: a database's own die when it is closed, and the next database's code ran unoptimized. */
  static readonly kept: DatomTable = new DatomTable(1);

  #e: Float64Array;
  #a: Int32Array;
  #t: Int32Array;
  #link: Int32Array;
  #v: Value[];
  /** Rows in memory. */
  #n = 0;
  /** Rows below this are in pages. */
  #base = 0;
  #pages: (RowPage | undefined)[] = [];
  #pinned = new RowPins();
  #pinOut: PinnedRow | null = null;
  #source: RowPageSource | null = null;
  /**
   * The columns that held the rows the last rebase took out of memory (`from` to `to`), while the
   * cache keeps them: those rows are read from them in place instead of loaded and decoded.
   */
  #retired: Retired | null = null;

  constructor(capacity = 1024) {
    this.#e = new Float64Array(capacity);
    this.#a = new Int32Array(capacity);
    this.#t = new Int32Array(capacity);
    this.#link = new Int32Array(capacity);
    this.#v = new Array<Value>(capacity);
  }

  /** A table whose first `base` rows are in `source`; `pins` holds rows kept outside their pages. */
  static paged(base: number, source: RowPageSource, pins: RowPins): DatomTable {
    const t = new DatomTable();
    t.#base = base;
    t.#source = source;
    t.#pinned = pins;
    return t;
  }

  /** Number of rows. */
  get size(): number {
    return this.#base + this.#n;
  }

  /** Rows below this are kept in storage pages. */
  get base(): number {
    return this.#base;
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
    // The values grow with the other columns, by doubling: pushed one at a time, a million rows
    // cost half as much again in the copies of a growing array.
    this.#v = valuesAt(this.#v, 0, this.#n, cap);
  }

  /**
   * Appends a row and returns its number. A retraction row links to the assertion row it retracts,
   * so that history needs to index only the retraction.
   */
  add(e: number, a: number, v: Value, t: number, added: boolean, link = -1): number {
    const i = this.#n;
    if (i === this.#e.length) this.#grow();
    this.#e[i] = e;
    this.#a[i] = a;
    // t is stored plus one so that the sign can carry `added` even at t = 0.
    this.#t[i] = added ? t + 1 : -(t + 1);
    this.#link[i] = link;
    this.#v[i] = v;
    this.#n = i + 1;
    return this.#base + i;
  }

  /**
   * The rows below `base` are now in `source` (a checkpoint wrote them): they leave memory, and are
   * read from pages from now on. `pinned` adds rows to keep in memory.
   */
  rebase(base: number, source: RowPageSource, pinned: ReadonlyMap<number, PinnedRow>): void {
    if (base < this.#base || base > this.size) throw new RangeError(`rebase to ${base}: the table has rows ${this.#base}..${this.size}`);
    const drop = base - this.#base;
    const keep = this.#n - drop;
    // A page that was partly in memory has more rows in storage now: load it again when read.
    for (let k = this.#base >>> ROW_PAGE_SHIFT; k <= base >>> ROW_PAGE_SHIFT; k++) this.#pages[k] = undefined;
    // The rows leaving memory stay readable from their columns while the cache keeps them (it drops
    // them when it needs the room): the first reads after a checkpoint would otherwise load and
    // decode what was in memory a moment before. Nothing is copied here.
    const retired: Retired = {
      from: this.#base,
      to: base,
      e: this.#e,
      a: this.#a,
      t: this.#t,
      link: this.#link,
      v: this.#v,
      bytes: this.#e.length * 24 + this.#n * 48,
      used: true,
      evict: () => {
        if (this.#retired === retired) this.#retired = null;
      },
    };
    this.#retired = drop > 0 ? retired : null;
    const cap = Math.max(1024, keep * 2);
    const cut = <T extends Float64Array | Int32Array>(col: T, make: (n: number) => T): T => {
      const out = make(cap);
      out.set(col.subarray(drop, this.#n) as T);
      return out;
    };
    this.#e = cut(this.#e, (n) => new Float64Array(n));
    this.#a = cut(this.#a, (n) => new Int32Array(n));
    this.#t = cut(this.#t, (n) => new Int32Array(n));
    this.#link = cut(this.#link, (n) => new Int32Array(n));
    this.#v = valuesAt(this.#v, drop, keep, cap);
    this.#n = keep;
    this.#base = base;
    this.#source = source;
    for (const [r, row] of pinned) this.#pinned.keep(r, row);
    if (this.#retired !== null) source.keep(this.#retired);
  }

  /** The page of base row `r`, loaded if needed; null when `r` is pinned and its page not loaded. */
  #page(r: number): RowPage | null {
    const k = r >>> ROW_PAGE_SHIFT;
    const p = this.#pages[k];
    if (p !== undefined) {
      p.used = true;
      return p;
    }
    const pin = this.#pinned.get(r);
    if (pin !== undefined) {
      this.#pinOut = pin;
      return null;
    }
    const source = this.#source;
    if (source === null || r < 0) throw new RangeError(`No row ${r}`);
    const page = this.#pageOf(k, source.loadRows(k));
    source.track(page);
    return page;
  }

  /** Makes `cols` page `k`, held until the cache evicts it. */
  #pageOf(k: number, cols: RowColumns): RowPage {
    const pages = this.#pages;
    const page: RowPage = {
      ...cols,
      // Columns, plus an estimate for the values.
      bytes: cols.e.length * 28 + cols.v.length * 48,
      used: true,
      evict() {
        if (pages[k] === page) pages[k] = undefined;
      },
    };
    pages[k] = page;
    return page;
  }

  /**
   * Where base row `r` is in the retired columns (marking them used), or -1 when they are gone or
   * do not hold it. Accessors read a retired row in place: the first reads after a checkpoint would
   * otherwise copy a page of rows out of them for each row they touch (389 pages, 15 MB of new
   * arrays, in the first 2000 pulls after a 200k-entity import).
   */
  #inRetired(r: number): number {
    const old = this.#retired;
    if (old === null || r < old.from || r >= old.to) return -1;
    old.used = true;
    return r - old.from;
  }

  /** The pinned row that the last {@link DatomTable.#page} returning null found (one map lookup, not two). */
  #pin(): PinnedRow {
    return this.#pinOut as PinnedRow;
  }

  /** Entity of row `r`. */
  e(r: number): number {
    const i = r - this.#base;
    if (i >= 0) return this.#e[i] as number;
    const o = this.#inRetired(r);
    if (o >= 0) return (this.#retired as Retired).e[o] as number;
    const p = this.#page(r);
    return p !== null ? (p.e[r & ROW_MASK] as number) : this.#pin().e;
  }
  /**
   * Entity of row `r` when reading it loads no page (a row in memory, in a loaded page or pinned);
   * NaN otherwise. Searches that keep entities use it so as to read no more pages than a search.
   */
  entityIfLoaded(r: number): number {
    const i = r - this.#base;
    if (i >= 0) return this.#e[i] as number;
    const o = this.#inRetired(r);
    if (o >= 0) return (this.#retired as Retired).e[o] as number;
    const p = this.#pages[r >>> ROW_PAGE_SHIFT];
    if (p !== undefined) return p.e[r & ROW_MASK] as number;
    return this.#pinned.get(r)?.e ?? Number.NaN;
  }
  /** Attribute of row `r`. */
  a(r: number): number {
    const i = r - this.#base;
    if (i >= 0) return this.#a[i] as number;
    const o = this.#inRetired(r);
    if (o >= 0) return (this.#retired as Retired).a[o] as number;
    const p = this.#page(r);
    return p !== null ? (p.a[r & ROW_MASK] as number) : this.#pin().a;
  }
  /** Value of row `r`. */
  v(r: number): Value {
    const i = r - this.#base;
    if (i >= 0) return this.#v[i] as Value;
    const o = this.#inRetired(r);
    if (o >= 0) return (this.#retired as Retired).v[o] as Value;
    const p = this.#page(r);
    return p !== null ? (p.v[r & ROW_MASK] as Value) : this.#pin().v;
  }
  /**
   * Row `r`'s attribute and value against `a` and `v`, attribute first (AVET's order): one page
   * lookup for both, as a unique-value lookup compares a dozen rows of as many pages.
   */
  compareAttrValue(r: number, a: number, v: Value): number {
    const i = r - this.#base;
    let ra: number;
    let rv: Value;
    const o = i >= 0 ? -1 : this.#inRetired(r);
    if (i >= 0) {
      ra = this.#a[i] as number;
      rv = this.#v[i] as Value;
    } else if (o >= 0) {
      const old = this.#retired as Retired;
      ra = old.a[o] as number;
      rv = old.v[o] as Value;
    } else {
      const p = this.#page(r);
      if (p !== null) {
        const j = r & ROW_MASK;
        ra = p.a[j] as number;
        rv = p.v[j] as Value;
      } else {
        const pin = this.#pin();
        ra = pin.a;
        rv = pin.v;
      }
    }
    return ra < a ? -1 : ra > a ? 1 : compareValues(rv, v);
  }
  /** t of row `r` as stored: plus one, negative for a retraction. */
  #st(r: number): number {
    const i = r - this.#base;
    if (i >= 0) return this.#t[i] as number;
    const o = this.#inRetired(r);
    if (o >= 0) return (this.#retired as Retired).t[o] as number;
    const p = this.#page(r);
    return p !== null ? (p.t[r & ROW_MASK] as number) : this.#pin().t;
  }
  /** The t of row `r`. */
  t(r: number): number {
    const t = this.#st(r);
    return t < 0 ? -t - 1 : t - 1;
  }
  /** For a retraction row, the assertion row it retracts; -1 otherwise. */
  link(r: number): number {
    const i = r - this.#base;
    if (i >= 0) return this.#link[i] as number;
    const o = this.#inRetired(r);
    if (o >= 0) return (this.#retired as Retired).link[o] as number;
    const p = this.#page(r);
    return p !== null ? (p.link[r & ROW_MASK] as number) : this.#pin().link;
  }
  /** Row `r` as a datom, its value copied where it is mutable. */
  datom(r: number): Datom {
    const i = r - this.#base;
    if (i >= 0) return storedDatom(this.#e[i] as number, this.#a[i] as number, this.#v[i] as Value, this.#t[i] as number);
    const o = this.#inRetired(r);
    if (o >= 0) {
      const old = this.#retired as Retired;
      return storedDatom(old.e[o] as number, old.a[o] as number, old.v[o] as Value, old.t[o] as number);
    }
    // One page lookup for the four columns: pull makes a datom of every row of an entity.
    const p = this.#page(r);
    if (p === null) {
      const row = this.#pin();
      return storedDatom(row.e, row.a, row.v, row.t);
    }
    const j = r & ROW_MASK;
    return storedDatom(p.e[j] as number, p.a[j] as number, p.v[j] as Value, p.t[j] as number);
  }
  /** True when row `r` is an assertion. */
  added(r: number): boolean {
    return this.#st(r) > 0;
  }
  /** Row `r` as stored, for writing it to storage. */
  stored(r: number): PinnedRow {
    return { e: this.e(r), a: this.a(r), t: this.#st(r), link: this.link(r), v: this.v(r) };
  }
}
