import type { DbState } from '../db/db-state.js';
import { firstLiveRow, liveRow } from '../db/lookup.js';
import { compareValues } from '../model/value.js';
import type { Op } from './op.js';
import type { Retractions } from './retractions.js';

/**
 * Whether assertion `op` writes a datom: always on an entity the transaction creates (`created`);
 * on an existing one, unless the database holds it already. A new value of a cardinality-one
 * attribute retracts the old one (added to `retracts`). The rule of `transact` and bulk loads alike.
 */
export function isNovel(before: DbState, op: Op, created: boolean, retracts: Retractions): boolean {
  if (created) return true;
  if (op.a.many) return liveRow(before, op.e, op.a.id, op.v) === -1;
  const row = firstLiveRow(before, op.e, op.a.id);
  if (row === -1) return true;
  if (compareValues(before.table.v(row), op.v) === 0) return false;
  retracts.replace(before.table, op.e, op.a, row, op.form);
  return true;
}
