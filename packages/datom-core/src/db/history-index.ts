import { EMPTY_TREE, newEdit, treeInsertMany, type Tree } from '../index/btree.js';
import type { DatomTable } from '../index/datom-table.js';
import type { IndexComparators } from '../index/index-order.js';
import type { Schema } from '../schema/schema.js';

/** The history indexes: the retraction rows (each linking to the assertion it ends), in four orders. */
export interface HistoryTrees {
  readonly heavt: Tree;
  readonly haevt: Tree;
  readonly havet: Tree;
  readonly hvaet: Tree;
}

/**
 * Rows not yet in the history trees, newest first: each node is a range of table rows written by
 * whole transactions, whose retraction rows belong in the history unless their attribute keeps
 * none in `schema` (the schema those transactions saw). Consecutive transactions under one schema
 * extend one range instead of chaining a node each, so that a long run of small commits leaves no
 * per-transaction garbage behind for the collector to keep.
 */
interface Pending {
  readonly table: DatomTable;
  /** First row of the range. */
  readonly from: number;
  /** One past the last row of the range. */
  readonly to: number;
  readonly schema: Schema;
  readonly next: Pending | null;
}

const EMPTY_TREES: HistoryTrees = Object.freeze({ heavt: EMPTY_TREE, haevt: EMPTY_TREE, havet: EMPTY_TREE, hvaet: EMPTY_TREE });

/**
 * The history of a database value, built lazily. Only `asOf`, `history` and snapshots read history,
 * so a transaction just records where its rows are; the trees are brought up to date, in one sorted
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
      const { table, schema } = p;
      for (let r = p.from; r < p.to; r++) {
        if (table.added(r)) continue;
        // History indexes the retraction row only: it links to the assertion it ends.
        const a = schema.attr(table.a(r));
        if (a === undefined || a.noHistory) continue;
        rows.push(r);
        if (a.isRef) refs.push(r);
      }
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

  /**
   * This history plus one transaction: the rows `from` (inclusive) to `to` (exclusive) of `table`,
   * written against `schema`. `retracted` says whether any of them is a retraction; a transaction
   * without one changes nothing, but is still taken into a range it directly follows, so that the
   * range stays one.
   */
  with(table: DatomTable, from: number, to: number, schema: Schema, retracted: boolean): HistoryIndex {
    if (from === to) return this;
    const p = this.pending;
    const follows = p !== null && p.table === table && p.to === from && p.schema === schema;
    if (!retracted && !follows) return this;
    const built = this.#trees;
    if (built !== null) return new HistoryIndex(built, { table, from, to, schema, next: null });
    const pending = follows ? { table, from: (p as Pending).from, to, schema, next: (p as Pending).next } : { table, from, to, schema, next: p };
    return new HistoryIndex(this.base, pending);
  }
}
