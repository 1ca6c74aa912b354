import { type Edit, type Tree, treeFirstMatch, treeMatches } from '../index/btree.js';
import type { IndexOrder, Probe } from '../index/index-order.js';
import type { Value } from '../model/value.js';
import type { DbState } from './db-state.js';

/**
 * Point lookups on the current state of a database value, used by transaction processing and by
 * the read API. Each costs one descent of one tree, or none when the value is the head of its
 * lineage and a finger of the live edit holds the leaf (see {@link Edit}): a transaction looking up
 * an entity's current value finds it where the transaction before wrote that entity.
 */

/** The edit whose fingers lookups on `s` may use: the live edit, when `s` is the head. */
function fingersOf(s: DbState): Edit | null {
  return s.liveHead()?.edit ?? null;
}

/** Rows of the current `order` tree that start with `probe`, in order. */
export function currentRows(s: DbState, order: IndexOrder, probe: Probe, limit = Number.POSITIVE_INFINITY): number[] {
  const tree = s.trees[order];
  // An empty tree (VAET of a database without refs) needs no probe.
  if (tree.root === null) return [];
  return treeMatches(tree, s.cmp.probe(order, probe), fingersOf(s), limit);
}

/** The first row of `tree` (in `order`) that starts with `probe`, or -1: one descent at most, no cursor. */
function firstMatch(s: DbState, tree: Tree, order: IndexOrder, probe: Probe): number {
  return treeFirstMatch(tree, s.cmp.probe(order, probe), fingersOf(s));
}

/** The live row asserting `[e a v]`, or -1. */
export function liveRow(s: DbState, e: number, a: number, v: Value): number {
  return firstMatch(s, s.trees.eavt, 'eavt', [e, a, v]);
}

/** The first live row of `[e a]`, or -1 (the only one for a cardinality-one attribute). */
export function firstLiveRow(s: DbState, e: number, a: number): number {
  return firstMatch(s, s.trees.eavt, 'eavt', [e, a]);
}

/** The live rows of `[e a]`. */
export function liveRowsOf(s: DbState, e: number, a: number): number[] {
  return currentRows(s, 'eavt', [e, a]);
}

/**
 * The live row holding value `v` of attribute `a`, or -1 (the first one, for a non-unique attribute).
 * Transactions only look up unique attributes, which the eager unique index holds.
 */
export function rowWithValue(s: DbState, a: number, v: Value): number {
  const unique = s.schema.attr(a)?.unique != null;
  if (unique) {
    // The head answers from its map of unique values when it knows (see UniqueValues).
    const r = s.liveHead()?.uniques.find(a, v, s.table);
    if (r !== undefined) return r;
  }
  return firstMatch(s, unique ? s.trees.uavet : s.trees.avet, 'avet', [a, v]);
}

/** The entity holding value `v` of attribute `a`, or -1 (the first one, for a non-unique attribute). */
export function entityWith(s: DbState, a: number, v: Value): number {
  const r = rowWithValue(s, a, v);
  return r === -1 ? -1 : s.table.e(r);
}
