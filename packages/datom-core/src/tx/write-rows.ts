import { newEdit, TreeCursor, treeFirstMatch, treeInsert, treeInsertMany, treeInsertRange, treeRemove, treeRemoveMany } from '../index/btree.js';
import { compareValues } from '../model/value.js';
import { sortByAttribute } from '../index/sort-rows.js';
import { type DbState, type IndexTrees, type LiveTrees, indexTrees } from '../db/db-state.js';
import type { HistoryIndex } from '../db/history-index.js';
import { A, tToTx } from '../schema/bootstrap.js';
import type { Schema } from '../schema/schema.js';
import type { AttrValues, UniqueValues } from '../db/unique-values.js';
import type { Op } from './op.js';
import type { Retraction } from './retractions.js';

/**
 * Writes one transaction's datoms: rows into the table (the txInstant first when it is first in
 * `adds`), retracted rows out of the current trees and, unless the attribute keeps no history,
 * their retraction rows into the history. Returns the new trees and history, and the rows.
 *
 * With `inPlace`, when `before` is the head of its lineage, the trees are changed in place and the
 * lineage is returned: the caller makes the new value its head (see {@link LiveTrees}). Otherwise
 * the trees are copied where they change, and `before` stays as it was.
 */
export function writeRows(
  before: DbState,
  t: number,
  retracts: readonly Retraction[],
  adds: readonly Op[],
  schemaAfter: Schema,
  inPlace = false,
): { trees: IndexTrees; history: HistoryIndex; rows: number[]; live: LiveTrees | null } {
  const table = before.table;
  const live = inPlace ? before.liveHead() : null;
  const edit = live !== null ? live.edit : newEdit();
  const cmp = before.cmp;
  const src = live !== null ? before.trees : before.stableTrees();
  let { eavt, vaet, uavet } = src;
  // The head's unique values by value, kept with its trees when they are written in place.
  const uniques = live?.uniques ?? null;
  // The transaction's rows are one contiguous run of the table, [from, from + rows.length): the
  // lazily kept indexes record just that range. Arrays that outlive the transaction (`rows` is kept
  // in the log) are allocated at their exact size. The assertions other than the txInstant are the
  // last run of `rows`, from `addedFrom` on: EAVT takes them from there, as no copy of their own
  // (an array past 16k elements costs a large transaction about a millisecond to allocate).
  const from = table.size;
  const rows = new Array<number>(retracts.length + adds.length);
  let n = 0;
  let addedRefs: number[] | null = null;
  let addedUnique: number[] | null = null;
  /** The unique values of the attribute of the last unique assertion. */
  let valuesOf = -1;
  let values: AttrValues | null = null;
  const first = adds[0];
  // The txInstant datom leads the transaction's rows, as in Datomic's tx-data.
  const instantFirst = first !== undefined && first.a.id === A.txInstant && first.e === tToTx(t);
  const instantRow = instantFirst ? table.add(first.e, first.a.id, first.v, t, true) : -1;
  if (instantFirst) rows[n++] = instantRow;
  // The retracted rows, in the order of `retracts`: retractions of one entity, as retractEntity
  // makes them, are in EAVT order and come out of the tree together.
  const removed = new Array<number>(retracts.length);
  for (let i = 0; i < retracts.length; i++) {
    const { op, row } = retracts[i] as Retraction;
    rows[n++] = table.add(op.e, op.a.id, op.v, t, false, row);
    removed[i] = row;
    if (op.a.unique !== null) {
      uavet = treeRemove(uavet, row, cmp.avet, edit);
      const m = uniques?.existing(op.a.id);
      if (m !== undefined) (uniques as UniqueValues).retract(m, op.v, row);
    }
    if (op.a.isRef) vaet = treeRemove(vaet, row, cmp.vaet, edit);
  }
  if (removed.length > 0) eavt = treeRemoveMany(eavt, removed, cmp.eavt, edit);
  const addedFrom = n;
  for (let i = instantFirst ? 1 : 0; i < adds.length; i++) {
    const op = adds[i] as Op;
    const r = table.add(op.e, op.a.id, op.v, t, true);
    rows[n++] = r;
    if (op.a.isRef) (addedRefs ??= []).push(r);
    if (op.a.unique !== null) {
      (addedUnique ??= []).push(r);
      if (uniques !== null) {
        const a = op.a.id;
        // Made when the attribute is first written: complete when it has no live datoms (its
        // retractions in this transaction are out of the tree already).
        if (a !== valuesOf) {
          valuesOf = a;
          values = uniques.forWrite(a, () => treeFirstMatch(uavet, cmp.probe('avet', [a]), null) === -1);
        }
        uniques.assert(values as AttrValues, op.v, r, table);
      }
    }
  }
  const to = table.size;
  const lazyAevt = src.lazyAevt.with(table, from, to);
  const lazyAvet = src.lazyAvet.with(table, from, to);
  if (addedUnique !== null) {
    // A large batch is sorted attribute by attribute (see sortByAttribute).
    const many = addedUnique.length >= 16;
    uavet = treeInsertMany(uavet, many ? sortByAttribute(addedUnique, table, cmp.avet, true) : addedUnique, cmp.avet, edit, many);
  }
  // An attribute that became unique (or stopped being) moves into (or out of) the unique index.
  if (schemaAfter !== before.schema) {
    for (const a of schemaAfter.attrs()) {
      const was = before.schema.attr(a.id)?.unique ?? null;
      if ((was === null) === (a.unique === null)) continue;
      uniques?.drop(a.id);
      const probe = cmp.probe('avet', [a.id]);
      const cur = new TreeCursor(was === null ? lazyAvet.tree() : uavet, probe);
      const rowsOfAttr: number[] = [];
      for (let r = cur.next(); r !== -1 && probe(r) === 0; r = cur.next()) rowsOfAttr.push(r);
      if (was === null) uavet = treeInsertMany(uavet, rowsOfAttr, cmp.avet, edit);
      else for (const r of rowsOfAttr) uavet = treeRemove(uavet, r, cmp.avet, edit);
    }
  }
  // The txInstant row sorts after every user entity's: inserted on its own, it leaves the rest of
  // the batch one sorted run when the operations are in [e a v] order, as a transaction sorts them.
  if (instantFirst) eavt = treeInsert(eavt, instantRow, cmp.eavt, edit);
  const trees = indexTrees(
    treeInsertRange(eavt, rows, addedFrom, n, cmp.eavt, edit, inEavtOrder(adds, instantFirst ? 1 : 0)),
    lazyAevt,
    addedRefs === null ? vaet : treeInsertMany(vaet, addedRefs, cmp.vaet, edit),
    uavet,
    lazyAvet,
  );
  // History takes the retraction rows of the range whose attribute keeps history in the schema the
  // operations were expanded against, `before`'s.
  const history = before.history.with(table, from, to, before.schema, retracts.length > 0);
  return { trees, history, rows, live };
}

/**
 * Whether the assertions `adds[from..]`, all of one transaction, are in EAVT order: by entity,
 * attribute and value, which is the order of their rows' (same t, rows increasing).
 */
function inEavtOrder(adds: readonly Op[], from: number): boolean {
  for (let i = from + 1; i < adds.length; i++) {
    const p = adds[i - 1] as Op;
    const q = adds[i] as Op;
    if (p.e < q.e) continue;
    if (p.e > q.e) return false;
    if (p.a.id < q.a.id) continue;
    if (p.a.id > q.a.id || compareValues(p.v, q.v) >= 0) return false;
  }
  return true;
}
