import { DatomError } from '../error/datom-error.js';
import { TreeCursor, treeMatches, type RowCompare, type Tree } from '../index/btree.js';
import type { IndexOrder, Probe } from '../index/index-order.js';
import type { Datom } from '../model/datom.js';
import { Keyword } from '../model/keyword.js';
import { compareValues, type Value } from '../model/value.js';
import { pull } from '../pull/pull.js';
import type { PullPattern, PullResult } from '../pull/pull-pattern.js';
import type { Attribute } from '../schema/attribute.js';
import { tToTx, TX_BASE, txToT } from '../schema/bootstrap.js';
import { coerceScalar, coerceTuple } from '../schema/coerce-value.js';
import type { AttrInfo } from '../schema/schema.js';
import type { TxData, TxReport } from '../tx/tx-data.js';
import type { AttrRef, Database, EntityRef, IndexName, TimePoint } from './database.js';
import type { DatomStream } from './datom-stream.js';
import type { DbState, IndexTrees } from './db-state.js';
import type { TxOutcome } from './tx-outcome.js';
import { type Entity, entityOf } from './entity.js';
import { entityWith } from './lookup.js';
import { type AllRows, BATCH_SIZE, BatchStream } from './row-stream.js';

/** What database values share with their connection. */
export interface DbHost {
  /**
   * Processes `txData` against `state` without committing it, for `with`: the connection's
   * transaction processing (tx/ builds on db/, so db/ is handed it rather than importing it).
   * `dbOf` makes the database values that transaction functions receive.
   */
  readonly processWith: (state: DbState, txData: TxData | string, dbOf: (state: DbState) => Database) => TxOutcome | Promise<TxOutcome>;
  /** Parses a pull pattern given as EDN text. */
  readonly parsePattern: (text: string) => PullPattern;
  /** t of the first transaction at or after `ms`, for time points given as dates. */
  readonly tAtInstant: (state: DbState, ms: number) => number;
}

interface Filter {
  readonly asOf: number | null;
  readonly since: number | null;
  readonly history: boolean;
}

const NO_FILTER: Filter = { asOf: null, since: null, history: false };

const ORDER_KEYS: Record<IndexOrder, readonly ('e' | 'a' | 'v' | 'tx')[]> = {
  eavt: ['e', 'a', 'v', 'tx'],
  aevt: ['a', 'e', 'v', 'tx'],
  avet: ['a', 'v', 'e', 'tx'],
  vaet: ['v', 'a', 'e', 'tx'],
};

/**
 * Merges the current rows with the history rows into one sorted sequence. The history tree holds
 * retraction rows; each stands for two datoms, the assertion it links to and itself, which sort
 * next to each other (same fact, the assertion's t first).
 */
function* mergeRows(current: TreeCursor, history: TreeCursor, table: DbState['table'], cmp: RowCompare): Generator<number> {
  let x = current.next();
  let pendingRetraction = -1;
  let y = history.next();
  if (y !== -1) {
    pendingRetraction = y;
    y = table.link(y);
  }
  while (x !== -1 || y !== -1) {
    if (y === -1 || (x !== -1 && cmp(x, y) <= 0)) {
      yield x;
      x = current.next();
    } else {
      yield y;
      if (pendingRetraction !== -1) {
        y = pendingRetraction;
        pendingRetraction = -1;
      } else {
        y = history.next();
        if (y !== -1) {
          pendingRetraction = y;
          y = table.link(y);
        }
      }
    }
  }
}

/**
 * The tree a read of `order` from `probe` on the current state walks, when it stays within the
 * probe's attribute: for AVET on a unique attribute, the eagerly kept AVET of the unique attributes,
 * which holds every row of that attribute. So a lookup by unique value never waits for the full
 * AVET to catch up with a large write (the first read after a 200k-entity import did, for 300 ms and more).
 */
function treeFor(s: DbState, trees: IndexTrees, order: IndexOrder, probe: Probe, oneAttr: boolean): Tree {
  if (oneAttr && order === 'avet' && probe.length > 0) {
    const a = probe[0];
    if (typeof a === 'number' && s.schema.attr(a)?.unique != null) return trees.uavet;
  }
  return trees[order];
}

/**
 * An immutable database value over one {@link DbState}, optionally filtered as of a t, since a t,
 * or as history. Reads are answered from the in-memory trees of the state.
 */
export class DbValue implements Database {
  /**
   * A live object of this class, kept for the reason `Filler.kept` (db/column-read.ts) gives: a connection makes a
   * value per `db()`, and once a full collection had taken the last one, the pull path ran in the
   * interpreter again.
   */
  static readonly kept: DbValue = new DbValue(null as unknown as DbState, null as unknown as DbHost);

  readonly #s: DbState;
  readonly #host: DbHost;
  readonly #f: Filter;

  constructor(state: DbState, host: DbHost, filter: Filter = NO_FILTER) {
    this.#s = state;
    this.#host = host;
    this.#f = filter;
  }

  /** The state behind this value (internal). */
  get state(): DbState {
    return this.#s;
  }

  get id(): string {
    return this.#s.id;
  }
  get basisT(): number {
    return this.#s.basisT;
  }
  get asOfT(): number | null {
    return this.#f.asOf;
  }
  get sinceT(): number | null {
    return this.#f.since;
  }
  get isHistory(): boolean {
    return this.#f.history;
  }

  txToT(tx: number): number {
    return txToT(tx);
  }
  tToTx(t: number): number {
    return tToTx(t);
  }

  #toT(point: TimePoint, what: string): number {
    if (point instanceof Date) {
      const ms = point.getTime();
      if (Number.isNaN(ms)) throw new DatomError('db/arg', `${what} needs a valid date`, { data: { point: String(point) } });
      return this.#host.tAtInstant(this.#s, ms);
    }
    if (typeof point !== 'number' || !Number.isSafeInteger(point) || point < 0) {
      throw new DatomError('db/arg', `${what} takes a t, a transaction id or a Date, got ${String(point)}`, { data: { point: String(point) } });
    }
    return point >= TX_BASE ? txToT(point) : point;
  }

  asOf(point: TimePoint): Database {
    const t = this.#toT(point, 'asOf');
    return new DbValue(this.#s, this.#host, { ...this.#f, asOf: this.#f.asOf === null ? t : Math.min(t, this.#f.asOf) });
  }

  since(point: TimePoint): Database {
    const t = this.#toT(point, 'since');
    return new DbValue(this.#s, this.#host, { ...this.#f, since: this.#f.since === null ? t : Math.max(t, this.#f.since) });
  }

  history(): Database {
    return new DbValue(this.#s, this.#host, { ...this.#f, history: true });
  }

  async with(txData: TxData | string): Promise<TxReport> {
    if (this.#f.asOf !== null || this.#f.since !== null || this.#f.history) {
      throw new DatomError('db/arg', 'with needs an unfiltered database value (not asOf, since or history)');
    }
    const out = await this.#host.processWith(this.#s, txData, (s) => new DbValue(s, this.#host));
    // Reports are plain objects: freezing each would cost more than the transaction itself.
    const after = new DbValue(out.state, this.#host);
    return Object.freeze({
      dbBefore: this as Database,
      dbAfter: after,
      txData: Object.freeze(out.rows.map((r) => out.state.table.datom(r))),
      tempids: Object.freeze(out.tempids),
    });
  }

  // --- resolution of read arguments -------------------------------------------------------

  /** The attribute named by `ref`, or an error when there is none. */
  attrInfo(ref: AttrRef): AttrInfo {
    const a = this.#attrOrNull(ref);
    if (a === undefined) {
      throw new DatomError('schema/unknown-attribute', `Unknown attribute ${typeof ref === 'number' ? ref : `:${attrName(ref)}`}`, {
        data: { attribute: String(ref) },
      });
    }
    return a;
  }

  #attrOrNull(ref: AttrRef): AttrInfo | undefined {
    if (typeof ref === 'number') return this.#s.schema.attr(ref);
    if (typeof ref === 'string' || ref instanceof Keyword) return this.#s.schema.attrByIdent(attrName(ref));
    return undefined;
  }

  /** Resolves an entity reference synchronously; -1 when nothing matches. */
  entidSync(ref: EntityRef | unknown): number {
    if (typeof ref === 'number') return Number.isSafeInteger(ref) && ref > 0 ? ref : -1;
    if (ref instanceof Keyword) return this.#s.schema.identEid(ref.fqn) ?? -1;
    if (typeof ref === 'string' && ref.startsWith(':')) return this.#s.schema.identEid(ref.slice(1)) ?? -1;
    if (Array.isArray(ref) && ref.length === 2) {
      const a = this.attrInfo(ref[0] as AttrRef);
      if (a.unique === null) {
        throw new DatomError('db/arg', `Lookup ref attribute :${a.ident.fqn} is not unique`, { data: { attribute: `:${a.ident.fqn}` } });
      }
      const v = this.#valueFor(a, ref[1]);
      if (v === undefined) return -1;
      const f = this.#f;
      if (!f.history && f.asOf === null && f.since === null) return entityWith(this.#s, a.id, v);
      const rows = this.scanRows('avet', [a.id, v], 1);
      return rows.length === 0 ? -1 : this.#s.table.e(rows[0] as number);
    }
    throw new DatomError('db/arg', `Not an entity reference: ${String(ref)}`, { data: { ref: String(ref) } });
  }

  /** A value given for attribute `a` in a read, converted to its stored form; undefined when it cannot match. */
  #valueFor(a: AttrInfo, v: unknown): Value | undefined {
    if (a.isRef) {
      const e = this.entidSync(v);
      return e === -1 ? undefined : e;
    }
    try {
      if (a.valueType === 'tuple') {
        return a.tupleType !== null
          ? coerceTuple(a.ident.fqn, [a.tupleType], v, true)
          : coerceTuple(a.ident.fqn, a.tupleTypes ?? (a.tupleAttrs ?? []).map((id) => this.#s.schema.attr(id)?.valueType ?? 'ref'), v, false);
      }
      return coerceScalar(a.ident.fqn, a.valueType, v);
    } catch (err) {
      throw new DatomError('db/arg', (err as Error).message, { data: { attribute: `:${a.ident.fqn}` }, cause: err });
    }
  }

  /** Index components as given by a caller, resolved to a probe; null when they cannot match anything (internal). */
  probeOf(order: IndexOrder, components: readonly unknown[]): Probe | null {
    return this.#probe(order, components);
  }

  /** True when reads of this value see the current state straight from the trees (no asOf, since or history). */
  get unfiltered(): boolean {
    return !this.#f.history && this.#f.asOf === null && this.#f.since === null;
  }

  #probe(order: IndexOrder, components: readonly unknown[]): Probe | null {
    if (components.length > 4) throw new DatomError('db/arg', `An index has at most 4 components, got ${components.length}`);
    const keys = ORDER_KEYS[order];
    const out: (number | Value)[] = [];
    let attr: AttrInfo | undefined;
    const aPos = keys.indexOf('a');
    if (components.length > aPos && components[aPos] !== undefined && components[aPos] !== null) attr = this.attrInfo(components[aPos] as AttrRef);
    for (let i = 0; i < components.length; i++) {
      const c = components[i];
      if (c === undefined || c === null) break;
      const k = keys[i];
      if (k === 'e') {
        const e = this.entidSync(c);
        if (e === -1) return null;
        out.push(e);
      } else if (k === 'a') out.push((attr as AttrInfo).id);
      else if (k === 'v') {
        if (attr === undefined) {
          // VAET leads with the value: a ref.
          const e = this.entidSync(c);
          if (e === -1) return null;
          out.push(e);
        } else {
          const v = this.#valueFor(attr, c);
          if (v === undefined) return null;
          out.push(v);
        }
      } else {
        if (typeof c !== 'number') throw new DatomError('db/arg', `The tx component must be a transaction id, got ${String(c)}`);
        out.push(c >= TX_BASE ? txToT(c) : c);
      }
    }
    return out;
  }

  // --- scanning ---------------------------------------------------------------------------

  /**
   * Rows visible through this value's filter, in `order`, starting at `probe`; continuing while
   * rows start with `probe` (prefix) or to the end (seek), stopping when `stop(row)` is true.
   * `oneAttr`: the read ends with the probe's attribute (a prefix read, or `stop` sees to it).
   */
  *#rows(order: IndexOrder, probe: Probe, prefix: boolean, stop: ((row: number) => boolean) | null, sync: boolean, oneAttr = prefix): Generator<number> {
    const s = this.#s;
    const f = this.#f;
    const pcmp = s.cmp.probe(order, probe);
    // A read that may be interleaved with commits reads trees that no commit changes in place.
    const cur = new TreeCursor(treeFor(s, sync ? s.trees : s.stableTrees(), order, probe, oneAttr), pcmp);
    const table = s.table;
    const sinceT = f.since;
    if (!f.history && f.asOf === null) {
      for (let r = cur.next(); r !== -1; r = cur.next()) {
        if (prefix && pcmp(r) !== 0) return;
        if (stop !== null && stop(r)) return;
        if (sinceT !== null && table.t(r) <= sinceT) continue;
        yield r;
      }
      return;
    }
    const htree: Tree = s.history.trees(s.cmp)[`h${order}` as const];
    const rowCmp = s.cmp[order];
    const merged = mergeRows(cur, new TreeCursor(htree, pcmp), s.table, rowCmp);
    const asOfT = f.asOf;
    if (f.history) {
      for (const r of merged) {
        // An assertion that a retraction brings in may sort before the probe: skip it.
        const c = pcmp(r);
        if (c < 0) continue;
        if (prefix && c !== 0) return;
        if (stop !== null && stop(r)) return;
        const t = table.t(r);
        if ((asOfT !== null && t > asOfT) || (sinceT !== null && t <= sinceT)) continue;
        yield r;
      }
      return;
    }
    // As of a t: of each fact's rows (adjacent, in t order), the last one at or before t decides.
    let groupLast = -1;
    let groupFirst = -1;
    const sameFact = (x: number, y: number): boolean =>
      table.e(x) === table.e(y) && table.a(x) === table.a(y) && compareValues(table.v(x), table.v(y)) === 0;
    const emit = (r: number): boolean => r !== -1 && table.added(r) && (sinceT === null || table.t(r) > sinceT);
    for (const r of merged) {
      const c = pcmp(r);
      if (c < 0) continue;
      if (prefix && c !== 0) break;
      if (stop !== null && stop(r)) break;
      if (groupFirst === -1 || !sameFact(groupFirst, r)) {
        if (emit(groupLast)) yield groupLast;
        groupFirst = r;
        groupLast = -1;
      }
      if (table.t(r) <= (asOfT as number)) groupLast = r;
    }
    if (emit(groupLast)) yield groupLast;
  }

  /** Visible rows of `order` starting with `probe` (internal, synchronous). */
  scanRows(order: IndexOrder, probe: Probe, limit = Number.POSITIVE_INFINITY): number[] {
    const f = this.#f;
    const s = this.#s;
    // The current state: the matching rows at once (pull's reads, lookup refs), without a generator
    // or a cursor, from a finger when this value is the head and a commit left one in the leaf.
    if (!f.history && f.asOf === null && f.since === null) {
      const tree = treeFor(s, s.trees, order, probe, true);
      if (tree.root === null) return [];
      const pcmp = s.cmp.probe(order, probe);
      const edit = s.liveHead()?.edit ?? null;
      // An entity's datoms (pull): the descent compares the entities its branches keep.
      if (order === 'eavt' && probe.length > 0) return treeMatches(tree, pcmp, edit, limit, probe[0] as number, s.cmp.entityOf);
      return treeMatches(tree, pcmp, edit, limit);
    }
    const out: number[] = [];
    if (limit <= 0) return out;
    for (const r of this.#rows(order, probe, true, null, true)) {
      out.push(r);
      if (out.length >= limit) break;
    }
    return out;
  }

  /** Visible datoms of `order` starting with `probe` (internal, synchronous). */
  scanDatoms(order: IndexOrder, probe: Probe, limit?: number): Datom[] {
    const rows = this.scanRows(order, probe, limit);
    const table = this.#s.table;
    const out: Datom[] = [];
    for (const r of rows) out.push(table.datom(r));
    return out;
  }

  #stream(order: IndexOrder, probe: Probe | null, prefix: boolean, stop: ((row: number) => boolean) | null, oneAttr = prefix): DatomStream {
    const s = this.#s;
    const self = this;
    const f = this.#f;
    // The current state, read up to where the probe stops matching: straight from the index.
    const current = !f.history && f.asOf === null && f.since === null && stop === null;
    const all = current && prefix && probe !== null && probe.length > 0 ? this.#allRows(order, probe) : null;
    return new BatchStream(function* (sync: boolean) {
      if (probe === null) return;
      if (current) {
        // The common case, without a generator step per row.
        const pcmp = s.cmp.probe(order, probe);
        const cur = new TreeCursor(treeFor(s, sync ? s.trees : s.stableTrees(), order, probe, oneAttr), pcmp);
        const check = prefix && probe.length > 0;
        const table = s.table;
        let batch: Datom[] = [];
        for (let r = cur.next(); r !== -1; r = cur.next()) {
          if (check && pcmp(r) !== 0) break;
          batch.push(table.datom(r));
          if (batch.length === BATCH_SIZE) {
            yield batch;
            batch = [];
          }
        }
        yield batch;
        return;
      }
      let batch: Datom[] = [];
      for (const r of self.#rows(order, probe, prefix, stop, sync, oneAttr)) {
        batch.push(s.table.datom(r));
        if (batch.length === BATCH_SIZE) {
          yield batch;
          batch = [];
        }
      }
      yield batch;
    }, all);
  }

  /** The synchronous read of the current rows that start with `probe`, for {@link #stream}. */
  #allRows(order: IndexOrder, probe: Probe): AllRows {
    const s = this.#s;
    const table = s.table;
    return { rows: () => treeMatches(treeFor(s, s.trees, order, probe, true), s.cmp.probe(order, probe), null, Number.POSITIVE_INFINITY), datom: (r) => table.datom(r) };
  }

  datoms(index: IndexName, ...components: unknown[]): DatomStream {
    checkIndex(index);
    return this.#stream(index, this.#probe(index, components), true, null);
  }

  seekDatoms(index: IndexName, ...components: unknown[]): DatomStream {
    checkIndex(index);
    return this.#stream(index, this.#probe(index, components), false, null);
  }

  indexRange(attr: AttrRef, start: Value | null, end: Value | null): DatomStream {
    const a = this.attrInfo(attr);
    const lo = start === null || start === undefined ? undefined : this.#valueFor(a, start);
    const hi = end === null || end === undefined ? undefined : this.#valueFor(a, end);
    const table = this.#s.table;
    const stop = hi === undefined ? null : (r: number) => compareValues(table.v(r), hi) >= 0;
    const probe: Probe = lo === undefined ? [a.id] : [a.id, lo];
    const aid = a.id;
    // Seek from the start value and stop at the end of the attribute or at the end value.
    return this.#stream('avet', probe, false, (r) => table.a(r) !== aid || (stop !== null && stop(r)), true);
  }

  // --- entities, schema, pull ---------------------------------------------------------------

  async entid(ref: EntityRef): Promise<number | null> {
    const e = this.entidSync(ref);
    if (e === -1) return null;
    if (typeof ref === 'number' && this.scanRows('eavt', [e], 1).length === 0) return null;
    return e;
  }

  entity(ref: EntityRef): Entity | null {
    return entityOf(this, this.entidSync(ref));
  }

  ident(eid: number): Keyword | null {
    return this.#s.schema.ident(eid);
  }

  attribute(attr: AttrRef): Attribute | null {
    const a = this.#attrOrNull(attr);
    return a === undefined ? null : publicAttr(a);
  }

  schema(): ReadonlyMap<string, Attribute> {
    const out = new Map<string, Attribute>();
    for (const a of this.#s.schema.attrs()) out.set(a.ident.fqn, publicAttr(a));
    return out;
  }

  async pull(pattern: PullPattern | string, entity: EntityRef): Promise<PullResult | null> {
    const p = typeof pattern === 'string' ? this.#host.parsePattern(pattern) : pattern;
    return pull(this, p, this.entidSync(entity));
  }

  async pullMany(pattern: PullPattern | string, entities: readonly EntityRef[]): Promise<(PullResult | null)[]> {
    const p = typeof pattern === 'string' ? this.#host.parsePattern(pattern) : pattern;
    return entities.map((e) => pull(this, p, this.entidSync(e)));
  }

  /** A short description of the value, as Datomic prints a database: its id, basis and filters. */
  toString(): string {
    return `#db{:id "${this.id}" :basis-t ${this.basisT}${this.asOfT !== null ? ` :as-of ${this.asOfT}` : ''}${this.sinceT !== null ? ` :since ${this.sinceT}` : ''}${this.isHistory ? ' :history true' : ''}}`;
  }
}

function attrName(ref: string | Keyword): string {
  if (ref instanceof Keyword) return ref.fqn;
  return ref.startsWith(':') ? ref.slice(1) : ref;
}

function checkIndex(index: string): asserts index is IndexOrder {
  if (index !== 'eavt' && index !== 'aevt' && index !== 'avet' && index !== 'vaet') {
    throw new DatomError('db/arg', `Unknown index ${String(index)}: use eavt, aevt, avet or vaet`, { data: { index: String(index) } });
  }
}

function publicAttr(a: AttrInfo): Attribute {
  return {
    id: a.id,
    ident: a.ident,
    valueType: a.valueType,
    cardinality: a.cardinality,
    unique: a.unique,
    isComponent: a.isComponent,
    noHistory: a.noHistory,
    index: a.index,
    doc: a.doc,
    tupleAttrs: a.tupleAttrs,
    tupleTypes: a.tupleTypes,
    tupleType: a.tupleType,
  };
}
