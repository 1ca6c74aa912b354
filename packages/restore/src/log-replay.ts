import { type Connection, type Datom, DatomError, FIRST_USER_EID, type TxLogEntry, isDatomError } from '@datomkit/datom-core';
import { holdsOnlyRestoreData } from './current-state-restore.js';
import { type DatomTransform, applyTransforms } from './datom-transform.js';
import { IdMapping } from './id-mapping.js';
import { LogColumns, Rows } from './log-columns.js';
import { type DestSession, RESTORE_ATTRS, ensureRestoreSchema, readDestSession } from './restore-attributes.js';
import { RestoreWriter } from './restore-writer.js';
import type { SourceSchema } from './source-schema.js';
import { type UnmappableRef, type UnmappableRefPolicy, type UnmappableReport, emptyUnmappableReport } from './unmappable-ref.js';

/** No entities. */
const NO_ENTITIES: ReadonlySet<number> = new Set();
const NO_DATOMS: readonly Datom[] = [];
const NO_TRANSFORMS: readonly DatomTransform[] = [];

/**
 * Options of {@link LogReplay}.
 *
 * @example
 * ```ts
 * const options: LogReplayOptions = { destConn, schema, session, transforms: [selectAttributes({ exclude: ['user/*'] })] }
 * ```
 */
export interface LogReplayOptions {
  readonly destConn: Connection;
  /** The source schema as of the session's last t; the replay moves it forward. */
  readonly schema: SourceSchema;
  /** The destination's session for the source, with its `lastT` set (see {@link openReplaySession}). */
  readonly session: DestSession;
  readonly transforms?: readonly DatomTransform[];
  readonly unmappableRefs?: UnmappableRefPolicy;
  readonly onUnmappable?: (ref: UnmappableRef) => void;
  /** How many source ids are looked up in the destination's mapping at a time. Default 1000. */
  readonly eidMappingBatchSize?: number;
}

/**
 * The replay stage: writes source transactions to a destination, one source transaction to one
 * destination transaction, with the entity mapping of `RestoreWriter`. Each destination transaction
 * also asserts its source t (`datomkit.restore/source-t`, unique), its source transaction id, and
 * moves the session watermark with `db/cas last → t`, so a transaction commits together with its
 * watermark or not at all, and nothing is applied twice. Transaction metadata (everything on the
 * transaction entity except `db/txInstant`) is copied onto the destination transaction.
 * `incrementalRestore` replays the source log through it; a backup file's restore replays its lines.
 *
 * @example
 * ```ts
 * const replay = new LogReplay({ destConn, schema: await SourceSchema.load(sourceDb, session.lastT!), session })
 * for await (const entry of readLog({ sourceConn, fromT: replay.lastT + 1 })) await replay.replay(entry)
 * ```
 */
export class LogReplay {
  /** A live object of this class, kept for the reason datom-core's `Filler.kept` (db/column-read.ts) gives: without one, each full collection between two restores drops the optimized code of this class's methods. */
  static readonly kept: LogReplay = new LogReplay({ destConn: {} as Connection, schema: null as unknown as SourceSchema, session: { eid: 0.5, sourceId: '', basisT: 0.5, lastT: 0.5 } });

  readonly #schema: SourceSchema;
  readonly #writer: RestoreWriter;
  readonly #transforms: readonly DatomTransform[];
  readonly #sessionEid: number;
  readonly #conn: Connection;
  /** The mapping needs no loading: the replay started from t 0 and maps only what it wrote. */
  readonly #mappingComplete: boolean;
  #lastT: number;
  /** The unmappable datoms met so far. */
  readonly report: UnmappableReport = emptyUnmappableReport();

  constructor(options: LogReplayOptions) {
    const { session } = options;
    if (session.lastT === null) {
      throw new DatomError('restore/state-mismatch', 'The restore session has no watermark yet: finish the current-state copy before replaying', {
        data: { sessionEid: session.eid, source: session.sourceId },
      });
    }
    this.#schema = options.schema;
    this.#conn = options.destConn;
    this.#sessionEid = session.eid;
    this.#lastT = session.lastT;
    this.#transforms = options.transforms === undefined || options.transforms.length === 0 ? NO_TRANSFORMS : options.transforms;
    this.#mappingComplete = session.lastT === 0;
    this.#writer = new RestoreWriter({
      destConn: options.destConn,
      schema: options.schema,
      // A session that holds no source transaction yet (a replay from t 0) has no mapping in the
      // destination: everything the replay maps, it wrote itself.
      mapping: new IdMapping(options.destConn, { lookupBatchSize: options.eidMappingBatchSize ?? 1000, complete: session.lastT === 0 }),
      report: this.report,
      ...(options.unmappableRefs === undefined ? {} : { unmappableRefs: options.unmappableRefs }),
      ...(options.onUnmappable === undefined ? {} : { onUnmappable: options.onUnmappable }),
    });
  }

  /** The last source t the destination holds. */
  get lastT(): number {
    return this.#lastT;
  }

  /**
   * Replays one source transaction (its t must be after {@link lastT}); returns the number of data
   * datoms written. Schema datoms move the source schema model forward first.
   */
  async replay(entry: TxLogEntry): Promise<number> {
    this.#checkOrder(entry.t, this.#lastT);
    return this.#write(entry, this.#prepare(entry));
  }

  /**
   * Replays source transactions in order, several in one destination transaction where that keeps
   * every rule of {@link replay} (for a backup file's restore). A segment of transactions that
   * only assert data or change cardinality-one values (see `RestoreWriter.groupable`; no schema, no
   * metadata, no other retraction, no ref to a transaction or to an entity neither the destination
   * nor the segment holds) is written as one destination transaction, with the session watermark
   * set to its last t and a new entity of its own given its first t as `datomkit.restore/source-t`
   * (unique: two replays from one watermark cannot both commit, the guarantee `db/cas` gives a
   * single transaction). A segment ends where a transaction changes a value the segment already
   * changed (one transaction cannot hold both changes), or after `maxSegmentDatoms` datoms (the
   * engine's cost per datom of a bulk load grows with its size). Consecutive segments are committed
   * together, with one write and one sync (group commit), until a transaction must be replayed
   * alone; a segment may name the entities that segments before it in the same commit create. Any
   * other transaction is replayed alone, as by {@link replay}. Segments that the load refuses (two values of a
   * cardinality-one attribute, say) are replayed one transaction at a time, which names the one at
   * fault: an error thrown for a transaction has that transaction's `t` in its `data`.
   *
   * What a segment loses against {@link replay}: its source transactions share one destination
   * transaction, so they have no destination transaction of their own to map to, and a later ref
   * to one of them follows the `unmappableRefs` policy. Use {@link replay} where that matters.
   * Returns the number of data datoms written.
   */
  async replayBatch(entries: readonly TxLogEntry[], maxSegmentDatoms = 5000): Promise<number> {
    return this.replayColumns(LogColumns.of(entries), 0, entries.length, maxSegmentDatoms);
  }

  /**
   * {@link replayBatch} of the source transactions `from` to `to - 1` of `cols` (by default all of
   * them), read from the columns: a transaction's datoms are made as `Datom`s only where it is not
   * written in a segment, or where the pipeline has transforms (which take datoms).
   *
   * @example
   * ```ts
   * const log: TxLogEntry[] = []
 * for await (const entry of readLog({ sourceConn: conn, fromT: 1 })) log.push(entry)
 * const replay = new LogReplay({ destConn, schema: await SourceSchema.load(destConn.db(), 0), session })
 * const written = await replay.replayColumns(LogColumns.of(log)) // (a reader fills columns itself)
   * ```
   */
  async replayColumns(cols: LogColumns, from = 0, to = cols.count, maxSegmentDatoms = 5000): Promise<number> {
    let written = 0;
    /** The segments not yet committed, the last one open. */
    let segments: Segment[] = [];
    /**
     * The unmapped source entities that uncommitted segments (or the transaction at hand) assert
     * about: each is created by the first segment that names it, and named by its place in the
     * commit's block of new entities by the others (see `RestoreWriter.replayGroups`).
     */
    let pending = new Set<number>();
    let last = this.#lastT;
    /** The datoms to write of transactions that are not a run of their columns' rows (see {@link #prepareRows}). */
    const side = new LogColumns();
    const flush = async (): Promise<void> => {
      if (segments.length === 0) return;
      const group = segments;
      segments = [];
      pending = new Set();
      written += await this.#writeSegments(group);
    };
    for (let k = from; k < to; k++) {
      const t = cols.t[k] as number;
      this.#checkOrder(t, last);
      last = t;
      const rows = this.#writer.canBulk ? this.#prepareRows(cols, k, side) : null;
      if (rows === null) {
        await flush();
        const entry = cols.entry(k);
        written += await this.#tagged(t, () => this.replay(entry));
        continue;
      }
      if (!this.#mappingComplete) await this.#writer.resolve(rows.entry(), rows.datoms());
      // The mapped entities the transaction asserts about; the others join `pending` (a transaction
      // that is not grouped after all is replayed alone after a commit, which empties it).
      const mapped = this.#subjects(rows, pending);
      const open = segments[segments.length - 1];
      if (open !== undefined && open.datoms < maxSegmentDatoms && this.#writer.groupable(rows, open.touched, pending)) {
        open.add(rows, mapped);
        continue;
      }
      // A new segment, in the same commit.
      if (!this.#writer.groupable(rows, NO_ENTITIES, pending)) {
        await flush();
        written += await this.#tagged(t, () => this.#write(rows.entry(), rows.datoms()));
        continue;
      }
      const seg = new Segment();
      seg.add(rows, mapped);
      segments.push(seg);
    }
    await flush();
    return written;
  }

  /**
   * Writes segments of groupable transactions, one destination transaction each, in one commit;
   * those the load refuses one transaction at a time.
   */
  async #writeSegments(segments: readonly Segment[]): Promise<number> {
    const db = this.#conn.db();
    const attr = (ident: string): number => (db.attribute(ident) as NonNullable<ReturnType<typeof db.attribute>>).id;
    const [lastTAttr, sourceTAttr] = [attr(RESTORE_ATTRS.sessionLastT), attr(RESTORE_ATTRS.sourceT)];
    try {
      const datoms = await this.#writer.replayGroups(
        segments.map((seg) => ({
          groups: seg.items,
          marks: [
            { e: this.#sessionEid, a: lastTAttr, v: seg.lastT },
            { e: null, a: sourceTAttr, v: seg.firstT },
          ],
        })),
      );
      this.#lastT = (segments[segments.length - 1] as Segment).lastT;
      return datoms;
    } catch (err) {
      // Refused: the segments before the one at fault (if the load names it) are committed, the
      // rest changed nothing and go one transaction at a time, so the one at fault says so.
      if (!isDatomError(err, 'transact/')) throw err;
      const committed = typeof err.data.segment === 'number' ? err.data.segment : 0;
      let written = typeof err.data.written === 'number' ? err.data.written : 0;
      if (committed > 0) this.#lastT = (segments[committed - 1] as Segment).lastT;
      for (const seg of segments.slice(committed)) for (const rows of seg.items) written += await this.#tagged(rows.t, () => this.#write(rows.entry(), rows.datoms()));
      return written;
    }
  }

  /** Runs `f` for the source transaction of `t`, adding `t` to a {@link DatomError}'s data. */
  async #tagged(t: number, f: () => Promise<number>): Promise<number> {
    try {
      return await f();
    } catch (err) {
      if (err instanceof DatomError && err.data.t === undefined) throw new DatomError(err.code, err.message, { data: { ...err.data, t }, cause: err });
      throw err;
    }
  }

  #checkOrder(t: number, lastT: number): void {
    if (t <= lastT) {
      throw new DatomError('restore/state-mismatch', `Source transaction t ${t} is not after the destination's t ${lastT}: replay the log in order`, {
        data: { t, lastT },
      });
    }
  }

  /** The mapped entities that `rows` assert about (once each per run); the unmapped ones are added to `pending`. */
  #subjects(rows: Rows, pending: Set<number>): number[] {
    const { e: es, added } = rows.cols;
    const mapped: number[] = [];
    let last = -1;
    for (let i = rows.from; i < rows.to; i++) {
      const e = es[i] as number;
      if (added[i] === 0 || e === last) continue;
      last = e;
      if (this.#writer.isMapped(e)) mapped.push(e);
      else pending.add(e);
    }
    return mapped;
  }

  /**
   * {@link #prepare} for transaction `k` of `cols` when it holds no schema and no transaction
   * metadata (its datoms are `db/txInstant`s and datoms of user attributes about other entities),
   * in one pass over its rows; `null` for any other transaction (nothing moved). The usual
   * transaction (its txInstant first, no transforms) is the run of its rows after the txInstant;
   * any other's datoms to write are appended to `side` as a transaction of their own.
   */
  #prepareRows(cols: LogColumns, k: number, side: LogColumns): Rows | null {
    const { a: as, e: es } = cols;
    const from = cols.start[k] as number;
    const to = cols.start[k + 1] as number;
    const tx = cols.tx[k] as number;
    const txInstant = this.#schema.sys.txInstant;
    // The usual transaction: its txInstant first, then user datoms only.
    let leading = from < to && as[from] === txInstant;
    for (let i = leading ? from + 1 : from; i < to; i++) {
      const a = as[i] as number;
      if (a < FIRST_USER_EID) {
        if (a !== txInstant) return null;
        leading = false;
      } else if (es[i] === tx) return null;
    }
    const t = cols.t[k] as number;
    // No datom of a schema attribute: the model only moves to t.
    this.#schema.apply(NO_DATOMS, t);
    const transforms = this.#transforms;
    if (leading && transforms.length === 0) return new Rows(cols, k, from + 1, to);
    const entry = cols.entry(k);
    const user = entry.data.filter((d) => d.a !== txInstant);
    side.push({ t, tx, data: transforms === NO_TRANSFORMS ? user : applyTransforms(user, transforms, { ident: (a) => this.#schema.identOf(a), t }) });
    return new Rows(side, side.count - 1, side.start[side.count - 1] as number, side.rows, entry);
  }

  /** Moves the source schema model past `entry` and gives its datoms to write: without `db/txInstant`, user datoms through the transforms. */
  #prepare(entry: TxLogEntry): readonly Datom[] {
    const schema = this.#schema;
    const data = entry.data;
    schema.apply(data, entry.t);
    const txInstant = schema.sys.txInstant;
    // The usual transaction: its txInstant, then user datoms only (one copy of the rest, no growing).
    const first = data[0];
    let user: Datom[] | null = null;
    if (first !== undefined && first.a === txInstant) {
      user = data.slice(1);
      for (const d of user) {
        if (d.a < FIRST_USER_EID) {
          user = null;
          break;
        }
      }
    }
    const system: Datom[] = [];
    if (user === null) {
      user = [];
      for (const d of data) {
        if (d.a === txInstant) continue;
        (d.a < FIRST_USER_EID ? system : user).push(d);
      }
    }
    const kept = applyTransforms(user, this.#transforms, { ident: (a) => schema.identOf(a), t: entry.t });
    return system.length === 0 ? kept : system.concat(kept);
  }

  /** Writes one prepared source transaction as one destination transaction with its markers. */
  async #write(entry: TxLogEntry, datoms: readonly Datom[]): Promise<number> {
    const { datoms: written } = await this.#writer.replay(entry, datoms, [
      ['db/add', 'datomic.tx', RESTORE_ATTRS.sourceT, entry.t],
      ['db/add', 'datomic.tx', RESTORE_ATTRS.sourceEid, entry.tx],
      ['db/cas', this.#sessionEid, RESTORE_ATTRS.sessionLastT, this.#lastT, entry.t],
    ]);
    this.#lastT = entry.t;
    return written;
  }
}

/**
 * The destination's replay session for `sourceId`: the existing one, or, when there is none, a new
 * one that holds nothing yet (`basisT` and `lastT` both `basisT`, default 0: the empty source), for
 * replaying a source's whole log from its start (as a backup file's restore does). A new session is
 * refused with `restore/dest-not-empty` when the destination holds other data, and a session whose
 * current-state copy is unfinished with `restore/state-mismatch`. The session is keyed by the
 * source's durable identity, so a log replayed from a file can later be caught up from the live
 * source by `incrementalRestore`, and the other way round.
 *
 * @example
 * ```ts
 * const session = await openReplaySession(destConn, sourceId) // session.lastT: where to go on from
 * ```
 */
export async function openReplaySession(destConn: Connection, sourceId: string, basisT = 0): Promise<DestSession> {
  const destDb = await ensureRestoreSchema(destConn);
  const existing = await readDestSession(destDb, sourceId);
  if (existing?.lastT != null) return existing;
  // A session without a watermark is either an unfinished current-state copy, which only
  // incrementalRestore can finish, or this function's own first step, cut off by a crash.
  const own = existing !== null && existing.basisT === basisT && (await holdsOnlyRestoreData(destDb));
  if (existing !== null && !own) {
    throw new DatomError(
      'restore/state-mismatch',
      `The destination holds an unfinished current-state copy of source ${sourceId}: finish it with incrementalRestore, or restore into an empty database`,
      { data: { source: sourceId, basisT: existing.basisT } },
    );
  }
  if (existing === null && !(await holdsOnlyRestoreData(destDb))) {
    throw new DatomError('restore/dest-not-empty', 'The destination database is not empty: replay into an empty database, or into one this source was restored into', {
      data: { dest: destConn.id, source: sourceId },
    });
  }
  // The session is made in two steps, so that two first calls racing cannot move a watermark back:
  // the source upserts into one entity, and only the first compare-and-set of the watermark wins.
  const report = await destConn.transact([{ 'db/id': 'session', [RESTORE_ATTRS.sessionSource]: sourceId, [RESTORE_ATTRS.sessionBasisT]: basisT }]);
  const eid = report.tempids.session as number;
  try {
    await destConn.transact([['db/cas', eid, RESTORE_ATTRS.sessionLastT, null, basisT]]);
  } catch (err) {
    if (!isDatomError(err, 'transact/cas')) throw err;
  }
  return (await readDestSession(destConn.db(), sourceId)) as DestSession;
}

/** Source transactions gathered into one destination transaction by `LogReplay.replayColumns`. */
class Segment {
  /** A live object of this class, kept for the reason datom-core's `Filler.kept` (db/column-read.ts) gives: without one, each full collection between two restores drops the optimized code of this class's methods. */
  static readonly kept: Segment = new Segment();

  /** The datoms to write of each source transaction. */
  readonly items: Rows[] = [];
  /**
   * The mapped source entities the segment asserts about or changes: a cardinality-one change of
   * one of them must wait for the next segment (one transaction cannot hold both values).
   */
  readonly touched = new Set<number>();
  datoms = 0;

  get firstT(): number {
    return (this.items[0] as Rows).t;
  }

  get lastT(): number {
    return (this.items[this.items.length - 1] as Rows).t;
  }

  /** Adds a groupable transaction, with the mapped entities it asserts about (its retractions' entities are mapped too). */
  add(rows: Rows, mapped: readonly number[]): void {
    this.items.push(rows);
    for (let i = 0; i < mapped.length; i++) this.touched.add(mapped[i] as number);
    const { e, added } = rows.cols;
    for (let i = rows.from; i < rows.to; i++) if (added[i] === 0) this.touched.add(e[i] as number);
    this.datoms += rows.length;
  }
}
