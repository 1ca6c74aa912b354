import { EMPTY_TREE, newEdit, treeInsertMany, treeRemove, type Tree } from '../index/btree.js';
import type { RowCompare } from '../index/btree.js';
import type { DatomTable } from '../index/datom-table.js';
import { sortByAttribute } from '../index/sort-rows.js';

/**
 * Rows written by transactions not yet applied to a tree, newest first: each node is a range of
 * table rows. A transaction writes its rows in one contiguous run, so a range stands for whole
 * transactions: its assertion rows are added, and the assertions its retraction rows end are
 * removed. Consecutive transactions extend one range instead of chaining a node each, so that a
 * long run of small commits leaves no per-transaction garbage behind for the collector to keep.
 */
interface Pending {
  readonly table: DatomTable;
  /** First row of the range. */
  readonly from: number;
  /** One past the last row of the range. */
  readonly to: number;
  readonly next: Pending | null;
}

/**
 * A tree kept up to date lazily: transactions record the rows they wrote, and the tree catches up
 * in one batch the first time it is read (and keeps the result, so that values derived later start
 * from there). Used for AEVT and the full AVET index, which only reads need: transactions find
 * datoms by entity (EAVT) and unique values through an index of the unique attributes alone, kept
 * eagerly. Its order must lead with the attribute, as both of those do.
 */
export class LazyTree {
  /** A live object of this class, kept for the reason `Filler.kept` (db/column-read.ts) gives: a database's own die when it is closed, and the next database's code ran unoptimized. */
  static readonly kept: LazyTree = new LazyTree(EMPTY_TREE, null, () => 0, false);

  #tree: Tree | null;

  /**
   * @param cmp the tree's order, which leads with the attribute.
   * @param valueFirst whether the value follows the attribute in that order (AVET), else the entity (AEVT).
   */
  constructor(
    readonly base: Tree,
    readonly pending: Pending | null,
    readonly cmp: RowCompare,
    readonly valueFirst: boolean,
  ) {
    this.#tree = pending === null ? base : null;
  }

  /** The up-to-date tree when it has been built (or needed no building), else null. */
  get built(): Tree | null {
    return this.#tree;
  }

  /**
   * The tree, brought up to date. `uniques`, for the full AVET, is the unique attributes' AVET of
   * the same database value: their rows are read off it in order instead of being sorted.
   */
  tree(uniques: Tree | null = null): Tree {
    if (this.#tree !== null) return this.#tree;
    const adds: number[] = [];
    const removed = new Set<number>();
    for (let p = this.pending; p !== null; p = p.next) {
      const table = p.table;
      for (let r = p.from; r < p.to; r++) {
        if (table.added(r)) adds.push(r);
        else removed.add(table.link(r));
      }
    }
    const edit = newEdit();
    // A row is added once and removed at most once, so the order of the batches does not matter.
    let t = this.base;
    // An assertion both written and retracted since the base is in none of the two; the others
    // retracted were in the base. (Rows are numbered in writing order: a range tells which.)
    for (const r of removed) if (!this.#pendingHas(r)) t = treeRemove(t, r, this.cmp, edit);
    const live = removed.size === 0 ? adds : adds.filter((r) => !removed.has(r));
    this.#tree = treeInsertMany(t, sortByAttribute(live, (this.pending as Pending).table, this.cmp, this.valueFirst, uniques), this.cmp, edit, true);
    return this.#tree;
  }

  /** True when row `r` was written by one of the pending transactions. */
  #pendingHas(r: number): boolean {
    for (let p = this.pending; p !== null; p = p.next) if (r >= p.from && r < p.to) return true;
    return false;
  }

  /**
   * This tree plus the rows `from` (inclusive) to `to` (exclusive) of `table`, which one
   * transaction wrote: its assertions go in, and the assertion each of its retractions links to
   * goes out.
   */
  with(table: DatomTable, from: number, to: number): LazyTree {
    if (from === to) return this;
    const built = this.#tree;
    if (built !== null) return new LazyTree(built, { table, from, to, next: null }, this.cmp, this.valueFirst);
    const p = this.pending as Pending;
    // Right after the previous transaction's rows: one range covers both.
    const pending = p.table === table && p.to === from ? { table, from: p.from, to, next: p.next } : { table, from, to, next: p };
    return new LazyTree(this.base, pending, this.cmp, this.valueFirst);
  }
}
