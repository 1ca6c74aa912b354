import {
  type Connection,
  type BulkBatch,
  type Database,
  type Datom,
  DatomError,
  FIRST_USER_EID,
  TX_BASE,
  type TxForm,
  type TxLogEntry,
  type TxReport,
  type Value,
} from '@datomkit/datom-core';
import { IdMapping } from './id-mapping.js';
import { type Rows, valueColumn } from './log-columns.js';
import { RESTORE_ATTRS, isRestoreIdent } from './restore-attributes.js';
import type { AttrKind, SourceSchema } from './source-schema.js';
import { type UnmappableRef, type UnmappableRefPolicy, type UnmappableReport, emptyUnmappableReport, noteUnmappable } from './unmappable-ref.js';

/**
 * One destination transaction of {@link RestoreWriter.replayGroups}: the datoms of source
 * transactions that are each {@link RestoreWriter.groupable} with it, and the restore's markers.
 *
 * @example
 * ```ts
 * const cols = LogColumns.of([entry])
 * const segment: GroupSegment = { groups: [new Rows(cols, 0, 1, cols.rows)], marks: [{ e: null, a: 72, v: 7 }] }
 * ```
 */
export interface GroupSegment {
  readonly groups: readonly Rows[];
  readonly marks: readonly { readonly e: number | null; readonly a: number; readonly v: Value }[];
}

/** Tempids of the writer name source entities: `src:1042` stands for source entity 1042. */
const TEMPID_PREFIX = 'src:';

/**
 * Options of {@link RestoreWriter}.
 *
 * @example
 * ```ts
 * const options: RestoreWriterOptions = { destConn, schema, mapping, unmappableRefs: 'skip' }
 * ```
 */
export interface RestoreWriterOptions {
  readonly destConn: Connection;
  /** The source schema, kept current with the datoms written (see {@link SourceSchema.apply}). */
  readonly schema: SourceSchema;
  readonly mapping: IdMapping;
  /** What to do with refs that cannot be mapped faithfully. Default `'placeholder'`. */
  readonly unmappableRefs?: UnmappableRefPolicy;
  readonly onUnmappable?: (ref: UnmappableRef) => void;
  /** Where unmappable datoms are counted (a fresh report when not given). */
  readonly report?: UnmappableReport;
  /**
   * Current-state copies only: the source as of the basis. With a policy other than
   * `'placeholder'`, the writer asks it whether an unmapped ref target exists at all.
   */
  readonly sourceDb?: Database;
  /**
   * The destination may hold entities that the copy's unique identities must upsert into (the
   * restores' `merge` option): current-state datoms then go through `transact`. Otherwise, and when
   * the connection has `bulkLoad`, they go through it: no tempids and no upserts, so a copied
   * entity's identity already held in the destination fails with `transact/unique`.
   */
  readonly merge?: boolean;
}

/** Attribute ids below this (the built-ins and the first user entities) have their `CopyAttr` in an array. */
const COPY_ATTRS_DENSE = FIRST_USER_EID + 3096;

const SKIP = Symbol('skip');
/** What `#place` answers for an entity it was not to place (no entity position is this low). */
const UNPLACED = Number.MIN_SAFE_INTEGER;
const NEED = Symbol('need');
const NONE: ReadonlySet<number> = new Set();

/** How a current-state copy writes the datoms of one source attribute (worked out once per attribute). */
interface CopyAttr {
  readonly kind: AttrKind;
  /** Never written: composite tuples (derived by the destination), bookkeeping, `db/txInstant`. */
  readonly skip: boolean;
  /** The destination attribute id, or -1 when it has none (an error unless the datom is skipped). */
  readonly a: number;
  /** Values are written as they are: neither a ref nor a tuple holding refs. */
  readonly plain: boolean;
  /** The destination attribute is cardinality one: a new value retracts the old one by itself. */
  readonly one: boolean;
}

/** A current-state batch as `bulkLoad` columns; the source entities it creates are numbered in `fresh`. */
class BulkColumns {
  readonly e: number[] = [];
  readonly a: number[] = [];
  readonly v: Value[] = [];
  /** The new-entity number of each source entity the batch creates. */
  readonly fresh = new Map<number, number>();
}

/**
 * The new entities of one `replayGroups` call, one block, segment after segment: each source
 * entity's place in it (the segments' own marker entities take places too).
 */
class FreshBlock {
  /** A live object of this class, kept for the reason datom-core's `Filler.kept` (db/column-read.ts) gives: without one, each full collection between two restores drops the optimized code of this class's methods. */
  static readonly kept: FreshBlock = new FreshBlock();

  readonly fresh = new Map<number, number>();
  /** The next place. */
  next = 0;
  /** Set by `#place` when the entity it placed belongs to an earlier segment. */
  earlier = false;
}

/** The columns of one segment's bulk batch. */
class SegmentColumns {
  /** A live object of this class, kept for the reason datom-core's `Filler.kept` (db/column-read.ts) gives. */
  static readonly kept: SegmentColumns = new SegmentColumns(1);

  readonly e: Float64Array;
  readonly a: Float64Array;
  readonly v: Value[];
  /** The rows so far. */
  n = 0;

  /**
   * Room for `capacity` rows, which the columns never outgrow: typed ones for the numbers, which
   * the collector neither copies nor scans. The value column is made for `values` rows (the usual
   * count) and grows past it if it must.
   */
  constructor(capacity: number, values = capacity) {
    this.e = new Float64Array(capacity);
    this.a = new Float64Array(capacity);
    this.v = valueColumn(values);
  }

  push(e: number, a: number, v: Value): void {
    const i = this.n++;
    this.e[i] = e;
    this.a[i] = a;
    this.v[i] = v;
  }

  /** The bulk batch of the rows. */
  batch(newEntities: number, earlierEntities: number): BulkBatch {
    const n = this.n;
    this.v.length = n;
    // One object literal, with every field (no spread): its shape stays alive with the code that makes it.
    return { newEntities, e: this.e.subarray(0, n), a: this.a.subarray(0, n), v: this.v, earlierEntities };
  }
}

class Build {
  /** A live object of this class, kept for the reason datom-core's `Filler.kept` (db/column-read.ts) gives: without one, each full collection between two restores drops the optimized code of the writer's methods that fill a build. */
  static readonly kept: Build = new Build(null, NONE);

  readonly forms: TxForm[] = [];
  /** The tempid of each source entity named by one in this transaction. */
  readonly tempids = new Map<number, string>();
  /** Tuple ref targets that must exist before the transaction (tuples hold entity ids only). */
  readonly need = new Set<number>();
  /** The unmappable datoms met, reported when the build is final. */
  readonly unmappable: UnmappableRef[] = [];
  datoms = 0;
  constructor(
    readonly entry: TxLogEntry | null,
    readonly createdHere: ReadonlySet<number>,
    /** Set for a current-state batch written by `bulkLoad`. */
    readonly bulk: BulkColumns | null = null,
  ) {}

  /** Adds the assertion `[e a v]`. */
  assert(e: number | string, a: number, v: Value | string): void {
    const bulk = this.bulk;
    if (bulk === null) this.forms.push(['db/add', e, a, v]);
    else {
      bulk.e.push(e as number);
      bulk.a.push(a);
      bulk.v.push(v as Value);
    }
    this.datoms++;
  }
}

/**
 * The writer stage: turns source datoms into destination transactions, mapping entity ids through
 * `datomkit.restore/source-eid`. An unmapped source entity is written under the tempid `src:<eid>`
 * together with its `source-eid`, which is unique identity: the transaction either creates the
 * entity or upserts into the one an earlier batch, worker or crashed run created. So every source
 * entity has exactly one destination entity, forward refs and ref-only entities (including cycles
 * of them) need no pending lists, and no ref is ever dropped. Attributes are written by their
 * destination id, and types come from the source schema, never from the destination's ids.
 *
 * @example
 * ```ts
 * await copySchema({ schema, destConn, mapping }) // the attributes first
 * const writer = new RestoreWriter({ destConn, schema, mapping })
 * for await (const chunk of readCurrentState({ sourceDb, schema })) await writer.writeCurrentState(chunk)
 * ```
 */
export class RestoreWriter {
  /** A live object of this class, kept for the reason datom-core's `Filler.kept` (db/column-read.ts) gives: without one, each full collection between two restores drops the optimized code of this class's methods. */
  static readonly kept: RestoreWriter = RestoreWriter.#keptWriter();

  /**
   * The writer for {@link RestoreWriter.kept}, with the shape live writers have: attribute ids come
   * out of the database as doubles, so its marker attribute's id is one too (a small integer there
   * would give it a shape of its own, and keep nothing a live writer uses).
   */
  static #keptWriter(): RestoreWriter {
    const conn = { db: () => ({ attribute: () => ({ id: 0.5 }) }) } as unknown as Connection;
    const w = new RestoreWriter({ destConn: conn, schema: null as unknown as SourceSchema, mapping: IdMapping.kept });
    w.#marker();
    return w;
  }

  readonly #conn: Connection;
  readonly #schema: SourceSchema;
  readonly #mapping: IdMapping;
  readonly #policy: UnmappableRefPolicy;
  readonly #onUnmappable: ((ref: UnmappableRef) => void) | undefined;
  readonly #sourceDb: Database | undefined;
  readonly #exists = new Set<number>();
  readonly #missing = new Set<number>();
  /** The unmappable datoms met so far. */
  readonly report: UnmappableReport;
  /**
   * Current-state copies: ref targets that were unmapped when written. Those that never show up as
   * an entity of the source are refs to nowhere (see {@link RestoreWriter.noteDanglingTargets}).
   */
  readonly forwardTargets = new Map<number, Datom>();
  #markerA = -1;
  readonly #bulk: boolean;
  /** The last bulk write: each one builds after the one before has mapped its entities. */
  #bulkTail: Promise<unknown> = Promise.resolve();
  /**
   * {@link CopyAttr}s by source attribute id, for the source schema of {@link #copyAttrsVersion}
   * (kept across transactions that change no schema; one without a destination attribute is not kept).
   */
  readonly #copyAttrs = new Map<number, CopyAttr>();
  /** The same for attribute ids below {@link COPY_ATTRS_DENSE}, by id: an array read per datom. */
  readonly #copyAttrsById: (CopyAttr | null)[] = new Array<CopyAttr | null>(COPY_ATTRS_DENSE).fill(null);
  #copyAttrsVersion = -1;

  constructor(options: RestoreWriterOptions) {
    this.#conn = options.destConn;
    this.#schema = options.schema;
    this.#mapping = options.mapping;
    this.#policy = options.unmappableRefs ?? 'placeholder';
    this.#onUnmappable = options.onUnmappable;
    this.#sourceDb = options.sourceDb;
    this.report = options.report ?? emptyUnmappableReport();
    this.#bulk = options.merge !== true && typeof this.#conn.bulkLoad === 'function';
  }

  #marker(): number {
    if (this.#markerA === -1) {
      const a = this.#conn.db().attribute(RESTORE_ATTRS.sourceEid);
      if (a === null) {
        throw new DatomError('restore/state-mismatch', 'The destination lacks the restore attributes: call ensureRestoreSchema(destConn) first', {
          data: { attribute: RESTORE_ATTRS.sourceEid },
        });
      }
      this.#markerA = a.id;
    }
    return this.#markerA;
  }

  #unmappable(kind: UnmappableRef['kind'], datom: Datom, target: number, b: Build): typeof SKIP | 'keep' {
    if (this.#policy === 'error') {
      throw new DatomError(
        'restore/ref-unresolved',
        `Source datom [${datom.e} ${this.#schema.identOf(datom.a)} ${String(datom.v)}] needs entity ${target}, ${kind === 'dangling-ref' ? 'which has no datoms in the source' : 'a transaction entity the destination has no copy of'}: choose unmappableRefs 'placeholder' or 'skip' to go on`,
        { data: { kind, e: datom.e, attribute: this.#schema.identOf(datom.a), target, tx: datom.tx } },
      );
    }
    const u: UnmappableRef = { kind, datom, target, action: this.#policy === 'skip' ? 'skipped' : 'placeholder' };
    // Reported once the build is final: a build redone after creating tuple ref targets meets it again.
    b.unmappable.push(u);
    return this.#policy === 'skip' ? SKIP : 'keep';
  }

  /** The entity position for source entity `src`: its destination id, or a tempid that upserts. */
  #entity(src: number, b: Build): number | string {
    if (src < FIRST_USER_EID) return src;
    const m = this.#mapping.get(src);
    if (m !== undefined) return m;
    const bulk = b.bulk;
    if (bulk !== null) {
      let k = bulk.fresh.get(src);
      if (k === undefined) {
        k = bulk.fresh.size;
        bulk.fresh.set(src, k);
        bulk.e.push(-1 - k);
        bulk.a.push(this.#marker());
        bulk.v.push(src);
      }
      return -1 - k;
    }
    let name = b.tempids.get(src);
    if (name === undefined) {
      name = TEMPID_PREFIX + src;
      b.tempids.set(src, name);
      b.forms.push(['db/add', name, this.#marker(), src]);
    }
    return name;
  }

  /** A ref value: destination id, tempid, or SKIP / NEED (for tuple elements, which need ids). */
  #ref(v: number, d: Datom, b: Build, inTuple: boolean): number | string | typeof SKIP | typeof NEED {
    if (v < FIRST_USER_EID) return v;
    if (b.entry !== null && v === b.entry.tx) return inTuple ? this.#fail(d, v, 'a tuple cannot refer to its own transaction') : 'datomic.tx';
    const m = this.#mapping.get(v);
    if (m !== undefined) return m;
    if (v >= TX_BASE) {
      if (this.#unmappable('tx-entity-ref', d, v, b) === SKIP) return SKIP;
    } else if (b.entry !== null) {
      if (!b.createdHere.has(v) && this.#unmappable('dangling-ref', d, v, b) === SKIP) return SKIP;
    } else if (this.#missing.has(v)) {
      if (this.#unmappable('dangling-ref', d, v, b) === SKIP) return SKIP;
    } else if (!this.forwardTargets.has(v)) this.forwardTargets.set(v, d);
    if (!d.added) return this.#fail(d, v, 'a retraction names an entity the destination does not have');
    // A bulk load takes refs to its new entities inside tuples too.
    if (inTuple && b.bulk === null) {
      b.need.add(v);
      return NEED;
    }
    return this.#entity(v, b);
  }

  #fail(d: Datom, target: number, why: string): never {
    throw new DatomError('restore/ref-unresolved', `Cannot map source datom [${d.e} ${this.#schema.identOf(d.a)} ${String(d.v)}]: ${why} (entity ${target})`, {
      data: { e: d.e, attribute: this.#schema.identOf(d.a), target, tx: d.tx, added: d.added },
    });
  }

  #value(kind: AttrKind, d: Datom, b: Build): Value | string | typeof SKIP | typeof NEED {
    if (kind.isRef) return this.#ref(d.v as number, d, b, false);
    const types = kind.elementTypes;
    if (types === null || !kind.refBearing) return d.v;
    const tuple = d.v as readonly (Value | null)[];
    const out: (Value | null)[] = new Array(tuple.length);
    let need = false;
    for (let i = 0; i < tuple.length; i++) {
      const x = tuple[i] ?? null;
      const type = kind.homogeneous ? types[0] : types[i];
      if (x === null || type !== 'ref') {
        out[i] = x;
        continue;
      }
      const r = this.#ref(x as number, d, b, true);
      if (r === SKIP) return SKIP;
      if (r === NEED) need = true;
      else out[i] = r as number;
    }
    return need ? NEED : (Object.freeze(out) as Value);
  }

  #add(d: Datom, b: Build): void {
    const kind = this.#schema.kind(d.a);
    if (kind === null) this.#fail(d, d.a, 'the attribute is unknown in the source schema');
    if (kind.composite || kind.bookkeeping || d.a === this.#schema.sys.txInstant) return;
    // A source that is itself a copy: its restore attributes are its bookkeeping, never data.
    const subject = this.#schema.entities.get(d.e)?.ident;
    if (subject != null && isRestoreIdent(subject.fqn)) return;
    const a = this.#mapping.get(d.a);
    if (a === undefined) this.#fail(d, d.a, 'the attribute has no copy in the destination');
    let e: number | string;
    if (b.entry !== null && d.e === b.entry.tx) e = 'datomic.tx';
    else if (d.e >= TX_BASE) {
      const m = this.#mapping.get(d.e);
      if (m !== undefined) e = m;
      else if (this.#unmappable('tx-entity-datom', d, d.e, b) === SKIP) return;
      else if (!d.added) this.#fail(d, d.e, 'a retraction names a transaction entity the destination has no copy of');
      else e = this.#entity(d.e, b);
    } else if (d.added) e = this.#entity(d.e, b);
    else {
      const m = this.#mapping.get(d.e);
      if (m === undefined) this.#fail(d, d.e, 'a retraction names an entity the destination does not have');
      e = m;
    }
    const v = this.#value(kind, d, b);
    if (v === SKIP || v === NEED) return;
    if (d.added) b.assert(e, a, v);
    else {
      b.forms.push(['db/retract', e, a, v]);
      b.datoms++;
    }
  }

  #learn(report: TxReport): void {
    for (const name in report.tempids) {
      if (name.startsWith(TEMPID_PREFIX)) this.#mapping.set(Number(name.slice(TEMPID_PREFIX.length)), report.tempids[name] as number);
    }
  }

  /** Records the destination ids of the source entities `b` named by tempids. */
  #learnBuild(report: TxReport, b: Build): void {
    const ids = report.tempids;
    for (const [src, name] of b.tempids) {
      const id = ids[name];
      if (id !== undefined) this.#mapping.set(src, id);
    }
  }

  /** How a current-state copy writes attribute `d.a` (cached while the source schema stays put). */
  #copyAttr(d: Datom): CopyAttr {
    return this.#knownCopyAttr(d.a) ?? this.#newCopyAttr(d);
  }

  /** {@link #copyAttr} of row `i` of `rows`. */
  #copyAttrAt(rows: Rows, i: number): CopyAttr {
    return this.#knownCopyAttr(rows.cols.a[i] as number) ?? this.#newCopyAttr(rows.datom(i));
  }

  /** The {@link CopyAttr} of source attribute `a` worked out already for the current source schema, if any. */
  #knownCopyAttr(a: number): CopyAttr | null {
    if (this.#copyAttrsVersion !== this.#schema.version) {
      this.#copyAttrs.clear();
      this.#copyAttrsById.fill(null);
      this.#copyAttrsVersion = this.#schema.version;
    }
    return (a < COPY_ATTRS_DENSE ? this.#copyAttrsById[a] : this.#copyAttrs.get(a)) ?? null;
  }

  /** Works out the {@link CopyAttr} of `d`'s attribute (kept unless the attribute may be copied later). */
  #newCopyAttr(d: Datom): CopyAttr {
    const kind = this.#schema.kind(d.a);
    if (kind === null) this.#fail(d, d.a, 'the attribute is unknown in the source schema');
    const skip = kind.composite || kind.bookkeeping || d.a === this.#schema.sys.txInstant;
    const a = skip ? -1 : (this.#mapping.get(d.a) ?? -1);
    const one = a !== -1 && this.#conn.db().attribute(a)?.cardinality === 'one';
    const c: CopyAttr = { kind, skip, a, plain: !kind.refBearing, one };
    // An attribute not copied yet may be by the next transaction, which changes the schema model only then.
    if (skip || a !== -1) {
      if (d.a < COPY_ATTRS_DENSE) this.#copyAttrsById[d.a] = c;
      else this.#copyAttrs.set(d.a, c);
    }
    return c;
  }

  /**
   * The current-state form of {@link #add}, for datoms grouped by entity: the entity position is
   * worked out once per entity and the attribute once per attribute, not once per datom. Datoms
   * about transaction entities (rare) go through {@link #add}.
   */
  #addCurrent(datoms: readonly Datom[], b: Build): void {
    let lastE = -1;
    let e: number | string | null = null;
    let ownBookkeeping = false;
    for (const d of datoms) {
      if (d.e >= TX_BASE || !d.added) {
        this.#add(d, b);
        lastE = -1;
        continue;
      }
      if (d.e !== lastE) {
        lastE = d.e;
        e = null;
        // A source that is itself a copy: its restore attributes are its bookkeeping, never data.
        const subject = this.#schema.entities.get(d.e)?.ident;
        ownBookkeeping = subject != null && isRestoreIdent(subject.fqn);
      }
      const c = this.#copyAttr(d);
      if (c.skip || ownBookkeeping) continue;
      if (c.a === -1) this.#fail(d, d.a, 'the attribute has no copy in the destination');
      e ??= this.#entity(d.e, b);
      const v = c.plain ? d.v : this.#value(c.kind, d, b);
      if (v === SKIP || v === NEED) continue;
      b.assert(e, c.a, v);
    }
  }

  /** Creates destination entities (carrying only their source-eid) for tuple ref targets. */
  async #materialize(need: ReadonlySet<number>): Promise<void> {
    const marker = this.#marker();
    const forms: TxForm[] = [...need].map((s) => ['db/add', TEMPID_PREFIX + s, marker, s]);
    this.#learn(await this.#conn.transact(forms));
  }

  async #build(datoms: readonly Datom[], entry: TxLogEntry | null, createdHere: ReadonlySet<number>, extra: readonly TxForm[]): Promise<Build> {
    for (let round = 0; ; round++) {
      const b = new Build(entry, createdHere);
      for (const f of extra) b.forms.push(f);
      if (entry === null) this.#addCurrent(datoms, b);
      else for (const d of datoms) this.#add(d, b);
      if (b.need.size === 0 || round > 0) return this.#final(b);
      await this.#materialize(b.need);
    }
  }

  /** Reports the unmappable datoms of `b`, whose build is final. */
  #final(b: Build): Build {
    for (const u of b.unmappable) this.#note(u);
    return b;
  }

  #note(u: UnmappableRef): void {
    noteUnmappable(this.report, u);
    this.#onUnmappable?.(u);
  }

  /** With a strict policy, finds which unmapped ref targets of a current-state chunk have no datoms. */
  async #checkTargets(datoms: readonly Datom[]): Promise<void> {
    if (this.#policy === 'placeholder' || this.#sourceDb === undefined) return;
    const here = new Set<number>();
    for (const d of datoms) here.add(d.e);
    for (const d of datoms) {
      const kind = this.#schema.kind(d.a);
      if (kind === null || !kind.refBearing) continue;
      const targets = kind.isRef ? [d.v as number] : (d.v as readonly unknown[]).filter((x): x is number => typeof x === 'number');
      for (const v of targets) {
        if (v < FIRST_USER_EID || v >= TX_BASE || here.has(v) || this.#exists.has(v) || this.#missing.has(v) || this.#mapping.get(v) !== undefined) continue;
        let found = false;
        for await (const batch of this.#sourceDb.datoms('eavt', v).batches()) {
          found = batch.length > 0;
          break;
        }
        (found ? this.#exists : this.#missing).add(v);
      }
    }
  }

  /**
   * Writes current-state datoms (assertions as of the basis) in one transaction. Idempotent: writing
   * the same datoms again changes nothing. Returns the number of data datoms sent.
   */
  async writeCurrentState(datoms: readonly Datom[]): Promise<number> {
    if (datoms.length === 0) return 0;
    if (this.#bulk) {
      const written = this.#bulkTail.then(() => this.#writeBulk(datoms));
      this.#bulkTail = written.catch(() => {});
      return written;
    }
    return this.#writeTransact(datoms);
  }

  /**
   * Writes a current-state batch with one `bulkLoad`: each unmapped source entity the batch names
   * (as subject, ref or tuple element) becomes one of its new entities, carrying its `source-eid`.
   */
  async #writeBulk(datoms: readonly Datom[]): Promise<number> {
    // bulkLoad takes user attributes only: a built-in one on a data entity (db/doc) goes through transact.
    for (const d of datoms) {
      const c = this.#copyAttr(d);
      if (!c.skip && c.a !== -1 && c.a < FIRST_USER_EID) return this.#writeTransact(datoms);
    }
    await this.#checkTargets(datoms);
    const b = new Build(null, NONE, new BulkColumns());
    this.#addCurrent(datoms, b);
    this.#final(b);
    const bulk = b.bulk as BulkColumns;
    if (bulk.e.length === 0) return 0;
    const load = this.#conn.bulkLoad as NonNullable<Connection['bulkLoad']>;
    const { firstEid } = await load.call(this.#conn, { newEntities: bulk.fresh.size, e: bulk.e, a: bulk.a, v: bulk.v });
    this.#mapFresh(bulk.fresh, firstEid);
    return b.datoms;
  }

  /** Writes a current-state batch with one `transact`, naming unmapped entities by upserting tempids. */
  async #writeTransact(datoms: readonly Datom[]): Promise<number> {
    await this.#checkTargets(datoms);
    const b = await this.#build(datoms, null, NONE, []);
    if (b.forms.length === 0) return 0;
    this.#learnBuild(await this.#conn.transact(b.forms), b);
    return b.datoms;
  }

  /** Loads the mapping of every entity, attribute and ref that source transaction `entry`'s `datoms` name. */
  async resolve(entry: TxLogEntry, datoms: readonly Datom[]): Promise<ReadonlySet<number>> {
    const createdHere = new Set<number>();
    if (this.#mapping.complete) {
      // Nothing to load (a replay from t 0): only the entities the transaction asserts about.
      for (const d of datoms) if (d.added) createdHere.add(d.e);
      return createdHere;
    }
    const ids = new Set<number>();
    for (const d of datoms) {
      ids.add(d.e);
      ids.add(d.a);
      if (d.added) createdHere.add(d.e);
      const kind = this.#schema.kind(d.a);
      if (kind?.isRef === true) ids.add(d.v as number);
      else if (kind?.refBearing === true) for (const x of d.v as readonly unknown[]) if (typeof x === 'number') ids.add(x);
    }
    ids.add(entry.tx);
    await this.#mapping.resolve(ids);
    return createdHere;
  }

  /**
   * Replays one source transaction as one destination transaction: `datoms` (its datoms after the
   * pipeline's transforms) plus `extra` forms (the restore's markers). Returns the report.
   */
  async replay(entry: TxLogEntry, datoms: readonly Datom[], extra: readonly TxForm[]): Promise<{ report: TxReport; datoms: number }> {
    const createdHere = await this.resolve(entry, datoms);
    const b = await this.#build(datoms, entry, createdHere, extra);
    const report = await this.#conn.transact(b.forms);
    this.#learn(report);
    return { report, datoms: b.datoms };
  }

  /** Whether source entity `src` has a destination entity (as far as the mapping has loaded). */
  isMapped(src: number): boolean {
    return this.#mapping.get(src) !== undefined;
  }

  /** Whether the destination takes bulk loads, which {@link replayGroups} needs. */
  get canBulk(): boolean {
    return this.#bulk;
  }

  /**
   * Whether a source transaction's datoms `rows` (after transforms, without `db/txInstant`; call
   * {@link resolve} first) can be replayed in a group by {@link replayGroups}: datoms of user
   * attributes the destination has, about entities (not transactions), whose refs name built-ins,
   * mapped entities, or entities asserted by this transaction, an earlier one of the group
   * (`groupEntities`) or a group written before it in the same {@link replayGroups} call
   * (`earlierEntities`). Then nothing of it is unmappable and its writing needs no tempids. A
   * retraction is groupable only as the old half of a cardinality-one change: the same
   * transaction asserts another value of that attribute of that entity, which is a mapped entity
   * outside `groupEntities` (the bulk load retracts the old value by itself, as `transact` would).
   * The caller adds such changed entities (those of the retractions) to `groupEntities`, so that
   * one group never changes an attribute of an entity twice.
   */
  groupable(rows: Rows, groupEntities: ReadonlySet<number>, createdHere: ReadonlySet<number>, earlierEntities: ReadonlySet<number> = NONE): boolean {
    const { e: es, a: as, v: vs, added } = rows.cols;
    let changes: number[] | null = null;
    // Index loops here and in #groupBatch: an array iterator is not always optimized away.
    for (let i = rows.from; i < rows.to; i++) {
      const e = es[i] as number;
      if (e >= TX_BASE || (as[i] as number) < FIRST_USER_EID) return false;
      const c = this.#copyAttrAt(rows, i);
      if (added[i] === 0) {
        if (c.skip) continue;
        if (c.a === -1 || !c.one || groupEntities.has(e) || this.#mapping.get(e) === undefined) return false;
        (changes ??= []).push(i);
        continue;
      }
      if (c.skip) continue;
      if (c.a === -1 || (c.kind.refBearing && !c.kind.isRef)) return false;
      if (!c.kind.isRef) continue;
      const v = vs[i] as number;
      if (v >= TX_BASE) return false;
      if (v >= FIRST_USER_EID && this.#mapping.get(v) === undefined && !createdHere.has(v) && !groupEntities.has(v) && !earlierEntities.has(v)) return false;
    }
    if (changes === null) return true;
    // Each retraction needs its new value beside it: a retraction alone is not written by a load.
    return hasAssertionBeside(changes, rows);
  }

  /**
   * Writes segments, each the datoms of several source transactions that are each {@link groupable}
   * (with the segment's own entities and the entities earlier segments of the call create), as one
   * destination transaction each, all of them with one `bulkLoadAll` where the connection has it
   * (one write and one sync; a segment names the new entities of earlier ones through the batch's
   * `earlierEntities`), else one `bulkLoad` each, every segment built once the ones before it are
   * mapped. A segment's `marks` are more assertions for its transaction (the restore's markers),
   * each about an existing destination entity, or with `e: null` about one new entity of its own.
   * Throws as the load does; then the segments before `error.data.segment` (if any) are committed,
   * with `error.data.written` data datoms, and the others changed nothing, so the caller can replay
   * the rest one source transaction at a time. Returns the number of data datoms written.
   */
  async replayGroups(segments: readonly GroupSegment[]): Promise<number> {
    const all = this.#conn.bulkLoadAll;
    if (all !== undefined) {
      // The call's new entities are one block, segment after segment.
      const block = new FreshBlock();
      const builds = segments.map((seg) => this.#groupBatch(seg, block));
      const results = await all.call(
        this.#conn,
        builds.map((x) => x.batch),
      );
      const first = (results[0] as (typeof results)[number]).firstEid;
      for (const [i, r] of results.entries()) {
        if (r.firstEid !== first + (builds[i] as (typeof builds)[number]).base) {
          throw new DatomError('restore/state-mismatch', `The bulk load numbered the new entities of a commit's segments apart (segment ${i} from ${r.firstEid})`, {
            data: { segment: i, firstEid: r.firstEid },
          });
        }
      }
      this.#mapBlock(block, first);
      return builds.reduce((n, x) => n + x.datoms, 0);
    }
    const load = this.#conn.bulkLoad as NonNullable<Connection['bulkLoad']>;
    let datoms = 0;
    for (const [i, seg] of segments.entries()) {
      const block = new FreshBlock();
      const x = this.#groupBatch(seg, block);
      let firstEid: number;
      try {
        ({ firstEid } = await load.call(this.#conn, x.batch));
      } catch (err) {
        if (i === 0 || !(err instanceof DatomError)) throw err;
        throw new DatomError(err.code, err.message, { data: { ...err.data, segment: i, written: datoms }, cause: err });
      }
      this.#mapBlock(block, firstEid);
      datoms += x.datoms;
    }
    return datoms;
  }

  /** Maps the new source entities of a bulk batch, numbered in `fresh`, to the block that starts at `firstEid`. */
  #mapFresh(fresh: ReadonlyMap<number, number>, firstEid: number): void {
    for (const [src, k] of fresh) this.#mapping.set(src, firstEid + k);
  }

  /** Maps the source entities of `block` to the destination's block of new entities that starts at `firstEid`. */
  #mapBlock(block: FreshBlock, firstEid: number): void {
    const mapping = this.#mapping;
    block.fresh.forEach((place, src) => {
      mapping.set(src, firstEid + place);
    });
  }

  /**
   * The destination entity position of source entity `src` in the segment whose new entities start
   * at place `base` of `block`: a built-in or mapped id, one of the segment's new entities, or for
   * an entity an earlier segment of the call creates, its place in the block, with `block.earlier`
   * set (the caller writes it once the segment's count is known). An entity without a place yet is
   * given the next one, and its `source-eid` is written to `cols`; with `cols` null it is left
   * without one, and the answer is {@link UNPLACED}.
   */
  #place(src: number, block: FreshBlock, base: number, cols: SegmentColumns | null): number {
    block.earlier = false;
    if (src < FIRST_USER_EID) return src;
    const m = this.#mapping.get(src);
    if (m !== undefined) return m;
    let place = block.fresh.get(src);
    if (place === undefined) {
      if (cols === null) return UNPLACED;
      place = block.next++;
      block.fresh.set(src, place);
      cols.push(base - place - 1, this.#marker(), src);
    } else if (place < base) {
      block.earlier = true;
      return place;
    }
    return base - place - 1;
  }

  /**
   * The bulk batch of one segment of {@link replayGroups}, where its new entities start in the
   * call's `block`, and its data datoms. The source entities it names that earlier segments of the
   * call create are written by their place in the block (see `BulkBatch.earlierEntities`).
   *
   * The batch keeps the order the load sorts by, `[e a v]`, wherever the source's does, so that the
   * load need not sort it: its new entities are numbered in the order they first appear as subjects
   * (a ref to one not seen yet is written once the segment is read; one that never appears as a
   * subject is numbered after the others), each one's `source-eid` comes before its data (the
   * restore's attributes are older than the data's), and the marks about existing entities come
   * first (the session entity is older than any the restore copies).
   */
  #groupBatch(segment: GroupSegment, block: FreshBlock): { batch: BulkBatch; base: number; datoms: number } {
    const base = block.next;
    // Each data row adds itself, and at most two new entities' source-eid rows (its subject's and
    // its ref's); mostly a new entity has several rows.
    let rows = 0;
    for (const g of segment.groups) rows += g.length;
    const cols = new SegmentColumns(3 * rows + segment.marks.length, rows + (rows >> 2) + segment.marks.length);
    for (const m of segment.marks) if (m.e !== null) cols.push(m.e, m.a, m.v);
    // Rows naming an earlier segment's entity hold its place until the segment's count is known.
    const fixE: number[] = [];
    const fixV: number[] = [];
    /** Refs to source entities without a place yet when named: the row, then the source entity. */
    const unplaced: number[] = [];
    let data = 0;
    const entities = this.#schema.entities;
    for (const rows of segment.groups) {
      const { e: es, v: vs, added } = rows.cols;
      let lastE = -1;
      let e = 0;
      let eEarlier = false;
      let ownBookkeeping = false;
      for (let i = rows.from; i < rows.to; i++) {
        // A groupable retraction is the old half of a cardinality-one change: the load retracts it.
        if (added[i] === 0) continue;
        const c = this.#copyAttrAt(rows, i);
        if (c.skip) continue;
        const srcE = es[i] as number;
        if (srcE !== lastE) {
          lastE = srcE;
          // A source that is itself a copy: its restore attributes are its bookkeeping, never data.
          const subject = entities.get(srcE)?.ident;
          ownBookkeeping = subject != null && isRestoreIdent(subject.fqn);
          if (!ownBookkeeping) {
            e = this.#place(srcE, block, base, cols);
            eEarlier = block.earlier;
          }
        }
        if (ownBookkeeping) continue;
        let v = vs[i] as Value;
        if (c.kind.isRef) {
          // A ref to an entity not placed yet waits: it may be a subject further on.
          v = this.#place(v as number, block, base, null);
          if (v === UNPLACED) unplaced.push(cols.n, vs[i] as number);
          else if (block.earlier) fixV.push(cols.n);
        }
        if (eEarlier) fixE.push(cols.n);
        cols.push(e, c.a, v);
        data++;
      }
    }
    // Each one a subject of the segment by now, or numbered here, after the others.
    for (let k = 0; k < unplaced.length; k += 2) cols.v[unplaced[k] as number] = this.#place(unplaced[k + 1] as number, block, base, cols);
    const own = block.next - base;
    let newEntities = own;
    for (const m of segment.marks) {
      if (m.e !== null) continue;
      if (newEntities === own) newEntities++;
      // (-1 - own, not -own - 1: -0 is not below 0.)
      cols.push(-1 - own, m.a, m.v);
    }
    block.next = base + newEntities;
    for (const i of fixE) cols.e[i] = -1 - newEntities - (cols.e[i] as number);
    for (const i of fixV) cols.v[i] = -1 - newEntities - (cols.v[i] as number);
    return { batch: cols.batch(newEntities, base), base, datoms: data };
  }

  /**
   * After a current-state copy: reports the ref targets that were written as placeholders and never
   * appeared as a source entity (`seen`), i.e. refs to nowhere.
   */
  noteDanglingTargets(seen: ReadonlySet<number>): void {
    for (const [v, datom] of this.forwardTargets) {
      if (seen.has(v) || this.#schema.isSchemaEntity(v)) continue;
      this.#note({ kind: 'dangling-ref', datom, target: v, action: 'placeholder' });
    }
  }
}

/** Up to this many datoms, {@link hasAssertionBeside} compares pairs rather than building a map. */
const SMALL_TX = 64;

/** Whether `rows` assert a value of the attribute of the entity of each of its rows `retractions`. */
function hasAssertionBeside(retractions: readonly number[], rows: Rows): boolean {
  const { e: es, a: as, added } = rows.cols;
  if (rows.length <= SMALL_TX) {
    // A transaction of a few card-one changes (the common kind): fewer steps than the map below.
    outer: for (let r = 0; r < retractions.length; r++) {
      const x = retractions[r] as number;
      for (let i = rows.from; i < rows.to; i++) if (added[i] === 1 && es[i] === es[x] && as[i] === as[x]) continue outer;
      return false;
    }
    return true;
  }
  const asserted = new Map<number, Set<number>>();
  for (let i = rows.from; i < rows.to; i++) {
    if (added[i] === 0) continue;
    const e = es[i] as number;
    let attrs = asserted.get(e);
    if (attrs === undefined) asserted.set(e, (attrs = new Set()));
    attrs.add(as[i] as number);
  }
  return retractions.every((x) => asserted.get(es[x] as number)?.has(as[x] as number) === true);
}
