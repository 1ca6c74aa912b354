import { EMPTY_TREE, newEdit, treeInsertMany, type Tree } from '../index/btree.js';
import { DatomTable } from '../index/datom-table.js';
import { IndexComparators } from '../index/index-order.js';
import { A, bootstrapDatoms, FIRST_USER_EID } from '../schema/bootstrap.js';
import { Schema } from '../schema/schema.js';
import { HistoryIndex } from './history-index.js';

/** The current-state trees of one database value. */
export interface IndexTrees {
  readonly eavt: Tree;
  readonly aevt: Tree;
  readonly avet: Tree;
  readonly vaet: Tree;
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
  const trees: IndexTrees = {
    eavt: treeInsertMany(EMPTY_TREE, rows, cmp.eavt, edit),
    aevt: treeInsertMany(EMPTY_TREE, rows, cmp.aevt, edit),
    avet: treeInsertMany(EMPTY_TREE, rows, cmp.avet, edit),
    vaet: treeInsertMany(EMPTY_TREE, refRows, cmp.vaet, edit),
  };
  return {
    id,
    table,
    cmp,
    schema: Schema.fromDatoms(datoms),
    basisT: 0,
    maxEid: FIRST_USER_EID - 1,
    lastInstant: 0,
    trees,
    history: HistoryIndex.EMPTY,
  };
}
