import { compareValues } from '../model/value.js';
import type { Op } from './op.js';

/** The order of operations by `[e a v]`, which both `transact` and bulk loads sort by. */
export function cmpOps(x: Op, y: Op): number {
  return x.e - y.e || x.a.id - y.a.id || compareValues(x.v, y.v);
}

/** Sorts `ops` and drops the duplicates, in place (the first of equal operations stays). */
export function distinct(ops: Op[]): Op[] {
  if (ops.length < 2) return ops;
  // Often already in order and distinct: a retractEntity's operations come out of EAVT.
  let ordered = true;
  for (let i = 1; i < ops.length && ordered; i++) ordered = cmpOps(ops[i - 1] as Op, ops[i] as Op) < 0;
  if (ordered) return ops;
  ops.sort(cmpOps);
  let k = 1;
  for (let i = 1; i < ops.length; i++) {
    const op = ops[i] as Op;
    if (cmpOps(ops[k - 1] as Op, op) !== 0) ops[k++] = op;
  }
  // Setting the length calls into the runtime even when it does not change.
  if (k < ops.length) ops.length = k;
  return ops;
}
