import { DatomError } from '../error/datom-error.js';
import type { DbState } from '../db/db-state.js';
import { MAX_T, TX_BASE } from '../schema/bootstrap.js';

/** The t of the transaction after `before`; `transact/id-overflow` past the last one. */
export function nextT(before: DbState): number {
  const t = before.basisT + 1;
  if (t > MAX_T) throw new DatomError('transact/id-overflow', `Transaction t would exceed ${MAX_T}`, { data: { basisT: before.basisT } });
  return t;
}

/** True when `e` is an entity this transaction creates: a newly allocated id, or the transaction. */
export function isNew(before: DbState, e: number, txEid: number): boolean {
  return (e > before.maxEid && e < TX_BASE) || e === txEid;
}
