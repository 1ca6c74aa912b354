import { DatomError } from '../error/datom-error.js';
import { type Branch, EMPTY_TREE, type Node, TreeCursor, type ProbeCompare, type Tree } from '../index/btree.js';
import { type DatomTable, exposeValue } from '../index/datom-table.js';
import type { IndexOrder, Probe } from '../index/index-order.js';
import type { Datom } from '../model/datom.js';
import { compareValues, type Value } from '../model/value.js';
import { TX_BASE } from '../schema/bootstrap.js';
import type { AttrRef, Database, IndexName } from './database.js';
import { DbValue } from './db-value.js';

/**
 * Reads of datoms into columns, for engines that join thousands of datoms at a time (a query): one
 * array per field instead of an object per datom, filled straight from the index, so a read of
 * 20,000 datoms allocates a handful of arrays rather than 20,000 records.
 */

/** A field of a datom that a column read can fill. */
export type DatomField = 'e' | 'a' | 'v' | 'tx' | 'added';

/**
 * Datoms as columns: datom `i` is `(e[i], a[i], v[i], tx[i], added[i])`. Only the fields asked for
 * are filled; the others are empty. `key[i]`, for {@link readColumnsOfEach}, is the index in its
 * `keys` of the key datom `i` matched (empty for the other reads).
 */
export interface DatomColumns {
  readonly length: number;
  readonly key: number[];
  readonly e: number[];
  readonly a: number[];
  readonly v: Value[];
  readonly tx: number[];
  readonly added: boolean[];
}

function local(db: Database, what: string): DbValue {
  if (db instanceof DbValue) return db;
  throw new DatomError('db/arg', `${what} reads a database value of datom-core; got another implementation of Database`, { data: { db: String(db) } });
}

/** The AVET tree to read attribute `a` from: a unique attribute's rows are all in the eagerly kept one, the full AVET is built on first read. */
function avetOf(v: DbValue, a: number): Tree {
  const s = v.state;
  return s.schema.attr(a)?.unique != null ? s.trees.uavet : s.trees.avet;
}

function checkIndex(index: string, what: string): asserts index is IndexOrder {
  if (index !== 'eavt' && index !== 'aevt' && index !== 'avet' && index !== 'vaet') {
    throw new DatomError('db/arg', `${what}: unknown index ${String(index)}: use eavt, aevt, avet or vaet`, { data: { index: String(index) } });
  }
}

/**
 * An entity id as a small integer where it is one. The table keeps ids in a Float64Array, and a
 * double read from there made the column an array of doubles, which boxed every id copied out of it
 * (into a query's rows) as a heap number of its own.
 */
function small(x: number): number {
  return (x | 0) === x ? x | 0 : x;
}

/** Column builder over one table: `add(row, key)` appends the asked fields of a row. */
class Filler {
  /**
   * A live object of this class. V8 drops optimized code that checks for an object shape no live
   * object has; without one, every full collection between two queries sent the read path back to
   * the interpreter ("weak objects" deoptimizations). A static field, not a module constant: a
   * bundled module's unused constant is not kept.
   */
  static readonly kept: Filler = new Filler(null as unknown as DatomTable, []);

  readonly key: number[] = [];
  readonly e: number[] = [];
  readonly a: number[] = [];
  readonly v: Value[] = [];
  readonly tx: number[] = [];
  readonly added: boolean[] = [];
  length = 0;
  readonly #fe: boolean;
  readonly #fa: boolean;
  readonly #fv: boolean;
  readonly #ft: boolean;
  readonly #fd: boolean;
  readonly #table: DatomTable;

  /**
   * `expect` (for {@link Filler.add} and {@link Filler.addRange} only): how many datoms are likely, so that each asked column
   * (and `key` when `keyed`) is made that long at once instead of grown by pushes, which copy it
   * several times over; {@link Filler.trim} cuts them to the datoms added.
   */
  constructor(table: DatomTable, fields: readonly DatomField[], expect = 0, keyed = false) {
    this.#table = table;
    this.#fe = fields.includes('e');
    this.#fa = fields.includes('a');
    this.#fv = fields.includes('v');
    this.#ft = fields.includes('tx');
    this.#fd = fields.includes('added');
    if (expect > 0) {
      if (keyed) this.key = new Array<number>(expect);
      if (this.#fe) this.e = new Array<number>(expect);
      if (this.#fa) this.a = new Array<number>(expect);
      if (this.#fv) this.v = new Array<Value>(expect);
      if (this.#ft) this.tx = new Array<number>(expect);
      if (this.#fd) this.added = new Array<boolean>(expect);
    }
  }

  /** Sets datom `length` to row `r`'s asked fields (and its key, unless -1): appends, or fills a column made long in advance. */
  add(r: number, key: number): void {
    const tb = this.#table;
    const n = this.length;
    if (key !== -1) this.key[n] = key;
    if (this.#fe) this.e[n] = small(tb.e(r));
    if (this.#fa) this.a[n] = tb.a(r);
    if (this.#fv) this.v[n] = exposeValue(tb.v(r));
    if (this.#ft) this.tx[n] = TX_BASE + tb.t(r);
    if (this.#fd) this.added[n] = tb.added(r);
    this.length = n + 1;
  }

  /** Cuts columns made longer in advance to the datoms added. */
  trim(): this {
    const n = this.length;
    for (const col of [this.key, this.e, this.a, this.v, this.tx, this.added]) if (col.length > n) col.length = n;
    return this;
  }

  /** Appends the asked fields of `rows`, a column at a time. */
  addRows(rows: readonly number[]): void {
    const tb = this.#table;
    const n = rows.length;
    if (this.#fe) for (let i = 0; i < n; i++) this.e.push(small(tb.e(rows[i] as number)));
    if (this.#fa) for (let i = 0; i < n; i++) this.a.push(tb.a(rows[i] as number));
    if (this.#fv) for (let i = 0; i < n; i++) this.v.push(exposeValue(tb.v(rows[i] as number)));
    if (this.#ft) for (let i = 0; i < n; i++) this.tx.push(TX_BASE + tb.t(rows[i] as number));
    if (this.#fd) for (let i = 0; i < n; i++) this.added.push(tb.added(rows[i] as number));
    this.length += n;
  }

  /** Appends (or fills, see the constructor) the asked fields of the rows `rows[from]` to `rows[to - 1]`, a column at a time. */
  addRange(rows: readonly number[], from: number, to: number): void {
    const tb = this.#table;
    const d = this.length - from;
    if (this.#fe) for (let i = from; i < to; i++) this.e[d + i] = small(tb.e(rows[i] as number));
    if (this.#fa) for (let i = from; i < to; i++) this.a[d + i] = tb.a(rows[i] as number);
    if (this.#fv) for (let i = from; i < to; i++) this.v[d + i] = exposeValue(tb.v(rows[i] as number));
    if (this.#ft) for (let i = from; i < to; i++) this.tx[d + i] = TX_BASE + tb.t(rows[i] as number);
    if (this.#fd) for (let i = from; i < to; i++) this.added[d + i] = tb.added(rows[i] as number);
    this.length += to - from;
  }

  addDatom(d: Datom, key: number): void {
    if (key !== -1) this.key.push(key);
    if (this.#fe) this.e.push(d.e);
    if (this.#fa) this.a.push(d.a);
    if (this.#fv) this.v.push(d.v);
    if (this.#ft) this.tx.push(d.tx);
    if (this.#fd) this.added.push(d.added);
    this.length++;
  }
}

/**
 * The datoms of `index` whose leading components equal `components`, in index order, as columns of
 * the `fields` asked for: the datoms `readDatoms(db, index, ...components)` gives, without an object
 * per datom. Works on asOf, since and history values too.
 *
 * @example
 * ```ts
 * const { e, v } = readColumns(db, 'aevt', [':person/age'], ['e', 'v'])   // every entity with its age
 * ```
 */
export function readColumns(db: Database, index: IndexName, components: readonly unknown[], fields: readonly DatomField[]): DatomColumns {
  const v = local(db, 'readColumns');
  checkIndex(index, 'readColumns');
  const out = new Filler(v.state.table, fields);
  const probe = v.probeOf(index, components);
  if (probe === null) return out;
  if (!v.unfiltered) {
    out.addRows(v.scanRows(index, probe));
    return out;
  }
  // The current state: the rows from the probe on, a leaf at a time.
  const s = v.state;
  const pcmp: ProbeCompare = probe.length === 0 ? () => 0 : s.cmp.probe(index, probe);
  const walk = new LeafWalk(index === 'avet' && probe.length > 0 ? avetOf(v, probe[0] as number) : s.trees[index]);
  walk.seek((r) => pcmp(r) < 0);
  // The matching rows are found first (a slice of a few leaves), so that each column is made once, as long as it will be.
  const parts = matchingRanges(walk, pcmp);
  let n = 0;
  for (let i = 1; i < parts.length; i += 3) n += (parts[i + 1] as number) - (parts[i] as number);
  const filled = new Filler(s.table, fields, n);
  for (let i = 0; i < parts.length; i += 3) filled.addRange(parts[i] as readonly number[], parts[i + 1] as number, parts[i + 2] as number);
  return filled;
}

/**
 * The AVET datoms of `attr` with `start <= v < end` (either bound `null` for open), in index order,
 * as columns of the `fields` asked for: the datoms `readIndexRange` gives, without an object per datom.
 *
 * @example
 * ```ts
 * const { e } = readRangeColumns(db, ':person/age', 18, null, ['e'])   // the adults
 * ```
 */
export function readRangeColumns(db: Database, attr: AttrRef, start: unknown, end: unknown, fields: readonly DatomField[]): DatomColumns {
  const v = local(db, 'readRangeColumns');
  const out = new Filler(v.state.table, fields);
  if (!v.unfiltered) {
    const stream = v.indexRange(attr, start as never, end as never) as unknown as { readSync(): Datom[] };
    for (const d of stream.readSync()) out.addDatom(d, -1);
    return out;
  }
  const info = v.attrInfo(attr);
  const lo = start === null || start === undefined ? null : v.probeOf('avet', [attr, start]);
  const hi = end === null || end === undefined ? null : v.probeOf('avet', [attr, end]);
  if ((start !== null && start !== undefined && lo === null) || (end !== null && end !== undefined && hi === null)) return out;
  const s = v.state;
  const table = s.table;
  const aid = info.id;
  const hv = hi === null ? undefined : (hi[1] as Value);
  const cur = new TreeCursor(avetOf(v, aid), s.cmp.probe('avet', lo ?? [aid]));
  for (let r = cur.next(); r !== -1; r = cur.next()) {
    if (table.a(r) !== aid) break;
    if (hv !== undefined && compareValues(table.v(r), hv) >= 0) break;
    out.add(r, -1);
  }
  return out;
}

function compareProbes(x: Probe, y: Probe): number {
  const n = Math.min(x.length, y.length);
  for (let i = 0; i < n; i++) {
    const c = compareValues(x[i], y[i]);
    if (c !== 0) return c;
  }
  return x.length - y.length;
}

const NO_ROWS: readonly number[] = [];

function firstRow(n: Node): number {
  return n.leaf ? (n.keys[0] as number) : n.min;
}

/**
 * A forward walk over the leaves of a tree, for reads that take a leaf's rows together: a scan
 * compares the last row of each leaf with its probe instead of every row, and a pass over sorted
 * entity ids searches each leaf for the ids it holds.
 */
class LeafWalk {
  /** A live object of this class, kept for the reason {@link Filler.kept} gives. */
  static readonly kept: LeafWalk = new LeafWalk(EMPTY_TREE);

  readonly #root: Node | null;
  readonly #stack: Branch[] = [];
  readonly #pos: number[] = [];
  /** The rows of the current leaf: empty at the end, or for an empty tree. */
  rows: readonly number[] = NO_ROWS;

  constructor(tree: Tree) {
    this.#root = tree.root;
  }

  /**
   * Goes from the root to the leaf that holds the first row `before` is false of (rows it is true
   * of sort before all others), or to the leaf before it when that row starts a leaf.
   */
  seek(before: (row: number) => boolean): void {
    let n = this.#root;
    const stack = this.#stack;
    const pos = this.#pos;
    // Setting a length calls into the runtime even when it does not change.
    if (stack.length > 0) {
      stack.length = 0;
      pos.length = 0;
    }
    if (n === null) {
      this.rows = NO_ROWS;
      return;
    }
    while (!n.leaf) {
      const ch = n.children;
      let ci = 0;
      let lo = 1;
      let hi = ch.length - 1;
      while (lo <= hi) {
        const mid = (lo + hi) >>> 1;
        if (before(firstRow(ch[mid] as Node))) {
          ci = mid;
          lo = mid + 1;
        } else hi = mid - 1;
      }
      stack.push(n);
      pos.push(ci);
      n = ch[ci] as Node;
    }
    this.rows = n.keys;
  }

  /** Moves to the next leaf that has rows; false (and no rows) at the end. */
  next(): boolean {
    const stack = this.#stack;
    const pos = this.#pos;
    for (let d = stack.length - 1; d >= 0; d--) {
      const b = stack[d] as Branch;
      const p = (pos[d] as number) + 1;
      if (p >= b.children.length) continue;
      pos[d] = p;
      if (stack.length > d + 1) {
        stack.length = d + 1;
        pos.length = d + 1;
      }
      let n = b.children[p] as Node;
      while (!n.leaf) {
        stack.push(n);
        pos.push(0);
        n = n.children[0] as Node;
      }
      this.rows = n.keys;
      if (n.keys.length > 0) return true;
      d = stack.length;
    }
    this.rows = NO_ROWS;
    return false;
  }
}

/** The first index in `rows` from `from` on whose row has `pcmp(row) >= 0` (`> 0` when `past`). */
function searchLeaf(rows: readonly number[], from: number, pcmp: ProbeCompare, past: boolean): number {
  let lo = from;
  let hi = rows.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    const c = pcmp(rows[mid] as number);
    if (c < 0 || (past && c === 0)) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/**
 * The rows `pcmp` matches (0) from the walk's leaf on, as ranges of leaves: `[rows, from, to]` for
 * each leaf, flat. Whole leaves are taken while their last row matches.
 */
function matchingRanges(walk: LeafWalk, pcmp: ProbeCompare): (readonly number[] | number)[] {
  const out: (readonly number[] | number)[] = [];
  let rows = walk.rows;
  if (rows.length === 0) return out;
  let i = searchLeaf(rows, 0, pcmp, false);
  for (;;) {
    const n = rows.length;
    if (i < n) {
      if (pcmp(rows[n - 1] as number) !== 0) {
        const end = searchLeaf(rows, i, pcmp, true);
        if (end > i) out.push(rows, i, end);
        return out;
      }
      out.push(rows, i, n);
    }
    if (!walk.next()) return out;
    rows = walk.rows;
    i = 0;
  }
}

/**
 * Where row `r` sorts among entity ids: its entity when its attribute is `a` (or `a` is -1, for
 * EAVT), else before (-Infinity) or after (Infinity) every id.
 */
function entityPos(table: DatomTable, a: number, r: number): number {
  if (a !== -1) {
    const ra = table.a(r);
    if (ra !== a) return ra < a ? Number.NEGATIVE_INFINITY : Number.POSITIVE_INFINITY;
  }
  return table.e(r);
}

/** The first index in `rows` from `from` on whose row's {@link entityPos} is `>= k`. */
function searchEntity(table: DatomTable, a: number, rows: readonly number[], from: number, k: number): number {
  let lo = from;
  let hi = rows.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (entityPos(table, a, rows[mid] as number) < k) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** The first index in `rows` from `from` to `to` whose row's entity is `>= k` (rows of one attribute, or EAVT). */
function searchE(table: DatomTable, rows: readonly number[], from: number, to: number, k: number): number {
  let lo = from;
  let hi = to;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (table.e(rows[mid] as number) < k) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** How many rows of `rows` sort no later than attribute `a` (all of them for `a` -1, EAVT). */
function attrEnd(table: DatomTable, a: number, rows: readonly number[]): number {
  const n = rows.length;
  if (a === -1 || n === 0 || table.a(rows[n - 1] as number) <= a) return n;
  let lo = 0;
  let hi = n - 1;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (table.a(rows[mid] as number) <= a) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/**
 * A forward pass over the rows of one attribute in AEVT (or over EAVT), entity by entity, for
 * sorted entity ids: each id is searched for in the leaf the pass is at (comparing entities only),
 * or in the next, and only past those from the root.
 */
class EntityPass {
  /** A live object of this class, kept for the reason {@link Filler.kept} gives. */
  static readonly kept: EntityPass = new EntityPass(LeafWalk.kept, null as unknown as DatomTable, -1);

  readonly #walk: LeafWalk;
  readonly #table: DatomTable;
  readonly #a: number;
  #want = 0;
  readonly #before: (row: number) => boolean;
  #started = false;
  /** The current leaf's rows, the position in it, and where the attribute's rows end in it. */
  rows: readonly number[] = NO_ROWS;
  i = 0;
  end = 0;

  constructor(walk: LeafWalk, table: DatomTable, a: number) {
    this.#walk = walk;
    this.#table = table;
    this.#a = a;
    this.#before = (r) => entityPos(table, a, r) < this.#want;
  }

  #enter(): void {
    this.rows = this.#walk.rows;
    this.end = attrEnd(this.#table, this.#a, this.rows);
  }

  /** Moves on to the next leaf; false at the end of the tree. */
  nextLeaf(): boolean {
    if (!this.#walk.next()) return false;
    this.#enter();
    this.i = 0;
    return true;
  }

  /**
   * Moves to the first row of the attribute with entity `>= k` (no smaller than the last `k`);
   * false when there is none.
   */
  to(k: number): boolean {
    const table = this.#table;
    if (this.#started) {
      if (this.i < this.end && table.e(this.rows[this.end - 1] as number) >= k) {
        this.i = searchE(table, this.rows, this.i, this.end, k);
        return true;
      }
      // Past the attribute's rows: no more.
      if (this.end < this.rows.length) return false;
      if (!this.nextLeaf()) return false;
      if (this.end > 0 && table.e(this.rows[this.end - 1] as number) >= k) {
        this.i = searchE(table, this.rows, 0, this.end, k);
        return true;
      }
      if (this.end < this.rows.length) return false;
    }
    this.#started = true;
    this.#want = k;
    this.#walk.seek(this.#before);
    this.#enter();
    this.i = searchEntity(table, this.#a, this.rows, 0, k);
    if (this.i === this.rows.length && !this.nextLeaf()) return false;
    return this.i < this.end;
  }
}

/**
 * The rows of entities `ks[at[0]]`, `ks[at[1]]`, ... (ascending, repeats next to each other; all
 * of `ks` in order when `at` is null) of attribute `a` in AEVT, or of every attribute (`a` -1) in
 * EAVT, with the index in `ks` of each, in one {@link EntityPass}.
 */
function entityRows(walk: LeafWalk, table: DatomTable, a: number, ks: readonly number[], at: readonly number[] | null, each: (row: number, key: number) => void): void {
  const pass = new EntityPass(walk, table, a);
  let done = false;
  let lastKey = -1;
  // The rows of the last key (the first `nFound`), for the same key given again. (Setting an
  // array's length calls into the runtime: the array is written over instead.)
  const found: number[] = [];
  let nFound = 0;
  const n = at === null ? ks.length : at.length;
  for (let x = 0; x < n; x++) {
    const idx = at === null ? x : (at[x] as number);
    const k = ks[idx] as number;
    if (k === lastKey) {
      for (let j = 0; j < nFound; j++) each(found[j] as number, idx);
      continue;
    }
    if (done) return;
    lastKey = k;
    nFound = 0;
    if (!pass.to(k)) {
      done = true;
      continue;
    }
    let r = pass.rows[pass.i] as number;
    while (table.e(r) === k) {
      if (nFound < found.length) found[nFound] = r;
      else found.push(r);
      nFound++;
      each(r, idx);
      if (++pass.i === pass.end) {
        if (pass.end < pass.rows.length || !pass.nextLeaf() || pass.end === 0) {
          done = true;
          break;
        }
      }
      r = pass.rows[pass.i] as number;
    }
  }
}

/** A cursor that only moves forward, to each probe in turn; `to` and `next` return the row it is at, or -1 at the end. */
class Seeker {
  /** A live object of this class, kept for the reason {@link Filler.kept} gives. */
  static readonly kept: Seeker = new Seeker(EMPTY_TREE);
  static {
    // With a cursor: the first `to` makes one.
    Seeker.kept.to(() => 0);
  }

  readonly #tree: Tree;
  #cur: TreeCursor | null = null;
  #r = -1;

  constructor(tree: Tree) {
    this.#tree = tree;
  }

  /** The first row at or after the current one with `pcmp(row) >= 0`. */
  to(pcmp: ProbeCompare): number {
    const cur = this.#cur;
    if (cur === null) {
      this.#cur = new TreeCursor(this.#tree, pcmp);
      this.#r = this.#cur.next();
    } else if (this.#r !== -1 && pcmp(this.#r) < 0) {
      cur.advanceTo(pcmp);
      this.#r = cur.next();
    }
    return this.#r;
  }

  next(): number {
    this.#r = this.#cur === null ? -1 : this.#cur.next();
    return this.#r;
  }
}


/**
 * The rows of `index` that start with `[...prefix, keys[i]]` for each `i`, with the `i` of each
 * (internal). On the current state the keys are read in index order in one pass of one cursor,
 * which skips ahead from key to key; a key given twice reads its rows twice.
 */
export function rowsOfEach(v: DbValue, order: IndexOrder, prefix: readonly unknown[], keys: readonly unknown[], each: (row: number, key: number) => void): void {
  if (!v.unfiltered || keys.length < 2) {
    for (let i = 0; i < keys.length; i++) {
      const probe = v.probeOf(order, [...prefix, keys[i]]);
      if (probe === null || probe.length !== prefix.length + 1) continue;
      for (const r of v.scanRows(order, probe)) each(r, i);
    }
    return;
  }
  // The prefix is resolved once; an entity id key (AEVT after the attribute, EAVT) is taken as it is.
  const head = v.probeOf(order, prefix);
  if (head === null) return;
  const entityKey = (order === 'aevt' && prefix.length === 1) || (order === 'eavt' && prefix.length === 0);
  const s = v.state;
  const table = s.table;
  const tree = s.trees[order];
  if (entityKey && keys.every((k) => typeof k === 'number')) {
    // Entity ids: sorted as numbers, compared by one comparator that follows the current key.
    const ks = keys as readonly number[];
    // Ids usually come sorted and valid (a column read in index order): then they are read in the
    // order given, with no list of positions made.
    let plain = true;
    for (let i = 0; i < ks.length; i++) {
      const k = ks[i] as number;
      if (!(Number.isSafeInteger(k) && k > 0) || (i > 0 && (ks[i - 1] as number) > k)) {
        plain = false;
        break;
      }
    }
    let at: number[] | null = null;
    if (!plain) {
      at = [];
      for (let i = 0; i < ks.length; i++) {
        const k = ks[i] as number;
        if (Number.isSafeInteger(k) && k > 0) at.push(i);
      }
      at.sort((x, y) => (ks[x] as number) - (ks[y] as number));
    }
    entityRows(new LeafWalk(tree), table, order === 'aevt' ? (head[0] as number) : -1, ks, at, each);
    return;
  }
  const probes: (Probe | null)[] = keys.map((k) => v.probeOf(order, [...prefix, k]));
  const at: number[] = [];
  for (let i = 0; i < keys.length; i++) {
    const p = probes[i];
    // A key that cannot match (an entity that does not exist, an ident nobody has) reads nothing.
    if (p !== null && p !== undefined && p.length === prefix.length + 1) at.push(i);
  }
  at.sort((x, y) => compareProbes(probes[x] as Probe, probes[y] as Probe));
  const seek = new Seeker(tree);
  let last: Probe | null = null;
  let lastRows: number[] = [];
  for (const i of at) {
    const probe = probes[i] as Probe;
    if (last !== null && compareProbes(last, probe) === 0) {
      for (const x of lastRows) each(x, i);
      continue;
    }
    const pcmp = s.cmp.probe(order, probe);
    lastRows = [];
    for (let r = seek.to(pcmp); r !== -1 && pcmp(r) === 0; r = seek.next()) {
      lastRows.push(r);
      each(r, i);
    }
    last = probe;
  }
}

/**
 * For each of `keys`, the datoms of `index` that start with `[...prefix, key]`, as columns of the
 * `fields` asked for, with `key[j]` the index in `keys` of datom `j`'s key. Datoms come grouped by
 * key in index order of the keys (not in the order of `keys`); a key given twice gives its datoms
 * twice. Reading the ages of thousands of entities (`readColumnsOfEach(db, 'aevt', [':person/age'],
 * entities, ['v'])`) is one pass of one cursor.
 *
 * @example
 * ```ts
 * const { key, v } = readColumnsOfEach(db, 'aevt', [':person/age'], [1001, 1002], ['v'])
 * // entity keys[key[j]] has age v[j]
 * ```
 */
export function readColumnsOfEach(db: Database, index: IndexName, prefix: readonly unknown[], keys: readonly unknown[], fields: readonly DatomField[]): DatomColumns {
  const v = local(db, 'readColumnsOfEach');
  checkIndex(index, 'readColumnsOfEach');
  // About one datom per key: the common case, an attribute of cardinality one that most keys have.
  const out = new Filler(v.state.table, fields, keys.length, true);
  rowsOfEach(v, index, prefix, keys, (r, i) => out.add(r, i));
  out.trim();
  return out;
}
