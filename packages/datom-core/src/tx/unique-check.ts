import type { DbState } from '../db/db-state.js';
import type { DatomError } from '../error/datom-error.js';
import { TreeCursor } from '../index/btree.js';
import { groupByAttribute } from '../index/sort-rows.js';
import { compareValues, type Value } from '../model/value.js';
import type { Op } from './op.js';
import type { Retractions } from './retractions.js';
import type { AttrValues, UniqueValues } from '../db/unique-values.js';

/** The error for `op` asserting a unique value that entity `holder` holds. */
export type UniqueError = (op: Op, holder: number) => DatomError;

/**
 * Refuses a unique value held by two entities after a transaction or bulk batch: in it, or in the
 * database (`adds` are its assertions, `retracted` what it retracts). Its unique values are sorted
 * and merged with the unique index, attribute by attribute, in one pass: a cursor moves forward through the held values alongside the batch's, by a binary
 * search within its leaf and a descent past it. Values that sort after everything held (a block of
 * new ids, increasing keys) cost one descent in all.
 */
export function checkUnique(before: DbState, adds: readonly Op[], retracted: Retractions, uniqueError: UniqueError): void {
  const known = before.liveHead()?.uniques;
  if (known !== undefined && checkedByValue(before, known, adds, retracted, uniqueError)) return;
  // In attribute order, each attribute's values sorted on their own: identities numbered in entity
  // order (a copy's source ids) are one run already, where the mixed ops cost a full sort.
  const unique: Op[] = [];
  // (A transaction's slot for its txInstant may be empty yet.)
  for (const g of groupByAttribute(adds.filter((op) => op !== undefined && op.a.unique !== null), (op) => op.a.id)) {
    g.sort((x, y) => compareValues(x.v, y.v));
    for (const op of g) unique.push(op);
  }
  if (unique.length === 0) return;
  const { table, cmp } = before;
  const uavet = before.trees.uavet;
  let a = -1;
  let cur: TreeCursor | null = null;
  /** The held row the cursor is at (-1 when past the attribute's values), and its value. */
  let held = -1;
  let hv: Value = null as unknown as Value;
  const step = (): void => {
    held = (cur as TreeCursor).next();
    if (held !== -1 && table.a(held) !== a) held = -1;
    if (held !== -1) hv = table.v(held);
  };
  for (let i = 0; i < unique.length; i = checkedInBatch(unique, i, uniqueError)) {
    const op = unique[i] as Op;
    if (op.a.id !== a) {
      a = op.a.id;
      cur = new TreeCursor(uavet, cmp.probe('avet', [a, op.v]));
      step();
    } else if (held !== -1 && compareValues(hv, op.v) < 0) {
      // Forward to the value: a binary search in the cursor's leaf, a descent when it is past it.
      (cur as TreeCursor).advanceTo(cmp.probe('avet', [a, op.v]));
      step();
    }
    if (held !== -1 && compareValues(hv, op.v) === 0 && table.e(held) !== op.e && !retracted.has(held)) throw uniqueError(op, table.e(held));
  }
}

/** Past `unique[i]`, refusing a next operation with the same attribute and value but another entity. */
function checkedInBatch(unique: readonly Op[], i: number, uniqueError: UniqueError): number {
  const op = unique[i] as Op;
  const next = unique[i + 1];
  if (next !== undefined && next.a === op.a && next.e !== op.e && compareValues(next.v, op.v) === 0) throw uniqueError(next, op.e);
  return i + 1;
}

/**
 * {@link checkUnique} by hash lookups, when the head's map of unique values knows every attribute
 * the batch asserts (see {@link UniqueValues}): false (nothing checked) otherwise. Each value is
 * looked up in the map, and in a table of the batch's own values, by one hash.
 */
function checkedByValue(before: DbState, known: UniqueValues, adds: readonly Op[], retracted: Retractions, uniqueError: UniqueError): boolean {
  let count = 0;
  let a = -1;
  for (let i = 0; i < adds.length; i++) {
    const op = adds[i];
    if (op === undefined || op.a.unique === null) continue;
    count++;
    if (op.a.id === a) continue;
    a = op.a.id;
    if (!known.isComplete(a)) return false;
  }
  const table = before.table;
  const batch = BATCH.start(count);
  known.beginCheck();
  a = -1;
  let values: AttrValues | null = null;
  for (let i = 0; i < adds.length; i++) {
    const op = adds[i];
    if (op === undefined || op.a.unique === null) continue;
    if (op.a.id !== a) {
      a = op.a.id;
      values = known.existing(a) as AttrValues;
    }
    const h = known.hashChecked(op.v);
    const other = batch.claim(h, adds, i);
    if (other !== null && other.e !== op.e) throw uniqueError(op, other.e);
    const held = (values as AttrValues).find(h, op.v, table);
    if (held !== -1 && table.e(held) !== op.e && !retracted.has(held)) throw uniqueError(op, table.e(held));
  }
  return true;
}

/**
 * The unique values of one batch, for its own repeats: an open-addressing table of their hashes
 * and places in the batch, kept from batch to batch. Its slots are stamped with the batch that
 * filled them, so a new batch starts with one increment, where a `Map` of the batch's values (3.6%
 * of a 200k-entity import) was made and filled anew each time.
 */
class BatchValues {
  /** Slot k is `[stamp, key, place]` at 3k: the batch that filled it, its key, and its operation's place in the batch. */
  #slots = new Int32Array(0);
  #mask = -1;
  #stamp = 0;

  /** Empties the table for a batch of `n` values or fewer. */
  start(n: number): this {
    let size = 16;
    while (size < 2 * n) size *= 2;
    if (size > this.#mask + 1) {
      this.#slots = new Int32Array(3 * size);
      this.#mask = size - 1;
      this.#stamp = 0;
    }
    if (++this.#stamp === 0x7fff_ffff) {
      this.#slots.fill(0);
      this.#stamp = 1;
    }
    return this;
  }

  /**
   * The earlier operation of the batch `ops` with the attribute and value of `ops[i]` (value
   * hash `h`), or null, after which `ops[i]` is the one that holds them.
   */
  claim(h: number, ops: readonly Op[], i: number): Op | null {
    const { a, v } = ops[i] as Op;
    const key = h ^ Math.imul(a.id, 0x9e37_79b1);
    const slots = this.#slots;
    const stamp = this.#stamp;
    const mask = this.#mask;
    for (let k = key & mask; ; k = (k + 1) & mask) {
      const at = 3 * k;
      if (slots[at] !== stamp) {
        slots[at] = stamp;
        slots[at + 1] = key;
        slots[at + 2] = i;
        return null;
      }
      if (slots[at + 1] === key) {
        const other = ops[slots[at + 2] as number] as Op;
        if (other.a.id === a.id && compareValues(other.v, v) === 0) return other;
      }
    }
  }
}

/** The one table of batch values (checks run one at a time). */
const BATCH = new BatchValues();
