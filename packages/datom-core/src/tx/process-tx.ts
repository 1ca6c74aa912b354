import { DatomError } from '../error/datom-error.js';
import type { DbState } from '../db/db-state.js';
import { currentRows, liveRow, rowWithValue } from '../db/lookup.js';
import type { TxOutcome } from '../db/tx-outcome.js';
import { compareValues, type Value } from '../model/value.js';
import { A, tToTx } from '../schema/bootstrap.js';
import { isSchemaAttr, type AttrInfo, type SchemaChange } from '../schema/schema.js';
import { compositeTuples } from './composite-tuples.js';
import { isMapForm, TxExpander } from './expand-tx.js';
import { formToString } from './form-utils.js';
import { isNew, nextT } from './new-tx.js';
import { isNovel } from './novelty.js';
import type { Op } from './op.js';
import { cmpOps, distinct } from './op-order.js';
import { type Retraction, Retractions } from './retractions.js';
import { resolveTempids } from './resolve-tempids.js';
import type { TxEnv } from './tx-env.js';
import { conflictError, uniqueError } from './tx-errors.js';
import { callFns, hasFnCall } from './tx-fns.js';
import { checkAhead, clockInstant } from './tx-instant.js';
import { checkUnique } from './unique-check.js';
import { valueKey } from './value-key.js';
import { writeRows } from './write-rows.js';

// The steps of one transaction, in order. Each rule lives in a file of its own that bulk loads
// (bulk-load.ts) share: the order of operations (op-order), novelty against the database
// (novelty), retractions (retractions), composite tuples (composite-tuples), uniqueness
// (unique-check, tx-errors), the transaction's t and txInstant (new-tx, tx-instant) and writing
// the rows (write-rows).

export type { TxEnv };
export { DEFAULT_MAX_CLOCK_SKEW_MS } from './tx-instant.js';
export { Retractions, type Retraction } from './retractions.js';
export { writeRows } from './write-rows.js';
export type { TxOutcome };

const NO_OPS: readonly Op[] = Object.freeze([]);

/** From this many unique values on, a transaction checks them in one merge with the unique index. */
const MERGE_UNIQUES = 64;

/**
 * Processes one transaction against `before` with Datomic's semantics: the transaction is a set,
 * every part of it sees `before`; conflicts inside it are errors; redundant datoms vanish; a new
 * cardinality-one value retracts the old one; uniqueness holds in the result; composite tuples are
 * kept up to date; the transaction gets its txInstant. Throws a {@link DatomError} and changes
 * nothing on failure.
 */
export function processTx(before: DbState, txData: unknown, env: TxEnv): TxOutcome | Promise<TxOutcome> {
  let forms: readonly unknown[];
  if (typeof txData === 'string') forms = env.parseTx(txData);
  else if (Array.isArray(txData)) forms = txData;
  else throw new DatomError('transact/syntax', 'Transaction data must be a list of forms or EDN text', { data: { form: formToString(txData) } });
  // Without transaction functions the whole transaction runs synchronously.
  if (!hasFnCall(forms)) return processForms(before, forms, env);
  return callFns(forms, env, before, 0).then((expanded) => processForms(before, expanded, env));
}

function processForms(before: DbState, forms: readonly unknown[], env: TxEnv): TxOutcome {
  const t = nextT(before);
  const txEid = tToTx(t);
  const x = new TxExpander(before, txEid);
  x.expandAll(forms);
  const ops = x.ops;
  const res = resolveTempids(before, ops, x.tempids);
  const eids = res.eids;

  // Tempids become entity ids. What the transaction holds decides which later steps it needs.
  let retractions = 0;
  let tupleParts = false;
  for (let k = 0; k < ops.length; k++) {
    const op = ops[k] as Op;
    if (op.e < 0) {
      const i = -op.e - 1;
      const e = eids[i] as number;
      if (!op.add && isNew(before, e, txEid)) {
        throw new DatomError('transact/tempid', `A retraction names tempid ${x.tempids.names[i] ?? ''} that resolves to no existing entity`, {
          data: { tempid: x.tempids.names[i], form: formToString(op.form) },
        });
      }
      op.e = e;
    }
    if (op.a.isRef && (op.v as number) < 0) op.v = eids[-(op.v as number) - 1] as number;
    if (!op.add) retractions++;
    if (op.a.partOf.length > 0) tupleParts = true;
  }

  // Conflicts inside the transaction. The operations are sorted in place: nothing reads them in
  // their original order any more.
  let A_ = NO_OPS;
  let R_ = NO_OPS;
  if (retractions === 0) A_ = distinct(ops);
  else if (retractions === ops.length) R_ = distinct(ops);
  else {
    const a: Op[] = [];
    const r: Op[] = [];
    for (let k = 0; k < ops.length; k++) {
      const op = ops[k] as Op;
      (op.add ? a : r).push(op);
    }
    A_ = distinct(a);
    R_ = distinct(r);
  }
  for (let i = 1; i < A_.length; i++) {
    const p = A_[i - 1] as Op;
    const q = A_[i] as Op;
    if (p.e === q.e && p.a === q.a && !q.a.many) {
      throw conflictError(`Two values for cardinality-one attribute :${q.a.ident.fqn} of entity ${q.e} in one transaction`, p, q);
    }
  }
  for (let i = 0, j = 0; i < A_.length && j < R_.length; ) {
    const c = cmpOps(A_[i] as Op, R_[j] as Op);
    if (c === 0) throw conflictError(`The same datom is asserted and retracted in one transaction`, A_[i] as Op, R_[j] as Op);
    if (c < 0) i++;
    else j++;
  }

  // Redundancy against the db before, and the implicit retraction of old cardinality-one values.
  // Distinct retractions name distinct rows.
  const retracts = new Retractions();
  for (let k = 0; k < R_.length; k++) {
    const op = R_[k] as Op;
    const row = op.row !== -1 ? op.row : liveRow(before, op.e, op.a.id, op.v);
    if (row !== -1) retracts.push(op, row);
  }
  // The assertions to write; slot 0 is for the txInstant datom, which leads the transaction's rows.
  // Without composite tuples (which read A_ again) they are gathered in A_ itself, one place on:
  // a large transaction's array of them is a large object, costing about a millisecond to make.
  const inPlace = !tupleParts && A_ !== NO_OPS;
  const adds: Op[] = inPlace ? (A_ as Op[]) : new Array<Op>(A_.length + 1);
  let n = 1;
  let next = A_[0];
  for (let k = 0, len = A_.length; k < len; k++) {
    const op = next as Op;
    // Read before adds[n], at most k + 1, is written.
    if (k + 1 < len) next = A_[k + 1];
    if (isNovel(before, op, isNew(before, op.e, txEid), retracts)) adds[n++] = op;
  }
  if (n !== adds.length) adds.length = n;
  if (inPlace) adds[0] = undefined as unknown as Op;
  // Composite tuples follow their parts.
  // Redundant assertions of a part count too: re-asserting a part fills in a composite installed
  // after the data, as in Datomic.
  if (tupleParts) compositeTuples(before, A_, adds, retracts);

  // Uniqueness against the db after: a large transaction's values in one merge with the unique
  // index (a lookup each cost it more), a small one's looked up one by one.
  let uniques = 0;
  for (let i = 1; i < adds.length; i++) if ((adds[i] as Op).a.unique !== null) uniques++;
  if (uniques >= MERGE_UNIQUES) checkUnique(before, adds, retracts, uniqueError);
  let seen: Map<string, Op> | null = null;
  for (let i = 1; i < adds.length && uniques < MERGE_UNIQUES; i++) {
    const op = adds[i] as Op;
    if (op.a.unique === null) continue;
    seen ??= new Map();
    const key = `${op.a.id}|${valueKey(op.v)}`;
    const other = seen.get(key);
    if (other !== undefined && other.e !== op.e) throw uniqueError(op, other.e);
    seen.set(key, op);
    // The row found is the holder's live datom: if this transaction retracts it, the value is free.
    const held = rowWithValue(before, op.a.id, op.v);
    if (held !== -1 && before.table.e(held) !== op.e && !retracts.has(held)) throw uniqueError(op, before.table.e(held));
  }

  // txInstant: explicit, or now; never earlier than the previous transaction.
  let instantAt = -1;
  for (let i = 1; i < adds.length; i++) {
    const op = adds[i] as Op;
    if (op.e === txEid && op.a.id === A.txInstant) instantAt = i;
  }
  let instant: Date;
  if (instantAt !== -1) {
    const instantOp = adds[instantAt] as Op;
    instant = instantOp.v as Date;
    checkAhead(instant, env);
    if (instant.getTime() < before.lastInstant) {
      throw new DatomError('transact/tx-instant', `db/txInstant ${instant.toISOString()} is earlier than the previous transaction's ${new Date(before.lastInstant).toISOString()}`, {
        data: { txInstant: instant.toISOString(), previous: new Date(before.lastInstant).toISOString() },
      });
    }
    // It moves to the front; the others keep their order.
    adds[0] = instantOp;
    for (let i = instantAt + 1; i < adds.length; i++) adds[i - 1] = adds[i] as Op;
    adds.pop();
  } else {
    instant = clockInstant(before, env);
    adds[0] = { add: true, e: txEid, a: before.schema.attr(A.txInstant) as AttrInfo, v: instant, form: null, row: -1 };
  }

  // Schema changes.
  let schema = before.schema;
  let changes: SchemaChange[] | null = null;
  const retracted = retracts.list;
  for (let k = 0; k < retracted.length; k++) {
    const { op } = retracted[k] as Retraction;
    if (isSchemaAttr(op.a.id)) (changes ??= []).push({ e: op.e, a: op.a.id, v: op.v, added: false });
  }
  for (let i = 1; i < adds.length; i++) {
    const op = adds[i] as Op;
    if (isSchemaAttr(op.a.id)) (changes ??= []).push({ e: op.e, a: op.a.id, v: op.v, added: true });
  }
  if (changes !== null) {
    schema = schema.apply(changes, {
      hasManyValues: (a) => {
        let prev = -1;
        for (const r of currentRows(before, 'aevt', [a])) {
          const e = before.table.e(r);
          if (e === prev) return true;
          prev = e;
        }
        return false;
      },
      hasDuplicateValues: (a) => {
        let prev: Value | undefined;
        let first = true;
        for (const r of currentRows(before, 'avet', [a])) {
          const v = before.table.v(r);
          if (!first && compareValues(prev, v) === 0) return true;
          prev = v;
          first = false;
        }
        return false;
      },
    });
  }

  const { trees, history, rows, live } = writeRows(before, t, retracts.list, adds, schema, env.inPlace === true);

  const state = before.derive({ schema, basisT: t, maxEid: res.maxEid, lastInstant: instant.getTime(), history }, trees, rows);
  live?.advance(state);
  return new Outcome(state, rows, x.tempids.names, eids, txEid);
}

/**
 * The outcome of {@link processForms}. Its tempids record is made when first read: most commits
 * are never asked for it, and a record per transaction, keyed by names that differ in every one of
 * them, cost a small transaction more than anything else it allocated.
 */
class Outcome implements TxOutcome {
  /** A live object of this class, kept as `Tempids.kept` (tx/expand-tx.ts) is: one is made per transaction. */
  static readonly kept: Outcome = new Outcome(null as unknown as DbState, [], [], [], tToTx(1));

  #tempids: Record<string, number> | null = null;

  constructor(
    readonly state: DbState,
    readonly rows: readonly number[],
    readonly names: readonly (string | null)[],
    readonly eids: readonly number[],
    readonly txEid: number,
  ) {}

  get tempids(): Readonly<Record<string, number>> {
    if (this.#tempids === null) {
      // No prototype: a tempid named `__proto__` or `constructor` is an ordinary key.
      const tempids: Record<string, number> = Object.create(null);
      const { names, eids } = this;
      for (let i = 0; i < names.length; i++) {
        const name = names[i];
        if (name !== null && name !== undefined) tempids[name] = eids[i] as number;
      }
      tempids['datomic.tx'] = this.txEid;
      this.#tempids = tempids;
    }
    return this.#tempids;
  }
}

export { isMapForm };
