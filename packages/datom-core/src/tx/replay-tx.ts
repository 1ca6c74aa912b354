import { DatomError } from '../error/datom-error.js';
import type { DbState } from '../db/db-state.js';
import { liveRow } from '../db/lookup.js';
import type { Value } from '../model/value.js';
import { A, TX_BASE, tToTx } from '../schema/bootstrap.js';
import { SCHEMA_ATTRS, type AttrInfo, type SchemaChange } from '../schema/schema.js';
import type { Op } from './op.js';
import type { Retraction } from './retractions.js';
import { writeRows } from './write-rows.js';

/** One datom of a stored transaction. */
export interface StoredDatom {
  readonly e: number;
  readonly a: number;
  readonly v: Value;
  readonly added: boolean;
}

/**
 * Applies a transaction that was already decided (read back from the log) to `before`: no
 * semantics are re-run, the datoms are written as they are. The log must agree with the state: a
 * retraction of a datom that is not there, or an unknown attribute, is `storage/corrupt`.
 */
export function replayTx(before: DbState, t: number, datoms: readonly StoredDatom[], source: string): { state: DbState; rows: number[] } {
  if (t !== before.basisT + 1) {
    throw new DatomError('storage/corrupt', `${source}: transaction t=${t} does not follow t=${before.basisT}`, { data: { source, t, basisT: before.basisT } });
  }
  const adds: Op[] = [];
  const retracts: Retraction[] = [];
  const changes: SchemaChange[] = [];
  let maxEid = before.maxEid;
  let instant = before.lastInstant;
  const txEid = tToTx(t);
  for (const d of datoms) {
    const a = before.schema.attr(d.a) as AttrInfo | undefined;
    if (a === undefined) {
      throw new DatomError('storage/corrupt', `${source}: transaction t=${t} uses unknown attribute ${d.a}`, { data: { source, t, attribute: d.a } });
    }
    const op: Op = { add: d.added, e: d.e, a, v: d.v, form: null, row: -1 };
    if (d.added) {
      if (d.e === txEid && d.a === A.txInstant) {
        instant = (d.v as Date).getTime();
        adds.unshift(op);
      } else adds.push(op);
      if (d.e < TX_BASE && d.e > maxEid) maxEid = d.e;
    } else {
      const row = liveRow(before, d.e, d.a, d.v);
      if (row === -1) {
        throw new DatomError('storage/corrupt', `${source}: transaction t=${t} retracts a datom that is not there`, { data: { source, t, e: d.e, a: d.a } });
      }
      retracts.push({ op, row });
    }
    if (SCHEMA_ATTRS.has(d.a)) changes.push({ e: d.e, a: d.a, v: d.v, added: d.added });
  }
  changes.sort((x, y) => Number(x.added) - Number(y.added));
  const schema =
    changes.length === 0
      ? before.schema
      : before.schema.apply(changes, { hasManyValues: () => false, hasDuplicateValues: () => false });
  const { trees, history, rows } = writeRows(before, t, retracts, adds, schema);
  return { state: before.derive({ schema, basisT: t, maxEid, lastInstant: instant, history }, trees, rows), rows };
}

