import { hashValue } from '../model/value-hash.js';
import { compareValues, type Value } from '../model/value.js';

/** Where a {@link UniqueValues} map reads the value of a row it holds (the database's table). */
export interface RowValues {
  /** The value of row `row`. */
  v(row: number): Value;
}

/** The fewest slots of an attribute's table. */
const MIN_SLOTS = 16;

/**
 * The values of one unique attribute held by live datoms, each with its row: an open-addressing
 * table (linear probing) of the values' hashes and rows, in one typed array. A value is found by
 * its {@link hashValue}; only a slot of the same hash reads its row's value (from the table of the
 * database) to compare it, so a miss touches the slot array alone, and no value is kept here.
 *
 * It replaced a `Map` keyed by the values: 200k string keys made a lookup of a new value a walk of
 * hash chains that read other strings (about 500 ns a lookup in a 200k-entity import), and uuids,
 * tuples and bigints could not be keys at all.
 */
export class AttrValues {
  /** A live object of this class, kept for the reason `Filler.kept` (db/column-read.ts) gives: a database's own die when it is closed, and the next database's code ran unoptimized. */
  static readonly kept: AttrValues = new AttrValues(true);

  /** True while the table holds every live value of the attribute (so a miss means nobody holds it). */
  complete: boolean;
  /** Slot i is `[hash, row]` at 2i, 2i + 1; hash 0 is an empty slot. */
  #slots = new Int32Array(2 * MIN_SLOTS);
  #mask = MIN_SLOTS - 1;
  #size = 0;

  constructor(complete: boolean) {
    this.complete = complete;
  }

  /** How many values are held. */
  get size(): number {
    return this.#size;
  }

  /** The row holding `v` (of hash `h`), or -1 when the table has none. */
  find(h: number, v: Value, table: RowValues): number {
    const slots = this.#slots;
    const mask = this.#mask;
    for (let i = h & mask; ; i = (i + 1) & mask) {
      const x = slots[2 * i] as number;
      if (x === 0) return -1;
      if (x === h) {
        const r = slots[2 * i + 1] as number;
        if (compareValues(table.v(r), v) === 0) return r;
      }
    }
  }

  /**
   * Makes `row` the holder of `v` (of hash `h`): true when `v` was held already (its row is
   * replaced), false when it was added, or null when it is new and `full` (nothing added).
   */
  put(h: number, v: Value, row: number, table: RowValues, full: boolean): boolean | null {
    const slots = this.#slots;
    const mask = this.#mask;
    let i = h & mask;
    for (; ; i = (i + 1) & mask) {
      const x = slots[2 * i] as number;
      if (x === 0) break;
      if (x === h && compareValues(table.v(slots[2 * i + 1] as number), v) === 0) {
        slots[2 * i + 1] = row;
        return true;
      }
    }
    if (full) return null;
    slots[2 * i] = h;
    slots[2 * i + 1] = row;
    // At most half full: a miss reads two or three slots, all in one cache line or two.
    if (++this.#size > (mask + 1) >>> 1) this.#grow();
    return false;
  }

  /** Removes `row` holding a value of hash `h`: true when it was there. */
  remove(h: number, row: number): boolean {
    const slots = this.#slots;
    const mask = this.#mask;
    let i = h & mask;
    for (; ; i = (i + 1) & mask) {
      const x = slots[2 * i] as number;
      if (x === 0) return false;
      if (x === h && slots[2 * i + 1] === row) break;
    }
    // Backward shift: a slot further along the run moves into the hole when the hole lies between
    // its home slot and it, so that every run stays unbroken (no tombstones).
    for (let j = (i + 1) & mask; ; j = (j + 1) & mask) {
      const x = slots[2 * j] as number;
      if (x === 0) break;
      const home = x & mask;
      if (((j - home) & mask) >= ((j - i) & mask)) {
        slots[2 * i] = x;
        slots[2 * i + 1] = slots[2 * j + 1] as number;
        i = j;
      }
    }
    slots[2 * i] = 0;
    this.#size--;
    return true;
  }

  #grow(): void {
    const old = this.#slots;
    const n = 2 * (this.#mask + 1);
    const slots = new Int32Array(2 * n);
    const mask = n - 1;
    for (let k = 0; k < old.length; k += 2) {
      const h = old[k] as number;
      if (h === 0) continue;
      let i = h & mask;
      while (slots[2 * i] !== 0) i = (i + 1) & mask;
      slots[2 * i] = h;
      slots[2 * i + 1] = old[k + 1] as number;
    }
    this.#slots = slots;
    this.#mask = mask;
  }
}

/** Past this many values in all, a lineage adds no more (its maps are then incomplete). */
export const UNIQUE_VALUES_MAX = 1 << 20;

/**
 * The live values of the unique attributes of a lineage's head, by value: a lookup by unique value
 * (a lookup ref, an upsert, the uniqueness check of a transaction) is one hash lookup instead of a
 * descent of the unique index that compares a row of another page at every step. Every kind of
 * value is kept (strings, numbers, uuids, tuples, ...), equal exactly when the index order makes
 * them equal: a value is compared by {@link compareValues} with the value of the row holding it,
 * read from the database's table.
 *
 * The commits that write the head's trees in place keep it up to date (`writeRows`): an
 * assertion adds its value, a retraction removes it. An attribute's map starts when a commit first
 * writes the attribute; it is complete (a miss means no entity holds the value) when the attribute
 * had no live datoms then, as in a database filled by its own commits, and otherwise holds only the
 * values written since (a miss is then looked up in the tree). Anything else that changes the head
 * (a rolled back commit, a value adopted from elsewhere) empties it: it answers only for the head.
 * Bounded by {@link UNIQUE_VALUES_MAX} entries: past that, values are no longer added and the maps
 * they would have gone into stop being complete.
 *
 * @example
 * ```ts
 * const table = { v: (row: number) => ['Ann', 'Bob'][row] as string };
 * const u = new UniqueValues();
 * const name = u.forWrite(100, () => true);
 * u.assert(name, 'Ann', 0, table);
 * u.find(100, 'Ann', table); // 0
 * u.find(100, 'Bob', table); // -1: complete, nobody holds it
 * u.find(101, 'Ann', table); // undefined: not known, look in the index
 * ```
 */
export class UniqueValues {
  /** A live object of this class, kept for the reason `Filler.kept` (db/column-read.ts) gives: a database's own die when it is closed, and the next database's code ran unoptimized. */
  static readonly kept: UniqueValues = new UniqueValues();

  readonly #attrs = new Map<number, AttrValues>();
  #size = 0;
  /** The values the last uniqueness check hashed, in its order (emptied as assertions use them). */
  #checked: (Value | undefined)[] = [];
  #checkedHashes = new Int32Array(64);
  /** The next of them for an assertion to reuse. */
  #next = 0;

  /** @param max the most values kept in all (see {@link UNIQUE_VALUES_MAX}). */
  constructor(readonly max = UNIQUE_VALUES_MAX) {}

  /** How many values are kept in all. */
  get size(): number {
    return this.#size;
  }

  /**
   * The row of the live datom holding `v` of unique attribute `a`: a row, -1 when certainly none
   * does, or undefined when not known here. `table` holds the rows (the head's table).
   */
  find(a: number, v: Value, table: RowValues): number | undefined {
    const m = this.#attrs.get(a);
    if (m === undefined) return undefined;
    const r = m.find(hashValue(v), v, table);
    if (r !== -1) return r;
    return m.complete ? -1 : undefined;
  }

  /** Whether a miss in the map of `a` is an answer (see {@link UniqueValues.find}). */
  isComplete(a: number): boolean {
    return this.#attrs.get(a)?.complete === true;
  }

  /**
   * The map of `a` for a commit to write into, made when missing; `isEmpty` tells whether the
   * attribute has no live datoms (before the commit's assertions).
   */
  forWrite(a: number, isEmpty: () => boolean): AttrValues {
    let m = this.#attrs.get(a);
    if (m === undefined) {
      m = new AttrValues(isEmpty());
      this.#attrs.set(a, m);
    }
    return m;
  }

  /** The map of `a`, if there is one (a retraction has nothing to remove otherwise). */
  existing(a: number): AttrValues | undefined {
    return this.#attrs.get(a);
  }

  /** Starts a uniqueness check: forgets the values the last one hashed. */
  beginCheck(): void {
    this.#checked.length = 0;
    this.#next = 0;
  }

  /**
   * The hash of `v`, which the uniqueness check begun last looks up, remembered for the
   * commit's assertion of it: a commit asserts its unique values in the order its check looked
   * them up, so {@link UniqueValues.assert} takes each hash in turn instead of hashing again (a
   * string's hash is a loop over its characters).
   */
  hashChecked(v: Value): number {
    const h = hashValue(v);
    const k = this.#checked.length;
    if (k === this.#checkedHashes.length) {
      const grown = new Int32Array(2 * k);
      grown.set(this.#checkedHashes);
      this.#checkedHashes = grown;
    }
    this.#checked.push(v);
    this.#checkedHashes[k] = h;
    return h;
  }

  /** The hash of `v`: the check's, when `v` is the next value it hashed (=== values hash alike). */
  #hashOf(v: Value): number {
    const k = this.#next;
    const checked = this.#checked;
    if (k < checked.length && checked[k] === v) {
      checked[k] = undefined;
      this.#next = k + 1;
      return this.#checkedHashes[k] as number;
    }
    return hashValue(v);
  }

  /** Row `row` of `table` asserts `v` in `m`. */
  assert(m: AttrValues, v: Value, row: number, table: RowValues): void {
    const added = m.put(this.#hashOf(v), v, row, table, this.#size >= this.max);
    if (added === false) this.#size++;
    // A value not kept: a miss in the map no longer tells.
    else if (added === null) m.complete = false;
  }

  /** Row `row`, which held `v` in `m`, is retracted. */
  retract(m: AttrValues, v: Value, row: number): void {
    if (m.remove(hashValue(v), row)) this.#size--;
  }

  /** Forgets attribute `a` (its uniqueness changed). */
  drop(a: number): void {
    const m = this.#attrs.get(a);
    if (m === undefined) return;
    this.#size -= m.size;
    this.#attrs.delete(a);
  }

  /** Forgets everything (the head changed other than by an in-place commit). */
  clear(): void {
    this.#attrs.clear();
    this.#size = 0;
    this.beginCheck();
  }
}
