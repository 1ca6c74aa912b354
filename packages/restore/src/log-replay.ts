import { type Connection, type Datom, DatomError, FIRST_USER_EID, type TxLogEntry, isDatomError } from '@datomkit/datom-core';
import { holdsOnlyRestoreData } from './current-state-restore.js';
import { type DatomTransform, applyTransforms } from './datom-transform.js';
import { IdMapping } from './id-mapping.js';
import { type DestSession, RESTORE_ATTRS, ensureRestoreSchema, readDestSession } from './restore-attributes.js';
import { RestoreWriter } from './restore-writer.js';
import type { SourceSchema } from './source-schema.js';
import { type UnmappableRef, type UnmappableRefPolicy, type UnmappableReport, emptyUnmappableReport } from './unmappable-ref.js';

/** No entities. */
const NO_ENTITIES: ReadonlySet<number> = new Set();
const NO_DATOMS: readonly Datom[] = [];

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
    this.#transforms = options.transforms ?? [];
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
    this.#checkOrder(entry, this.#lastT);
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
    const flush = async (): Promise<void> => {
      if (segments.length === 0) return;
      const group = segments;
      segments = [];
      pending = new Set();
      written += await this.#writeSegments(group);
    };
    for (const entry of entries) {
      this.#checkOrder(entry, last);
      last = entry.t;
      const datoms = this.#writer.canBulk ? this.#prepareData(entry) : null;
      if (datoms === null) {
        await flush();
        written += await this.#tagged(entry, () => this.replay(entry));
        continue;
      }
      if (!this.#mappingComplete) await this.#writer.resolve(entry, datoms);
      // The mapped entities the transaction asserts about; the others join `pending` (a transaction
      // that is not grouped after all is replayed alone after a commit, which empties it).
      const mapped = this.#subjects(datoms, pending);
      const open = segments[segments.length - 1];
      if (open !== undefined && open.datoms < maxSegmentDatoms && this.#writer.groupable(datoms, open.touched, pending)) {
        open.add(entry, datoms, mapped);
        continue;
      }
      // A new segment, in the same commit.
      if (!this.#writer.groupable(datoms, NO_ENTITIES, pending)) {
        await flush();
        written += await this.#tagged(entry, () => this.#write(entry, datoms));
        continue;
      }
      const seg = new Segment();
      seg.add(entry, datoms, mapped);
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
          groups: seg.items.map((r) => r.datoms),
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
      for (const seg of segments.slice(committed)) for (const { entry, datoms } of seg.items) written += await this.#tagged(entry, () => this.#write(entry, datoms));
      return written;
    }
  }

  /** Runs `f` for `entry`, adding its `t` to a {@link DatomError}'s data. */
  async #tagged(entry: TxLogEntry, f: () => Promise<number>): Promise<number> {
    try {
      return await f();
    } catch (err) {
      if (err instanceof DatomError && err.data.t === undefined) throw new DatomError(err.code, err.message, { data: { ...err.data, t: entry.t }, cause: err });
      throw err;
    }
  }

  #checkOrder(entry: TxLogEntry, lastT: number): void {
    if (entry.t <= lastT) {
      throw new DatomError('restore/state-mismatch', `Source transaction t ${entry.t} is not after the destination's t ${lastT}: replay the log in order`, {
        data: { t: entry.t, lastT },
      });
    }
  }

  /** The mapped entities that `datoms` assert about (once each per run); the unmapped ones are added to `pending`. */
  #subjects(datoms: readonly Datom[], pending: Set<number>): number[] {
    const mapped: number[] = [];
    let last = -1;
    for (let i = 0; i < datoms.length; i++) {
      const d = datoms[i] as Datom;
      if (!d.added || d.e === last) continue;
      last = d.e;
      if (this.#writer.isMapped(d.e)) mapped.push(d.e);
      else pending.add(d.e);
    }
    return mapped;
  }

  /**
   * {@link #prepare} for a transaction that holds no schema and no transaction metadata (its datoms
   * are `db/txInstant`s and datoms of user attributes about other entities), in one pass over it; `null` for any other
   * transaction (nothing moved).
   */
  #prepareData(entry: TxLogEntry): readonly Datom[] | null {
    const data = entry.data;
    const tx = entry.tx;
    const txInstant = this.#schema.sys.txInstant;
    // The usual transaction: its txInstant first, then user datoms only.
    let leading = data[0]?.a === txInstant;
    for (let i = leading ? 1 : 0; i < data.length; i++) {
      const d = data[i] as Datom;
      if (d.a < FIRST_USER_EID) {
        if (d.a !== txInstant) return null;
        leading = false;
      } else if (d.e === tx) return null;
    }
    // No datom of a schema attribute: the model only moves to t.
    this.#schema.apply(NO_DATOMS, entry.t);
    const user = leading ? data.slice(1) : data.filter((d) => d.a !== txInstant);
    return this.#transforms.length === 0 ? user : applyTransforms(user, this.#transforms, { ident: (a) => this.#schema.identOf(a), t: entry.t });
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

/** Source transactions gathered into one destination transaction by `LogReplay.replayBatch`. */
class Segment {
  /** A live object of this class, kept for the reason datom-core's `Filler.kept` (db/column-read.ts) gives: without one, each full collection between two restores drops the optimized code of this class's methods. */
  static readonly kept: Segment = new Segment();

  readonly items: { readonly entry: TxLogEntry; readonly datoms: readonly Datom[] }[] = [];
  /**
   * The mapped source entities the segment asserts about or changes: a cardinality-one change of
   * one of them must wait for the next segment (one transaction cannot hold both values).
   */
  readonly touched = new Set<number>();
  datoms = 0;

  get firstT(): number {
    return (this.items[0] as (typeof this.items)[number]).entry.t;
  }

  get lastT(): number {
    return (this.items[this.items.length - 1] as (typeof this.items)[number]).entry.t;
  }

  /** Adds a groupable transaction, with the mapped entities it asserts about (its retractions' entities are mapped too). */
  add(entry: TxLogEntry, datoms: readonly Datom[], mapped: readonly number[]): void {
    this.items.push({ entry, datoms });
    for (let i = 0; i < mapped.length; i++) this.touched.add(mapped[i] as number);
    for (let i = 0; i < datoms.length; i++) {
      const d = datoms[i] as Datom;
      if (!d.added) this.touched.add(d.e);
    }
    this.datoms += datoms.length;
  }
}
