import { DatomError } from '../error/datom-error.js';
import type { DbState } from '../db/db-state.js';
import { entityWith } from '../db/lookup.js';
import { TX_BASE } from '../schema/bootstrap.js';
import type { Tempids } from './expand-tx.js';
import type { Op } from './op.js';
import { formToString } from './form-utils.js';
import { valueKey } from './value-key.js';

/** What tempid resolution decided. */
export interface TempidResolution {
  /**
   * Entity id of each tempid (index `-id - 1`). A tempid got a new entity (rather than upserting
   * into an existing one) exactly when its id is above the database's `maxEid` and below `TX_BASE`.
   */
  readonly eids: readonly number[];
  /** The largest user entity id after allocation. */
  readonly maxEid: number;
}

function tempidName(t: Tempids, id: number): string {
  return t.names[-id - 1] ?? `(map without db/id #${-id})`;
}

/** The representative of tempid `i` among those merged with it (`parent` is a union-find forest). */
function rootOf(parent: number[], i: number): number {
  while (parent[i] !== i) {
    parent[i] = parent[parent[i] as number] as number;
    i = parent[i] as number;
  }
  return i;
}

const NO_EIDS: readonly number[] = Object.freeze([]);

/**
 * Resolves the tempids of one transaction with Datomic's set semantics: every tempid that asserts
 * a `db.unique/identity` value already held in the database before the transaction takes that
 * entity (repeatedly, as resolving one tempid can make another's value known); a tempid upserting
 * to two different entities is an error; tempids still unbound that assert the same identity value
 * become one new entity; new ids are handed out in order of first appearance.
 */
export function resolveTempids(db: DbState, ops: readonly Op[], tempids: Tempids): TempidResolution {
  const n = tempids.size;
  if (n === 0) return { eids: NO_EIDS, maxEid: db.maxEid };
  // Plain arrays: transactions usually have a handful of tempids, and typed arrays cost more to make.
  const eids = new Array<number>(n).fill(0);

  let upserts: Op[] | null = null;
  for (let i = 0; i < ops.length; i++) {
    const op = ops[i] as Op;
    if (op.add && op.e < 0 && op.a.unique === 'identity') (upserts ??= []).push(op);
  }

  // Without upserts every tempid is its own new entity: no merging to find.
  let parent: number[] | null = null;
  if (upserts !== null) {
    // Bind tempids to existing entities until nothing changes.
    for (let changed = true; changed; ) {
      changed = false;
      for (const op of upserts) {
        let v = op.v;
        if (op.a.isRef && (v as number) < 0) {
          const bound = eids[-(v as number) - 1] as number;
          if (bound === 0) continue;
          v = bound;
        }
        const holder = entityWith(db, op.a.id, v);
        if (holder === -1) continue;
        const i = -op.e - 1;
        const cur = eids[i] as number;
        if (cur === 0) {
          eids[i] = holder;
          changed = true;
        } else if (cur !== holder) {
          throw new DatomError(
            'transact/upsert',
            `Conflicting upsert: tempid ${tempidName(tempids, op.e)} resolves both to ${cur} and ${holder}`,
            { data: { tempid: tempidName(tempids, op.e), entities: [cur, holder], attribute: `:${op.a.ident.fqn}`, form: formToString(op.form) } },
          );
        }
      }
    }

    // Unbound tempids asserting the same identity value are one new entity.
    parent = Array.from({ length: n }, (_, i) => i);
    const byValue = new Map<string, number>();
    for (const op of upserts) {
      const i = -op.e - 1;
      if (eids[i] !== 0) continue;
      let v = op.v;
      if (op.a.isRef && (v as number) < 0) {
        const bound = eids[-(v as number) - 1] as number;
        v = bound === 0 ? (v as number) : bound;
      }
      const key = `${op.a.id}|${valueKey(v)}`;
      const other = byValue.get(key);
      if (other === undefined) byValue.set(key, i);
      else {
        const x = rootOf(parent, i);
        const y = rootOf(parent, other);
        if (x !== y) parent[Math.max(x, y)] = Math.min(x, y);
      }
    }
  }

  let maxEid = db.maxEid;
  for (let i = 0; i < n; i++) {
    if (eids[i] !== 0) continue;
    const root = parent === null ? i : rootOf(parent, i);
    if (root !== i && eids[root] !== 0) {
      eids[i] = eids[root] as number;
      continue;
    }
    if (!tempids.asEntity[i]) {
      // Only a member of a merged group, or a tempid used only as a value.
      let usedAsEntity = false;
      if (parent !== null) for (let j = 0; j < n && !usedAsEntity; j++) if (rootOf(parent, j) === root && tempids.asEntity[j]) usedAsEntity = true;
      if (!usedAsEntity) {
        const id = -(i + 1);
        const where = ops.find((op) => op.a.isRef && op.v === id);
        throw new DatomError('transact/tempid', `Tempid ${tempidName(tempids, id)} is used only as a value: it must also name an entity`, {
          data: { tempid: tempidName(tempids, id), form: formToString(where?.form) },
        });
      }
    }
    maxEid += 1;
    if (maxEid >= TX_BASE) {
      throw new DatomError('transact/id-overflow', `Entity ids are exhausted: the next id would reach ${TX_BASE}`, {
        data: { maxEid: maxEid - 1 },
      });
    }
    eids[root] = maxEid;
    eids[i] = maxEid;
  }
  return { eids, maxEid };
}
