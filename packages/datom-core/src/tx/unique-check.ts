import type { DbState } from '../db/db-state.js';
import type { DatomError } from '../error/datom-error.js';
import { TreeCursor } from '../index/btree.js';
import { groupByAttribute } from '../index/sort-rows.js';
import { compareValues, type Value } from '../model/value.js';
import type { Op } from './op.js';
import type { Retractions } from './retractions.js';
import { isKeyValue, type UniqueValues } from '../db/unique-values.js';

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
 * the batch asserts (see {@link UniqueValues}) and every value is a map key: false (nothing
 * checked) otherwise. Each value is looked up in the map, and in a map of the batch's own values.
 */
function checkedByValue(before: DbState, known: UniqueValues, adds: readonly Op[], retracted: Retractions, uniqueError: UniqueError): boolean {
  for (let i = 0; i < adds.length; i++) {
    const op = adds[i];
    if (op === undefined || op.a.unique === null) continue;
    if (!known.isComplete(op.a.id) || !isKeyValue(op.v)) return false;
  }
  const table = before.table;
  let a = -1;
  let batch: Map<string | number, Op> | null = null;
  const batches = new Map<number, Map<string | number, Op>>();
  for (let i = 0; i < adds.length; i++) {
    const op = adds[i];
    if (op === undefined || op.a.unique === null) continue;
    const v = op.v as string | number;
    if (op.a.id !== a) {
      a = op.a.id;
      batch = batches.get(a) ?? null;
      if (batch === null) batches.set(a, (batch = new Map()));
    }
    const other = (batch as Map<string | number, Op>).get(v);
    if (other !== undefined) {
      if (other.e !== op.e) throw uniqueError(op, other.e);
    } else (batch as Map<string | number, Op>).set(v, op);
    const held = known.find(a, v) as number;
    if (held !== -1 && table.e(held) !== op.e && !retracted.has(held)) throw uniqueError(op, table.e(held));
  }
  return true;
}
