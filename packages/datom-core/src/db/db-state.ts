import { EMPTY_TREE, newEdit, treeForEach, treeFromSorted, treeInsertMany, type Tree } from '../index/btree.js';
import { DatomTable } from '../index/datom-table.js';
import { IndexComparators } from '../index/index-order.js';
import { A, bootstrapDatoms, FIRST_USER_EID } from '../schema/bootstrap.js';
import { Schema } from '../schema/schema.js';
import { HistoryIndex } from './history-index.js';
import { LazyTree } from './lazy-tree.js';

/** The rows of `avet` whose attribute is unique in `schema`, as a tree of their own. */
export function uniqueOnly(avet: Tree, schema: Schema, table: DatomTable): Tree {
  const rows: number[] = [];
  treeForEach(avet, (r) => {
    if (schema.attr(table.a(r))?.unique != null) rows.push(r);
  });
  return treeFromSorted(rows, null);
}

/** The current-state trees of one database value. */
export interface IndexTrees {
  readonly eavt: Tree;
  readonly aevt: Tree;
  /** The full AVET index, brought up to date when first read (see {@link LazyTree}). */
  readonly avet: Tree;
  readonly vaet: Tree;
  /** AVET of the unique attributes only, kept eagerly: transactions look unique values up here. */
  readonly uavet: Tree;
  /** What `avet` is computed from. */
  readonly lazyAvet: LazyTree;
}

/** Index trees with the full AVET computed on first read. */
export function indexTrees(eavt: Tree, aevt: Tree, vaet: Tree, uavet: Tree, lazyAvet: LazyTree): IndexTrees {
  return {
    eavt,
    aevt,
    vaet,
    uavet,
    lazyAvet,
    get avet(): Tree {
      return lazyAvet.tree();
    },
  };
}

/**
 * Everything a database value is: the shared row table, its own index trees, schema and counters.
 * Immutable; a transaction makes a new one.
 */
export interface DbState {
  readonly id: string;
  readonly table: DatomTable;
  readonly cmp: IndexComparators;
  readonly schema: Schema;
  readonly basisT: number;
  /** The largest user entity id allocated so far (FIRST_USER_EID - 1 when none). */
  readonly maxEid: number;
  /** The txInstant of the latest transaction, in ms since the epoch. */
  readonly lastInstant: number;
  readonly trees: IndexTrees;
  /** Retractions, for asOf and history (built lazily). */
  readonly history: HistoryIndex;
}

/** The state of a new, empty database: the bootstrap schema at t = 0. */
export function emptyDbState(id: string): DbState {
  const table = new DatomTable();
  const cmp = new IndexComparators(table);
  const rows: number[] = [];
  const refRows: number[] = [];
  const datoms = bootstrapDatoms();
  for (const [e, a, v] of datoms) {
    const r = table.add(e, a, v, 0, true);
    rows.push(r);
    if (a === A.valueType || a === A.cardinality || a === A.unique) refRows.push(r);
  }
  const edit = newEdit();
  const schema = Schema.fromDatoms(datoms);
  const avet = treeInsertMany(EMPTY_TREE, rows, cmp.avet, edit);
  const trees = indexTrees(
    treeInsertMany(EMPTY_TREE, rows, cmp.eavt, edit),
    treeInsertMany(EMPTY_TREE, rows, cmp.aevt, edit),
    treeInsertMany(EMPTY_TREE, refRows, cmp.vaet, edit),
    uniqueOnly(avet, schema, table),
    new LazyTree(avet, null, cmp.avet),
  );
  return {
    id,
    table,
    cmp,
    schema,
    basisT: 0,
    maxEid: FIRST_USER_EID - 1,
    lastInstant: 0,
    trees,
    history: HistoryIndex.EMPTY,
  };
}
