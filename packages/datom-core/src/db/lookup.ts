import { TreeCursor, treeLowerBound } from '../index/btree.js';
import type { IndexOrder, Probe } from '../index/index-order.js';
import type { Value } from '../model/value.js';
import type { DbState } from './db-state.js';

/**
 * Point lookups on the current state of a database value, used by transaction processing and by
 * the read API. Each costs one descent of one tree.
 */

/** Rows of the current `order` tree that start with `probe`, in order. */
export function currentRows(s: DbState, order: IndexOrder, probe: Probe, limit = Number.POSITIVE_INFINITY): number[] {
  const cmp = s.cmp.probe(order, probe);
  const cur = new TreeCursor(s.trees[order], cmp);
  const out: number[] = [];
  for (let r = cur.next(); r !== -1 && out.length < limit; r = cur.next()) {
    if (cmp(r) !== 0) break;
    out.push(r);
  }
  return out;
}

/** The live row asserting `[e a v]`, or -1. */
export function liveRow(s: DbState, e: number, a: number, v: Value): number {
  const cmp = s.cmp.probe('eavt', [e, a, v]);
  const r = treeLowerBound(s.trees.eavt, cmp);
  return r !== -1 && cmp(r) === 0 ? r : -1;
}

/** The first live row of `[e a]`, or -1 (the only one for a cardinality-one attribute). */
export function firstLiveRow(s: DbState, e: number, a: number): number {
  const cmp = s.cmp.probe('eavt', [e, a]);
  const r = treeLowerBound(s.trees.eavt, cmp);
  return r !== -1 && cmp(r) === 0 ? r : -1;
}

/** The live rows of `[e a]`. */
export function liveRowsOf(s: DbState, e: number, a: number): number[] {
  return currentRows(s, 'eavt', [e, a]);
}

/** The entity holding value `v` of attribute `a`, or -1 (the first one, for a non-unique attribute). */
export function entityWith(s: DbState, a: number, v: Value): number {
  const cmp = s.cmp.probe('avet', [a, v]);
  // Transactions only look up unique attributes, which the eager unique index holds.
  const unique = s.schema.attr(a)?.unique != null;
  const r = treeLowerBound(unique ? s.trees.uavet : s.trees.avet, cmp);
  return r !== -1 && cmp(r) === 0 ? s.table.e(r) : -1;
}
