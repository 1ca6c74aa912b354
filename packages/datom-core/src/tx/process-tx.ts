import { DatomError } from '../error/datom-error.js';
import { newEdit, TreeCursor, treeInsertMany, treeRemove, treeRemoveMany } from '../index/btree.js';
import type { DatomTable } from '../index/datom-table.js';
import { sortByAttribute } from '../index/sort-rows.js';
import type { Database } from '../db/database.js';
import { type DbState, type IndexTrees, type LiveTrees, indexTrees } from '../db/db-state.js';
import type { HistoryIndex } from '../db/history-index.js';
import type { TxOutcome } from '../db/tx-outcome.js';
import { currentRows, firstLiveRow, liveRow, liveRowsOf, rowWithValue } from '../db/lookup.js';
import { compareValues, type Value } from '../model/value.js';
import { A, MAX_T, tToTx, TX_BASE } from '../schema/bootstrap.js';
import { isSchemaAttr, type AttrInfo, type Schema, type SchemaChange } from '../schema/schema.js';
import { isBuiltinOp, isMapForm, opName, TxExpander } from './expand-tx.js';
import { formToString, isEdnList } from './form-utils.js';
import type { Op } from './op.js';
import { resolveTempids } from './resolve-tempids.js';
import type { TxFunction } from './tx-data.js';
import { checkUnique } from './unique-check.js';
import { valueKey } from './value-key.js';

/** What a transaction needs from its surroundings. */
export interface TxEnv {
  /** Registered transaction functions by name (without colon). */
  readonly txFns: ReadonlyMap<string, TxFunction>;
  /** The database value that transaction functions receive. */
  readonly dbOf: (state: DbState) => Database;
  /** Reads EDN transaction data. */
  readonly parseTx: (text: string) => readonly unknown[];
  /** The clock, in ms. */
  readonly now: () => number;
  /** How far ahead of `now` an explicit txInstant may be (default {@link DEFAULT_MAX_CLOCK_SKEW_MS}). */
  readonly maxClockSkewMs?: number;
  /**
   * True for a connection's commits: the trees of the head are changed in place (see
   * {@link LiveTrees}). Absent for `db.with`, whose result must leave the database untouched.
   */
  readonly inPlace?: boolean;
}

export type { TxOutcome };

const MAX_FN_DEPTH = 32;

/** How far ahead of the clock an explicit txInstant may be, unless the connection says otherwise: 10 minutes. */
export const DEFAULT_MAX_CLOCK_SKEW_MS = 10 * 60_000;

/**
 * Refuses an explicit txInstant further ahead of the clock than the skew allowed: every later
 * transaction would be stamped with it (txInstants never go back), for good.
 */
function checkAhead(instant: Date, env: TxEnv): void {
  const now = env.now();
  const skew = env.maxClockSkewMs ?? DEFAULT_MAX_CLOCK_SKEW_MS;
  if (instant.getTime() > now + skew) {
    throw new DatomError(
      'transact/tx-instant',
      `db/txInstant ${instant.toISOString()} is ${Math.round((instant.getTime() - now) / 1000)} s ahead of this machine's clock (${new Date(now).toISOString()}); at most ${skew / 1000} s are allowed (the connect option maxClockSkewMs), since every later transaction would be stamped with it`,
      { data: { txInstant: instant.toISOString(), now: new Date(now).toISOString(), maxClockSkewMs: skew } },
    );
  }
}

/** Replaces transaction function calls by the data they return, all against the db before. */
async function callFns(forms: readonly unknown[], env: TxEnv, db: DbState, depth: number): Promise<unknown[]> {
  let out: unknown[] | null = null;
  for (let i = 0; i < forms.length; i++) {
    const f = forms[i];
    const items = Array.isArray(f) ? f : isEdnList(f) ? f.items : null;
    const name = items === null ? null : opName(items[0]);
    if (items === null || name === null || isBuiltinOp(name)) {
      out?.push(f);
      continue;
    }
    if (out === null) out = forms.slice(0, i);
    let fn: TxFunction | undefined;
    let args: readonly unknown[];
    if (name === 'db.fn/call') {
      if (typeof items[1] !== 'function') throw new DatomError('transact/syntax', 'db.fn/call takes a function', { data: { form: formToString(f) } });
      fn = items[1] as TxFunction;
      args = items.slice(2);
    } else {
      fn = env.txFns.get(name);
      args = items.slice(1);
    }
    if (fn === undefined) {
      throw new DatomError('transact/fn', `Unknown transaction function ${name}: register it on the connection`, {
        data: { fn: name, form: formToString(f) },
      });
    }
    if (depth >= MAX_FN_DEPTH) {
      throw new DatomError('transact/fn', `Transaction functions nest deeper than ${MAX_FN_DEPTH}`, { data: { fn: name } });
    }
    let result: unknown;
    try {
      result = await fn(env.dbOf(db), ...args);
    } catch (err) {
      if (err instanceof DatomError) throw err;
      throw new DatomError('transact/fn', `Transaction function ${name} failed: ${(err as Error)?.message ?? String(err)}`, {
        data: { fn: name, form: formToString(f) },
        cause: err,
      });
    }
    const data = typeof result === 'string' ? env.parseTx(result) : result;
    if (!Array.isArray(data)) {
      throw new DatomError('transact/fn', `Transaction function ${name} must return transaction data (a list of forms)`, {
        data: { fn: name, returned: formToString(result) },
      });
    }
    for (const g of await callFns(data, env, db, depth + 1)) out.push(g);
  }
  return out ?? (forms as unknown[]);
}

function cmpOps(x: Op, y: Op): number {
  return x.e - y.e || x.a.id - y.a.id || compareValues(x.v, y.v);
}

function conflict(message: string, x: Op, y: Op): DatomError {
  return new DatomError('transact/conflict', message, {
    data: { entity: x.e, attribute: `:${x.a.ident.fqn}`, values: [formToString(x.v), formToString(y.v)], forms: [formToString(x.form), formToString(y.form)] },
  });
}

/** Sorts `ops` and drops the duplicates, in place (the first of equal operations stays). */
function distinct(ops: Op[]): Op[] {
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

const NO_OPS: readonly Op[] = Object.freeze([]);

/** From this many unique values on, a transaction checks them in one merge with the unique index. */
const MERGE_UNIQUES = 64;

/** Set membership of rows by a scan up to this many rows; past it, through a Set. */
const SCAN_ROWS = 8;

/**
 * The retractions a transaction will write, each of a distinct live row. Most transactions retract
 * nothing or a few rows, so membership is a scan until there are enough rows to pay for a Set.
 */
export class Retractions {
  readonly list: Retraction[] = [];
  #rows: Set<number> | null = null;

  /** True when `row` is retracted already. */
  has(row: number): boolean {
    const rows = this.#rows;
    if (rows !== null) return rows.has(row);
    const list = this.list;
    for (let i = 0; i < list.length; i++) if ((list[i] as Retraction).row === row) return true;
    return false;
  }

  /**
   * Adds the retraction of live row `row`, a datom of `[e a]` that this transaction replaces
   * (an old cardinality-one value, an outdated composite tuple), unless it is retracted already.
   */
  replace(table: DatomTable, e: number, a: AttrInfo, row: number, form: unknown): void {
    if (!this.has(row)) this.push({ add: false, e, a, v: table.v(row), form, row }, row);
  }

  /** Adds the retraction of `row` (not retracted yet). */
  push(op: Op, row: number): void {
    const list = this.list;
    list.push({ op, row });
    if (this.#rows !== null) this.#rows.add(row);
    else if (list.length > SCAN_ROWS) this.#rows = new Set(list.map((r) => r.row));
  }
}

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

function hasFnCall(forms: readonly unknown[]): boolean {
  for (let i = 0; i < forms.length; i++) {
    const f = forms[i];
    const items = Array.isArray(f) ? f : isEdnList(f) ? f.items : null;
    if (items === null) continue;
    const name = opName(items[0]);
    if (name !== null && !isBuiltinOp(name)) return true;
  }
  return false;
}

function processForms(before: DbState, forms: readonly unknown[], env: TxEnv): TxOutcome {
  const t = before.basisT + 1;
  if (t > MAX_T) throw new DatomError('transact/id-overflow', `Transaction t would exceed ${MAX_T}`, { data: { basisT: before.basisT } });
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
      throw conflict(`Two values for cardinality-one attribute :${q.a.ident.fqn} of entity ${q.e} in one transaction`, p, q);
    }
  }
  for (let i = 0, j = 0; i < A_.length && j < R_.length; ) {
    const c = cmpOps(A_[i] as Op, R_[j] as Op);
    if (c === 0) throw conflict(`The same datom is asserted and retracted in one transaction`, A_[i] as Op, R_[j] as Op);
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
  const adds: Op[] = new Array<Op>(A_.length + 1);
  let n = 1;
  for (let k = 0; k < A_.length; k++) {
    const op = A_[k] as Op;
    if (isNew(before, op.e, txEid)) {
      adds[n++] = op;
      continue;
    }
    if (op.a.many) {
      if (liveRow(before, op.e, op.a.id, op.v) === -1) adds[n++] = op;
      continue;
    }
    const row = firstLiveRow(before, op.e, op.a.id);
    if (row === -1) adds[n++] = op;
    else if (compareValues(before.table.v(row), op.v) !== 0) {
      adds[n++] = op;
      retracts.replace(before.table, op.e, op.a, row, op.form);
    }
  }
  if (n < adds.length) adds.length = n;
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
    const ms = Math.max(env.now(), before.lastInstant);
    instant = (ms === before.lastInstant ? previousInstant(before) : null) ?? new Date(ms);
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


/**
 * The txInstant value of the transaction that made `before`, or null. A transaction in the same
 * millisecond stores that Date again rather than a copy: stored values are never changed (reads
 * hand out copies of Dates), and at thousands of small transactions per second a Date per
 * transaction was a third of what each one left on the heap.
 */
function previousInstant(before: DbState): Date | null {
  const r = before.txRows[0];
  if (r === undefined) return null;
  const { table } = before;
  const v = table.v(r);
  return table.a(r) === A.txInstant && table.e(r) === tToTx(before.basisT) && v instanceof Date ? v : null;
}

/** True when `e` is an entity this transaction creates: a newly allocated id, or the transaction. */
function isNew(before: DbState, e: number, txEid: number): boolean {
  return (e > before.maxEid && e < TX_BASE) || e === txEid;
}

/** A datom to retract and the live row that holds it. */
export interface Retraction {
  readonly op: Op;
  /** The live row being retracted. */
  readonly row: number;
}

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
  // The transaction's rows are one contiguous run of the table, [from, from + rows.length): the
  // lazily kept indexes record just that range. Arrays that outlive the transaction (`rows` is kept
  // in the log) are allocated at their exact size.
  const from = table.size;
  const rows = new Array<number>(retracts.length + adds.length);
  let n = 0;
  // The assertion rows, adds[i]'s at added[i].
  const added = new Array<number>(adds.length);
  let addedRefs: number[] | null = null;
  let addedUnique: number[] | null = null;
  const first = adds[0];
  // The txInstant datom leads the transaction's rows, as in Datomic's tx-data.
  const instantFirst = first !== undefined && first.a.id === A.txInstant && first.e === tToTx(t);
  if (instantFirst) {
    const r = table.add(first.e, first.a.id, first.v, t, true);
    rows[n++] = r;
    added[0] = r;
  }
  // The retracted rows, in the order of `retracts`: retractions of one entity, as retractEntity
  // makes them, are in EAVT order and come out of the tree together.
  const removed = new Array<number>(retracts.length);
  for (let i = 0; i < retracts.length; i++) {
    const { op, row } = retracts[i] as Retraction;
    rows[n++] = table.add(op.e, op.a.id, op.v, t, false, row);
    removed[i] = row;
    if (op.a.unique !== null) uavet = treeRemove(uavet, row, cmp.avet, edit);
    if (op.a.isRef) vaet = treeRemove(vaet, row, cmp.vaet, edit);
  }
  if (removed.length > 0) eavt = treeRemoveMany(eavt, removed, cmp.eavt, edit);
  for (let i = instantFirst ? 1 : 0; i < adds.length; i++) {
    const op = adds[i] as Op;
    const r = table.add(op.e, op.a.id, op.v, t, true);
    rows[n++] = r;
    added[i] = r;
    if (op.a.isRef) (addedRefs ??= []).push(r);
    if (op.a.unique !== null) (addedUnique ??= []).push(r);
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
      const probe = cmp.probe('avet', [a.id]);
      const cur = new TreeCursor(was === null ? lazyAvet.tree() : uavet, probe);
      const rowsOfAttr: number[] = [];
      for (let r = cur.next(); r !== -1 && probe(r) === 0; r = cur.next()) rowsOfAttr.push(r);
      if (was === null) uavet = treeInsertMany(uavet, rowsOfAttr, cmp.avet, edit);
      else for (const r of rowsOfAttr) uavet = treeRemove(uavet, r, cmp.avet, edit);
    }
  }
  const trees = indexTrees(
    treeInsertMany(eavt, added, cmp.eavt, edit),
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

function uniqueError(op: Op, holder: number): DatomError {
  return new DatomError(
    'transact/unique',
    `Unique conflict: :${op.a.ident.fqn} ${formToString(op.v)} is already held by entity ${holder}, cannot assert it for ${op.e}`,
    { data: { attribute: `:${op.a.ident.fqn}`, value: formToString(op.v), entity: op.e, holder, form: formToString(op.form) } },
  );
}

/**
 * Appends to `out` the tuple assertions (and to `retracts` the retractions) that keep composite
 * tuples equal to their parts in the db after the transaction. A tuple whose parts are all gone is
 * retracted.
 */
function compositeTuples(before: DbState, adds: readonly Op[], out: Op[], retracts: Retractions): void {
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
    for (const ta of tupleAttrs) {
      const parts = (ta.tupleAttrs as readonly number[]).map((pid) => {
        for (const op of partAdds.get(e) ?? []) if (op.a.id === pid) return op.v;
        const rows = liveRowsOf(before, e, pid).filter((r) => !retracts.has(r));
        return rows.length === 0 ? null : before.table.v(rows[0] as number);
      });
      const value = parts.every((p) => p === null) ? null : Object.freeze(parts);
      const curRows = liveRowsOf(before, e, ta.id);
      const cur = curRows[0];
      if (cur !== undefined && (value === null || compareValues(before.table.v(cur), value as Value) !== 0)) {
        retracts.replace(before.table, e, ta, cur, null);
      }
      if (value !== null && (cur === undefined || compareValues(before.table.v(cur), value as Value) !== 0)) {
        out.push({ add: true, e, a: ta, v: value as Value, form: null, row: -1 });
      }
    }
  }
}

export { isMapForm };
