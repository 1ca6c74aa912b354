import type { Node } from '../index/btree.js';
import type { IndexOrder } from '../index/index-order.js';
import type { Database, IndexName } from './database.js';
import { DbValue } from './db-value.js';

/**
 * Index statistics for query planners: how many datoms a read would return, estimated in a few
 * descents of the index tree instead of reading them.
 */

/** Where a descent for one bound of a range ends: the fraction of the tree before it, and its leaf. */
interface Position {
  readonly fraction: number;
  readonly leaf: readonly number[] | null;
  readonly at: number;
}

function position(root: Node, before: (row: number) => boolean): Position {
  let n = root;
  let fraction = 0;
  let scale = 1;
  while (!n.leaf) {
    const ch = n.children;
    // The last child whose first row lies before the bound holds the bound.
    let lo = 0;
    let hi = ch.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >>> 1;
      const c = ch[mid] as Node;
      if (before(c.leaf ? (c.keys[0] as number) : c.min)) lo = mid;
      else hi = mid - 1;
    }
    fraction += (scale * lo) / ch.length;
    scale /= ch.length;
    n = ch[lo] as Node;
  }
  const keys = n.keys;
  let lo = 0;
  let hi = keys.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (before(keys[mid] as number)) lo = mid + 1;
    else hi = mid;
  }
  return { fraction: fraction + (keys.length === 0 ? 0 : (scale * lo) / keys.length), leaf: keys, at: lo };
}

/**
 * About how many datoms `db.datoms(index, ...components)` holds, in two descents of the index tree
 * and without reading them: exact when they lie within one leaf of the tree (64 datoms or fewer,
 * mostly), otherwise estimated from where the two ends fall in the tree (the tree is balanced, so
 * the error is within a leaf or so per branch level). An empty read is always 0. Estimates are of
 * the current state; an asOf, since or history value is estimated by its current state too.
 * A `Database` not made by datom-core has no statistics: its estimate is `Infinity`.
 *
 * @example
 * ```ts
 * const ivans = estimateDatoms(db, 'avet', ':person/name', 'Ivan') // ≈ 2,500
 * ```
 */
export function estimateDatoms(db: Database, index: IndexName, ...components: unknown[]): number {
  if (!(db instanceof DbValue)) return Number.POSITIVE_INFINITY;
  const order = index as IndexOrder;
  const probe = db.probeOf(order, components);
  if (probe === null) return 0;
  const s = db.state;
  const tree = s.trees[order];
  const root = tree.root;
  if (root === null) return 0;
  if (probe.length === 0) return tree.size;
  const pcmp = s.cmp.probe(order, probe);
  const lo = position(root, (r) => pcmp(r) < 0);
  const hi = position(root, (r) => pcmp(r) <= 0);
  if (lo.leaf === hi.leaf) return hi.at - lo.at;
  const estimate = Math.round((hi.fraction - lo.fraction) * tree.size);
  // Different leaves: at least the rows past the start in its leaf, or one.
  return Math.max(1, estimate, (lo.leaf?.length ?? 0) - lo.at);
}
