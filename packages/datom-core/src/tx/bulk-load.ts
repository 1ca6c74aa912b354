import type { DbState } from '../db/db-state.js';
import { DatomError, type DatomErrorCode } from '../error/datom-error.js';
import type { Value } from '../model/value.js';
import { A, FIRST_USER_EID, TX_BASE, tToTx } from '../schema/bootstrap.js';
import { coerceScalar, coerceTuple } from '../schema/coerce-value.js';
import type { AttrInfo } from '../schema/schema.js';
import { formToString } from './form-utils.js';
import type { Op } from './op.js';
import { entityTuples } from './composite-tuples.js';
import { isNew, nextT } from './new-tx.js';
import { isNovel } from './novelty.js';
import { cmpOps, distinct } from './op-order.js';
import { Retractions } from './retractions.js';
import type { TxEnv } from './tx-env.js';
import type { TxOutcome } from '../db/tx-outcome.js';
import { uniqueError } from './tx-errors.js';
import { writeRows } from './write-rows.js';
import type { TxReport } from './tx-data.js';
import { checkUnique } from './unique-check.js';

/**
 * A batch for `Connection.bulkLoad`, as three columns: datom `i` is `[e[i] a[i] v[i]]`.
 *
 * The batch creates a block of `newEntities` entities, which the database numbers itself: new
 * entity `k` (from 0) is written `-(k + 1)`, as an entity and as a ref value (also as a ref element
 * of a tuple). Any other entity position or ref is an existing entity id. Every datom is an
 * assertion of a user attribute, named by its id.
 *
 * @example
 * ```ts
 * const name = db.attribute('artist/name')!.id
 * const batch: BulkBatch = { newEntities: 2, e: [-1, -2], a: [name, name], v: ['Nina', 'Miles'] }
 * ```
 */
export interface BulkBatch {
  /** How many new entities the batch creates; each must be the entity of at least one datom. */
  readonly newEntities: number;
  /** The entity of each datom: an existing entity id, or `-(k + 1)` for new entity `k`. */
  readonly e: ArrayLike<number>;
  /** The attribute id of each datom. */
  readonly a: ArrayLike<number>;
  /** The value of each datom, as `transact` accepts it for the attribute's type. */
  readonly v: ArrayLike<unknown>;
  /**
   * In a `bulkLoadAll` call: the batch may name the last `earlierEntities` new entities of the
   * batches before it in the call (which the database numbers as one block, batch after batch),
   * before the call has returned their ids: entity `k` of that block (from 0) is written
   * `-(newEntities + k + 1)`, as an entity or a ref. At most the sum of the earlier batches'
   * `newEntities`; default 0, and always 0 for `bulkLoad`.
   */
  readonly earlierEntities?: number;
}

/** What {@link processBulk} made: the transaction's outcome and the id of new entity 0. */
export interface BulkOutcome extends TxOutcome {
  /** New entity `k` of the batch is entity `firstEid + k`. */
  readonly firstEid: number;
}

/**
 * The result of `Connection.bulkLoad`: where the batch's new entities are, and the transaction's
 * report (whose datoms are made only if read).
 *
 * @example
 * ```ts
 * const { firstEid, report } = await conn.bulkLoad(batch)
 * const second = firstEid + 1 // new entity 1 of the batch
 * ```
 */
export interface BulkLoadResult {
  /** New entity `k` of the batch is entity `firstEid + k`. */
  readonly firstEid: number;
  /** How many entities the batch created. */
  readonly entities: number;
  /** The transaction's entity id. */
  readonly tx: number;
  readonly report: TxReport;
}


function bulkError(code: DatomErrorCode, message: string, data: Record<string, unknown>): DatomError {
  return new DatomError(code, message, { data });
}

/** The datom of the batch at `i`, for error data. */
function datomAt(batch: BulkBatch, i: number): Record<string, unknown> {
  return { index: i, entity: batch.e[i], attribute: batch.a[i], value: formToString(batch.v[i]) };
}

/**
 * Reads the columns into operations with final entity ids: attributes looked up and checked once
 * each, values type-checked as `transact` does, new entities numbered from `firstEid`. Sets
 * {@link loadedInOrder}.
 */
function loadOps(before: DbState, batch: BulkBatch, firstEid: number, txEid: number, earlier: number): Op[] {
  const { e: es, a: as, v: vs, newEntities } = batch;
  const n = es.length;
  if (as.length !== n || vs.length !== n) {
    throw bulkError('transact/syntax', `A bulk batch's columns must be equally long (e ${n}, a ${as.length}, v ${vs.length})`, {
      e: n,
      a: as.length,
      v: vs.length,
    });
  }
  const attrs = new Map<number, AttrInfo>();
  const used = new Uint8Array(newEntities);
  /** The entity id that `x` (an entity or ref of datom `i`) stands for. */
  const entity = (x: unknown, i: number, what: string): number => {
    if (typeof x === 'number' && Number.isSafeInteger(x)) {
      if (x < 0) {
        if (-x <= newEntities) return firstEid - x - 1;
        // Entity k of the block the call's earlier batches created, which ends just before firstEid.
        if (-x <= newEntities + earlier) return firstEid - earlier - x - newEntities - 1;
      }
      if (x > 0 && (x < FIRST_USER_EID || x <= before.maxEid || (x >= TX_BASE && x < txEid))) return x;
    }
    throw bulkError(
      'transact/entity',
      `Datom ${i} of the bulk batch names ${what} ${formToString(x)}, which is neither an existing entity id nor -1..-${newEntities + earlier} for one of the batch's new entities${earlier > 0 ? ' or of the earlier batches of its call' : ''}`,
      datomAt(batch, i),
    );
  };
  const ops = new Array<Op>(n);
  let inOrder = true;
  for (let i = 0; i < n; i++) {
    const aid = as[i] as number;
    let a = attrs.get(aid);
    if (a === undefined) {
      a = checkedAttr(before, aid, batch, i);
      attrs.set(aid, a);
    }
    const rawE = es[i] as number;
    const e = entity(rawE, i, 'entity');
    if (rawE < 0) used[-rawE - 1] = 1;
    const op: Op = { add: true, e, a, v: bulkValue(a, vs[i], i, batch, entity), form: null, row: -1 };
    ops[i] = op;
    // In order while each operation sorts after the one before (cmpOps), and no two are values of
    // one cardinality-one attribute of one entity (a conflict, which sortDistinct reports, as it
    // drops a repeated datom).
    if (inOrder && i > 0) {
      const prev = ops[i - 1] as Op;
      if (cmpOps(prev, op) >= 0 || (prev.e === e && prev.a === a && !a.many)) inOrder = false;
    }
  }
  loadedInOrder = inOrder;
  const unused = used.indexOf(0);
  if (unused !== -1) {
    throw bulkError('transact/entity', `New entity ${-unused - 1} of the bulk batch has no datoms: every new entity needs at least one`, { entity: -unused - 1 });
  }
  return ops;
}

/**
 * Whether the operations of the last {@link loadOps} are in `[e a v]` order, each after the one
 * before, with no two values of a cardinality-one attribute of one entity: what sortDistinct makes.
 */
let loadedInOrder = false;

/** The attribute `aid` if a bulk load may assert it: a user attribute that is not a composite tuple. */
function checkedAttr(before: DbState, aid: number, batch: BulkBatch, i: number): AttrInfo {
  const a = before.schema.attr(aid);
  if (a === undefined) {
    throw bulkError('schema/unknown-attribute', `Datom ${i} of the bulk batch names attribute ${formToString(aid)}, which is not installed: transact its schema first`, datomAt(batch, i));
  }
  if (aid < FIRST_USER_EID) {
    throw bulkError('transact/syntax', `Datom ${i} of the bulk batch asserts the built-in attribute :${a.ident.fqn}: schema and transaction datoms go through transact`, {
      ...datomAt(batch, i),
      attribute: `:${a.ident.fqn}`,
    });
  }
  if (a.tupleAttrs !== null) {
    throw bulkError('transact/syntax', `Datom ${i} of the bulk batch asserts the composite tuple :${a.ident.fqn}, which the database derives from its parts`, {
      ...datomAt(batch, i),
      attribute: `:${a.ident.fqn}`,
    });
  }
  return a;
}

/** The stored form of value `v` of attribute `a`, with refs (also inside tuples) resolved by `entity`. */
function bulkValue(a: AttrInfo, v: unknown, i: number, batch: BulkBatch, entity: (x: unknown, i: number, what: string) => number): Value {
  if (v === null || v === undefined) {
    throw bulkError('transact/type', `Datom ${i} of the bulk batch asserts nil for :${a.ident.fqn}`, { ...datomAt(batch, i), attribute: `:${a.ident.fqn}` });
  }
  try {
    if (a.isRef) return entity(v, i, 'ref');
    if (a.valueType !== 'tuple') return coerceScalar(a.ident.fqn, a.valueType, v);
    const homogeneous = a.tupleType !== null;
    const types = homogeneous ? [a.tupleType] : (a.tupleTypes ?? []);
    if (Array.isArray(v) && types.includes('ref')) {
      // Ref elements may name the batch's new entities: resolved before the type check.
      v = v.map((x: unknown, j) => ((homogeneous ? types[0] : types[j]) === 'ref' && typeof x === 'number' ? entity(x, i, 'tuple ref') : x));
    }
    return coerceTuple(a.ident.fqn, types as NonNullable<AttrInfo['tupleType']>[], v, homogeneous);
  } catch (err) {
    // Add the batch position to the type checker's error, which names the attribute and value.
    if (err instanceof DatomError && err.code === 'transact/type') throw bulkError('transact/type', `Datom ${i} of the bulk batch: ${err.message}`, { ...err.data, index: i, entity: batch.e[i] });
    throw err;
  }
}

/**
 * Sorts the operations by `[e a v]` and drops repeated datoms ({@link distinct}, as `transact`
 * does), then refuses two values of a cardinality-one attribute of one entity. `ops[i]` is datom
 * `i` of the batch until sorted: `reload` makes them again in that order, for the error's positions.
 */
function sortDistinct(batch: BulkBatch, ops: Op[], reload: () => Op[]): Op[] {
  distinct(ops);
  for (let i = 1; i < ops.length; i++) {
    const p = ops[i - 1] as Op;
    const q = ops[i] as Op;
    if (p.e === q.e && p.a === q.a && !q.a.many) {
      // The first datom of the batch with each value (what the sort kept of its equals).
      const inBatch = reload();
      const [x, y] = [inBatch.findIndex((o) => cmpOps(o, p) === 0), inBatch.findIndex((o) => cmpOps(o, q) === 0)];
      throw bulkError('transact/conflict', `Two values for cardinality-one attribute :${q.a.ident.fqn} of entity ${q.e} in one bulk batch (datoms ${x} and ${y})`, {
        entity: q.e,
        attribute: `:${q.a.ident.fqn}`,
        values: [formToString(p.v), formToString(q.v)],
        datoms: [datomAt(batch, x), datomAt(batch, y)],
      });
    }
  }
  return ops;
}

/**
 * Moves the operations `adds[at..]` (an entity's composite tuples, appended after its other
 * assertions) back among that entity's assertions, into attribute order, so that the transaction's
 * assertions stay in EAVT order and its rows go into EAVT as one sorted run instead of being sorted
 * again. A tuple and a part never share an attribute, and an entity has one value of a tuple.
 */
function inAttributeOrder(adds: Op[], at: number): void {
  for (let i = at; i < adds.length; i++) {
    const op = adds[i] as Op;
    let j = i;
    for (; j > 0; j--) {
      const prev = adds[j - 1] as Op;
      if (prev.e !== op.e || prev.a.id < op.a.id) break;
      adds[j] = prev;
    }
    adds[j] = op;
  }
}

/** A unique value held by another entity, in a bulk load's words. */
const bulkUniqueError = (op: Op, holder: number): DatomError => uniqueError(op, holder, true);

/**
 * Processes a bulk load against `before` as one transaction: the batch's new entities are numbered
 * after the database's last entity, its datoms are type-checked, repeated datoms vanish, two values
 * of a cardinality-one attribute of one entity are a conflict. On existing entities, datoms the
 * database already holds vanish and a new cardinality-one value retracts the old one, as in
 * `transact`. Composite tuples are derived from their parts and every unique value must be held by
 * one entity after the load: there is no tempid resolution and no upsert. `earlierInCall` is how
 * many new entities the batches before this one in a `bulkLoadAll` call made (the most its
 * `earlierEntities` may name). Throws a {@link DatomError} and changes nothing on failure.
 *
 * @example
 * <!-- not-run: internal; a connection's bulkLoad passes its state and environment -->
 * ```ts
 * const out = processBulk(state, { newEntities: 1, e: [-1], a: [nameAttr], v: ['Nina'] }, env)
 * out.firstEid // the new entity's id
 * ```
 */
export function processBulk(before: DbState, batch: BulkBatch, env: TxEnv, earlierInCall = 0): BulkOutcome {
  const t = nextT(before);
  const txEid = tToTx(t);
  const firstEid = before.maxEid + 1;
  const count = batch.newEntities;
  if (!Number.isSafeInteger(count) || count < 0) {
    throw bulkError('transact/syntax', `A bulk batch's newEntities must be a count, got ${formToString(count)}`, { newEntities: formToString(count) });
  }
  if (firstEid + count > TX_BASE) {
    throw new DatomError('transact/id-overflow', `A bulk batch of ${count} new entities would exceed the entity id space`, { data: { maxEid: before.maxEid, newEntities: count } });
  }
  const earlier = batch.earlierEntities ?? 0;
  if (!Number.isSafeInteger(earlier) || earlier < 0 || earlier > earlierInCall) {
    throw bulkError(
      'transact/syntax',
      `A bulk batch's earlierEntities must be a count of at most the new entities of the batches before it in its bulkLoadAll call (${earlierInCall}), got ${formToString(earlier)}`,
      { earlierEntities: formToString(earlier), earlierInCall },
    );
  }
  const load = (): Op[] => loadOps(before, batch, firstEid, txEid, earlier);
  const loaded = load();
  // A batch already in order, without repeats or conflicts (a restore's, mostly), is as sortDistinct would leave it.
  const ops = loadedInOrder ? loaded : sortDistinct(batch, loaded, load);

  // The txInstant datom leads the transaction's rows.
  const ms = Math.max(env.now(), before.lastInstant);
  const adds: Op[] = [{ add: true, e: txEid, a: before.schema.attr(A.txInstant) as AttrInfo, v: new Date(ms), form: null, row: -1 }];
  // The retractions the batch makes: old values of cardinality-one attributes, outdated tuples.
  const retracted = new Retractions();
  for (let from = 0; from < ops.length; ) {
    const e = (ops[from] as Op).e;
    let to = from + 1;
    while (to < ops.length && (ops[to] as Op).e === e) to++;
    const created = isNew(before, e, txEid);
    let parts = false;
    for (let i = from; i < to; i++) {
      const op = ops[i] as Op;
      if (op.a.partOf.length > 0) parts = true;
      if (isNovel(before, op, created, retracted)) adds.push(op);
    }
    // Redundant assertions of parts count too, as in transact: they fill in a composite installed after the data.
    if (parts) {
      const at = adds.length;
      entityTuples(before, ops, from, to, created, adds, retracted);
      inAttributeOrder(adds, at);
    }
    from = to;
  }
  checkUnique(before, adds, retracted, bulkUniqueError);

  const { trees, history, rows, live } = writeRows(before, t, retracted.list, adds, before.schema, env.inPlace === true);
  const state = before.derive({ basisT: t, maxEid: before.maxEid + count, lastInstant: ms, history }, trees, rows);
  live?.advance(state);
  return { state, rows, tempids: { 'datomic.tx': txEid }, firstEid };
}
