import type { Value } from '../model/value.js';

/** A value a {@link UniqueValues} map keeps: a string, or a number other than NaN. */
type Key = string | number;

/**
 * Whether `v` can be a key of a {@link UniqueValues} map: a string or a number that is not NaN,
 * whose equality as a map key (SameValueZero) is exactly equality in the index order
 * (`compareValues(x, y) === 0`). Other values (objects, bigints, NaN) are looked up in the trees.
 */
export function isKeyValue(v: Value): v is Key {
  return typeof v === 'string' || (typeof v === 'number' && !Number.isNaN(v));
}

/** The values of one unique attribute held by live datoms, each with its row. */
export class AttrValues {
  readonly rows = new Map<Key, number>();
  /** True while `rows` holds every live value of the attribute (so a miss means nobody holds it). */
  complete: boolean;

  constructor(complete: boolean) {
    this.complete = complete;
  }
}

/** Past this many values in all, a lineage adds no more (its maps are then incomplete). */
export const UNIQUE_VALUES_MAX = 1 << 20;

/**
 * The live values of the unique attributes of a lineage's head, by value: a lookup by unique value
 * (a lookup ref, an upsert, the uniqueness check of a transaction) is one hash lookup instead of a
 * descent of the unique index that compares a row of another page at every step.
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
 * const u = new UniqueValues();
 * const name = u.forWrite(100, () => true);
 * u.assert(name, 'Ann', 7);
 * u.find(100, 'Ann'); // 7
 * u.find(100, 'Bob'); // -1: complete, nobody holds it
 * u.find(101, 'Ann'); // undefined: not known, look in the index
 * ```
 */
export class UniqueValues {
  readonly #attrs = new Map<number, AttrValues>();
  #size = 0;

  /** @param max the most values kept in all (see {@link UNIQUE_VALUES_MAX}). */
  constructor(readonly max = UNIQUE_VALUES_MAX) {}

  /** How many values are kept in all. */
  get size(): number {
    return this.#size;
  }

  /**
   * The row of the live datom holding `v` of unique attribute `a`: a row, -1 when certainly none
   * does, or undefined when not known here.
   */
  find(a: number, v: Value): number | undefined {
    const m = this.#attrs.get(a);
    if (m === undefined || !isKeyValue(v)) return undefined;
    const r = m.rows.get(v);
    if (r !== undefined) return r;
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

  /** Row `row` asserts `v` in `m`. */
  assert(m: AttrValues, v: Value, row: number): void {
    if (!isKeyValue(v)) {
      // A value kept only in the tree: a miss in the map no longer tells.
      m.complete = false;
      return;
    }
    const rows = m.rows;
    const size = rows.size;
    if (this.#size >= this.max && !rows.has(v)) {
      m.complete = false;
      return;
    }
    rows.set(v, row);
    this.#size += rows.size - size;
  }

  /** Row `row`, which held `v` in `m`, is retracted. */
  retract(m: AttrValues, v: Value, row: number): void {
    if (!isKeyValue(v)) return;
    const rows = m.rows;
    if (rows.get(v) === row) {
      rows.delete(v);
      this.#size--;
    }
  }

  /** Forgets attribute `a` (its uniqueness changed). */
  drop(a: number): void {
    const m = this.#attrs.get(a);
    if (m === undefined) return;
    this.#size -= m.rows.size;
    this.#attrs.delete(a);
  }

  /** Forgets everything (the head changed other than by an in-place commit). */
  clear(): void {
    this.#attrs.clear();
    this.#size = 0;
  }
}
