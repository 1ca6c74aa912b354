// Composite tuples follow their parts: a transaction or bulk load that asserts or retracts a part
// asserts the tuple's new value and retracts its old one. Redundant assertions of a part count too:
// re-asserting a part fills in a composite installed after the data, as in Datomic.
import type { DbState } from '../db/db-state.js';
import { liveRowsOf } from '../db/lookup.js';
import { compareValues, type Value } from '../model/value.js';
import type { AttrInfo } from '../schema/schema.js';
import type { Op } from './op.js';
import type { Retractions } from './retractions.js';

/**
 * Keeps composite tuple `ta` of entity `e` equal to its parts after the transaction: each part is
 * the value the transaction asserts (`asserted`), or else the database's (less what `retracts`
 * retracts; none for an entity the transaction creates). A tuple whose parts are all gone is
 * retracted. Appends the tuple's assertion to `out`, the retraction of its old value to `retracts`.
 */
export function syncTuple(before: DbState, e: number, ta: AttrInfo, asserted: (part: number) => Value | undefined, created: boolean, out: Op[], retracts: Retractions): void {
  const parts = (ta.tupleAttrs as readonly number[]).map((pid) => {
    const v = asserted(pid);
    if (v !== undefined) return v;
    if (created) return null;
    const r = liveRowsOf(before, e, pid).find((row) => !retracts.has(row));
    return r === undefined ? null : before.table.v(r);
  });
  const value = parts.every((p) => p === null) ? null : (Object.freeze(parts) as Value);
  const cur = created ? undefined : liveRowsOf(before, e, ta.id)[0];
  const same = cur !== undefined && value !== null && compareValues(before.table.v(cur), value) === 0;
  if (cur !== undefined && !same) retracts.replace(before.table, e, ta, cur, null);
  if (value !== null && !same) out.push({ add: true, e, a: ta, v: value, form: null, row: -1 });
}

/**
 * Appends to `out` the tuple assertions (and to `retracts` the retractions) that keep the composite
 * tuples of every entity whose parts `adds` or `retracts` touch equal to their parts.
 */
export function compositeTuples(before: DbState, adds: readonly Op[], out: Op[], retracts: Retractions): void {
  const touched = new Map<number, Set<AttrInfo>>();
  const schema = before.schema;
  const note = (e: number, a: AttrInfo): void => {
    for (const tid of a.partOf) {
      const ta = schema.attr(tid);
      if (ta === undefined) continue;
      let s = touched.get(e);
      if (s === undefined) touched.set(e, (s = new Set()));
      s.add(ta);
    }
  };
  const partAdds = new Map<number, Op[]>();
  for (const op of adds) {
    if (op.a.partOf.length === 0) continue;
    note(op.e, op.a);
    let l = partAdds.get(op.e);
    if (l === undefined) partAdds.set(op.e, (l = []));
    l.push(op);
  }
  for (const r of retracts.list) if (r.op.a.partOf.length > 0) note(r.op.e, r.op.a);
  for (const [e, tupleAttrs] of touched) {
    const own = partAdds.get(e) ?? [];
    const asserted = (pid: number): Value | undefined => own.find((op) => op.a.id === pid)?.v;
    for (const ta of tupleAttrs) syncTuple(before, e, ta, asserted, false, out, retracts);
  }
}

/**
 * The composite tuples of entity `ops[from..to)` (one entity's operations, sorted) that its part
 * assertions change, for a bulk load: a new entity's parts are all in the batch (`created`), an
 * existing entity's others are read from the database.
 */
export function entityTuples(before: DbState, ops: readonly Op[], from: number, to: number, created: boolean, out: Op[], retracts: Retractions): void {
  const e = (ops[from] as Op).e;
  // The entity's tuples in the order its parts name them, each once (an entity has a few at most:
  // a list, and index loops, make no iterator per part as a Set and for-of did).
  const tuples: number[] = [];
  for (let i = from; i < to; i++) {
    const partOf = (ops[i] as Op).a.partOf;
    for (let k = 0; k < partOf.length; k++) if (!tuples.includes(partOf[k] as number)) tuples.push(partOf[k] as number);
  }
  const asserted = (pid: number): Value | undefined => {
    for (let i = from; i < to; i++) if ((ops[i] as Op).a.id === pid) return (ops[i] as Op).v;
    return undefined;
  };
  for (let k = 0; k < tuples.length; k++) {
    const ta = before.schema.attr(tuples[k] as number);
    if (ta !== undefined) syncTuple(before, e, ta, asserted, created, out, retracts);
  }
}
