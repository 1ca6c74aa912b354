import { EMPTY_TREE, newEdit, treeInsertMany, type Tree } from '../index/btree.js';
import type { IndexComparators } from '../index/index-order.js';

/** The history indexes: the retraction rows (each linking to the assertion it ends), in four orders. */
export interface HistoryTrees {
  readonly heavt: Tree;
  readonly haevt: Tree;
  readonly havet: Tree;
  readonly hvaet: Tree;
}

/** Retraction rows not yet in the history trees: one transaction's, then the earlier ones. */
interface Pending {
  readonly rows: readonly number[];
  /** The rows of ref attributes among them (VAET holds refs only). */
  readonly refs: readonly number[];
  readonly next: Pending | null;
}

const EMPTY_TREES: HistoryTrees = Object.freeze({ heavt: EMPTY_TREE, haevt: EMPTY_TREE, havet: EMPTY_TREE, hvaet: EMPTY_TREE });

/**
 * The history of a database value, built lazily. Only `asOf`, `history` and snapshots read history,
 * so a transaction just records its retraction rows; the trees are brought up to date, in one sorted
 * batch, the first time a value is asked for them (and kept, so later values start from there).
 */
export class HistoryIndex {
  static readonly EMPTY = new HistoryIndex(EMPTY_TREES, null);

  #trees: HistoryTrees | null;

  constructor(
    readonly base: HistoryTrees,
    readonly pending: Pending | null,
  ) {
    this.#trees = pending === null ? base : null;
  }

  /** The history trees of this value. */
  trees(cmp: IndexComparators): HistoryTrees {
    if (this.#trees !== null) return this.#trees;
    const rows: number[] = [];
    const refs: number[] = [];
    for (let p = this.pending; p !== null; p = p.next) {
      for (const r of p.rows) rows.push(r);
      for (const r of p.refs) refs.push(r);
    }
    const edit = newEdit();
    const b = this.base;
    this.#trees = {
      heavt: treeInsertMany(b.heavt, rows, cmp.eavt, edit),
      haevt: treeInsertMany(b.haevt, rows, cmp.aevt, edit),
      havet: treeInsertMany(b.havet, rows, cmp.avet, edit),
      hvaet: treeInsertMany(b.hvaet, refs, cmp.vaet, edit),
    };
    return this.#trees;
  }

  /** This history plus one transaction's retraction rows. */
  with(rows: readonly number[], refs: readonly number[]): HistoryIndex {
    if (rows.length === 0) return this;
    const built = this.#trees;
    return built !== null ? new HistoryIndex(built, { rows, refs, next: null }) : new HistoryIndex(this.base, { rows, refs, next: this.pending });
  }
}
