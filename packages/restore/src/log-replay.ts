import { type Connection, type Datom, DatomError, FIRST_USER_EID, type TxLogEntry, isDatomError } from '@datomkit/datom-core';
import { holdsOnlyRestoreData } from './current-state-restore.js';
import { type DatomTransform, applyTransforms } from './datom-transform.js';
import { IdMapping } from './id-mapping.js';
import { type DestSession, RESTORE_ATTRS, ensureRestoreSchema, readDestSession } from './restore-attributes.js';
import { RestoreWriter } from './restore-writer.js';
import type { SourceSchema } from './source-schema.js';
import { type UnmappableRef, type UnmappableRefPolicy, type UnmappableReport, emptyUnmappableReport } from './unmappable-ref.js';

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
  readonly #schema: SourceSchema;
  readonly #writer: RestoreWriter;
  readonly #transforms: readonly DatomTransform[];
  readonly #sessionEid: number;
  readonly #conn: Connection;
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
   * every rule of {@link replay} (group commit, for a backup file's restore). A run of transactions
   * that only assert data or change cardinality-one values (see `RestoreWriter.groupable`; no
   * schema, no metadata, no other retraction, no ref to a transaction or to an entity neither the
   * destination nor the run holds) is written with one bulk load, which also
   * sets the session watermark to the run's last t and gives a new entity of its own the run's first
   * t as `datomkit.restore/source-t` (unique: two replays from one watermark cannot both commit,
   * the guarantee `db/cas` gives a single transaction). Any other transaction is replayed alone,
   * as by {@link replay}. A run that the bulk load refuses (two values of a cardinality-one
   * attribute, say) is replayed one transaction at a time, which names the one at fault: an error
   * thrown for a transaction has that transaction's `t` in its `data`.
   *
   * What a run loses against {@link replay}: its source transactions share one destination
   * transaction, so they have no destination transaction of their own to map to, and a later ref
   * to one of them follows the `unmappableRefs` policy. Use {@link replay} where that matters.
   * A run ends after `maxRunDatoms` datoms: the engine's cost per datom of a bulk load grows with
   * its size (a restoreDb of 100k datoms took about 650 ms of CPU in runs of 5000, 1000 ms in runs
   * of 50,000), while each commit costs a sync. Returns the number of data datoms written.
   */
  async replayBatch(entries: readonly TxLogEntry[], maxRunDatoms = 5000): Promise<number> {
    let written = 0;
    let run: { entry: TxLogEntry; datoms: readonly Datom[] }[] = [];
    let runEntities = new Set<number>();
    let runDatoms = 0;
    let last = this.#lastT;
    const flush = async (): Promise<void> => {
      if (run.length === 0) return;
      const group = run;
      run = [];
      runEntities = new Set();
      runDatoms = 0;
      written += await this.#writeRun(group);
    };
    for (const entry of entries) {
      this.#checkOrder(entry, last);
      last = entry.t;
      if (!this.#writer.canBulk || this.#changesSchema(entry)) {
        await flush();
        written += await this.#tagged(entry, () => this.replay(entry));
        continue;
      }
      const datoms = this.#prepare(entry);
      const created = await this.#writer.resolve(entry, datoms);
      if (!this.#writer.groupable(datoms, runEntities, created)) {
        // Refused for what the run holds (an entity it changed), it may start the next run.
        const alone = run.length === 0;
        await flush();
        if (alone || !this.#writer.groupable(datoms, runEntities, created)) {
          written += await this.#tagged(entry, () => this.#write(entry, datoms));
          continue;
        }
      }
      run.push({ entry, datoms });
      for (const e of created) runEntities.add(e);
      for (const e of this.#writer.changedEntities(datoms)) runEntities.add(e);
      runDatoms += datoms.length;
      if (runDatoms >= maxRunDatoms) await flush();
    }
    await flush();
    return written;
  }

  /** Writes a run of groupable transactions with one bulk load, or one at a time if it refuses. */
  async #writeRun(run: readonly { entry: TxLogEntry; datoms: readonly Datom[] }[]): Promise<number> {
    const first = (run[0] as (typeof run)[number]).entry.t;
    const last = (run[run.length - 1] as (typeof run)[number]).entry.t;
    const db = this.#conn.db();
    const attr = (ident: string): number => (db.attribute(ident) as NonNullable<ReturnType<typeof db.attribute>>).id;
    try {
      const datoms = await this.#writer.replayGroup(
        run.map((r) => r.datoms),
        [
          { e: this.#sessionEid, a: attr(RESTORE_ATTRS.sessionLastT), v: last },
          { e: null, a: attr(RESTORE_ATTRS.sourceT), v: first },
        ],
      );
      this.#lastT = last;
      return datoms;
    } catch (err) {
      // Refused whole, so nothing of it is written: one at a time, the transaction at fault says so.
      if (!isDatomError(err, 'transact/')) throw err;
      let written = 0;
      for (const { entry, datoms } of run) written += await this.#tagged(entry, () => this.#write(entry, datoms));
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

  /** Whether `entry` holds schema or transaction metadata: a datom of a built-in attribute, or about the transaction, other than its `db/txInstant`. */
  #changesSchema(entry: TxLogEntry): boolean {
    const txInstant = this.#schema.sys.txInstant;
    for (const d of entry.data) if (d.a !== txInstant && (d.a < FIRST_USER_EID || d.e === entry.tx)) return true;
    return false;
  }

  /** Moves the source schema model past `entry` and gives its datoms to write: without `db/txInstant`, user datoms through the transforms. */
  #prepare(entry: TxLogEntry): readonly Datom[] {
    const schema = this.#schema;
    schema.apply(entry.data, entry.t);
    const system: Datom[] = [];
    const user: Datom[] = [];
    for (const d of entry.data) {
      if (d.a === schema.sys.txInstant) continue;
      (d.a < FIRST_USER_EID ? system : user).push(d);
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
