import { newEdit, treeInsertMany, treeRemove, type Tree } from '../index/btree.js';
import type { RowCompare } from '../index/btree.js';

/** Rows added to and removed from a tree by transactions not yet applied to it, newest first. */
interface Pending {
  readonly adds: readonly number[];
  readonly removes: readonly number[];
  readonly next: Pending | null;
}

/**
 * A tree kept up to date lazily: transactions record the rows they add and remove, and the tree
 * catches up in one batch the first time it is read (and keeps the result, so that values derived
 * later start from there). Used for the full AVET index, which only reads need: transactions find
 * unique values through an index of the unique attributes alone, kept eagerly.
 */
export class LazyTree {
  #tree: Tree | null;

  constructor(
    readonly base: Tree,
    readonly pending: Pending | null,
    readonly cmp: RowCompare,
  ) {
    this.#tree = pending === null ? base : null;
  }

  /** The tree, brought up to date. */
  tree(): Tree {
    if (this.#tree !== null) return this.#tree;
    const adds: number[] = [];
    const removed = new Set<number>();
    for (let p = this.pending; p !== null; p = p.next) {
      for (const r of p.removes) removed.add(r);
      for (const r of p.adds) adds.push(r);
    }
    const edit = newEdit();
    // A row is added once and removed at most once, so the order of the batches does not matter.
    let t = this.base;
    const fresh = new Set(adds);
    for (const r of removed) if (!fresh.has(r)) t = treeRemove(t, r, this.cmp, edit);
    this.#tree = treeInsertMany(
      t,
      adds.filter((r) => !removed.has(r)),
      this.cmp,
      edit,
    );
    return this.#tree;
  }

  /** This tree plus one transaction's changes. */
  with(adds: readonly number[], removes: readonly number[]): LazyTree {
    if (adds.length === 0 && removes.length === 0) return this;
    const built = this.#tree;
    return built !== null
      ? new LazyTree(built, { adds, removes, next: null }, this.cmp)
      : new LazyTree(this.base, { adds, removes, next: this.pending }, this.cmp);
  }
}
