import { type Connection, type Database, type Datom, DatomError, FIRST_USER_EID, TX_BASE, tToTx } from '@datomkit/datom-core';
import { type CopySchemaResult, copySchema } from './copy-schema.js';
import { type DatomTransform, applyTransforms } from './datom-transform.js';
import { IdMapping } from './id-mapping.js';
import { abortedError, checkAborted, withContext } from './internal/abort.js';
import { Channel } from './internal/channel.js';
import { refuseSameDatabase } from './internal/distinct-databases.js';
import { ProgressMeter } from './internal/progress-meter.js';
import { readCurrentState } from './read-current-state.js';
import { RESTORE_ATTRS, ensureRestoreSchema, readDestSession } from './restore-attributes.js';
import type { RestoreProgress, RestoreStats } from './restore-progress.js';
import { RestoreWriter } from './restore-writer.js';
import { SourceSchema } from './source-schema.js';
import type { UnmappableRef, UnmappableRefPolicy, UnmappableReport } from './unmappable-ref.js';

/**
 * Options shared by {@link currentStateRestore} and `incrementalRestore`.
 *
 * @example
 * ```ts
 * const options: RestoreOptions = { maxBatchSize: 1000, txParallelism: 2, unmappableRefs: 'skip' }
 * ```
 */
export interface RestoreOptions {
  /**
   * Most datoms per destination transaction of a current-state copy (an entity's composite-tuple
   * parts are never split). The first transaction holds 500 and each one after it twice as many, up
   * to this. Default 50,000: every transaction costs a durable sync and an index merge, so a copy
   * goes fastest in large ones. (Replay is always one transaction per source transaction.)
   */
  readonly maxBatchSize?: number;
  /**
   * Entity ranges read at once. Default 1: a database value's indexes are read in this thread,
   * so concurrent ranges only interleave (and hold more datoms in memory).
   */
  readonly readParallelism?: number;
  /** Entity ids per read range, and datoms per chunk read. Default 5000. */
  readonly readChunk?: number;
  /**
   * Destination transactions in flight at once. Default 1: a connection commits one transaction at
   * a time. A batch written with `bulkLoad` is built only once the one before it has mapped its
   * entities; through `transact`, a batch built while an earlier one is in flight names that
   * batch's entities by tempid, which the destination must then upsert.
   */
  readonly txParallelism?: number;
  /** Logs each step with `console.debug`. */
  readonly debug?: boolean;
  readonly onProgress?: (progress: RestoreProgress) => void;
  /** Minimum time between two `onProgress` calls. Default 200 ms. */
  readonly progressIntervalMs?: number;
  /** Aborting fails the run with `restore/aborted`, after in-flight transactions settle. */
  readonly signal?: AbortSignal;
  /** Allow a destination that already holds data (unique identities upsert into it). Default false. */
  readonly merge?: boolean;
  /** Pipeline stages applied to data datoms, e.g. `selectAttributes`, `transformValues`. */
  readonly transforms?: readonly DatomTransform[];
  /** See {@link UnmappableRefPolicy}. Default `'placeholder'`. */
  readonly unmappableRefs?: UnmappableRefPolicy;
  readonly onUnmappable?: (ref: UnmappableRef) => void;
}

/**
 * Options of {@link currentStateRestore}.
 *
 * @example
 * ```ts
 * const options: CurrentStateRestoreOptions = { sourceDb: source.db(), destConn: dest, merge: true }
 * ```
 */
export interface CurrentStateRestoreOptions extends RestoreOptions {
  /** The source database value; its basis (or `asOf` t) is the copy's basis. */
  readonly sourceDb: Database;
  readonly destConn: Connection;
}

/**
 * The result of {@link currentStateRestore}.
 *
 * @example
 * ```ts
 * const { mapping, basisT, stats } = await currentStateRestore({ sourceDb, destConn })
 * ```
 */
export interface CurrentStateRestoreResult {
  /** Source-to-destination ids (a cache over the mapping stored in the destination). */
  readonly mapping: IdMapping;
  /** The source t the copy is as of; a catch-up replays from `basisT + 1`. */
  readonly basisT: number;
  /** The transaction id of `basisT` in the source. */
  readonly lastSourceTx: number;
  /** True when this call finished a copy that an earlier, interrupted call had started. */
  readonly resumed: boolean;
  readonly schema: CopySchemaResult;
  readonly stats: RestoreStats;
  readonly unmappable: UnmappableReport;
}

/** True when `db` holds nothing but the restore's own attributes and sessions. */
export async function holdsOnlyRestoreData(db: Database): Promise<boolean> {
  const own = new Set<number>();
  for (const ident of Object.values(RESTORE_ATTRS)) {
    const a = db.attribute(ident);
    if (a !== null) own.add(a.id);
  }
  for await (const batch of db.seekDatoms('eavt', FIRST_USER_EID).batches()) {
    for (const d of batch) {
      if (d.e >= TX_BASE) return true;
      if (!own.has(d.e) && !own.has(d.a)) return false;
    }
  }
  return true;
}

/** The size of the first batch of a copy; each batch after it is twice as big, up to `maxBatchSize`. */
const FIRST_BATCH = 500;

/**
 * Splits entity-grouped datoms into transaction batches of about `max` datoms. The datoms of one
 * entity that are parts of a composite tuple stay together, so the destination derives every
 * composite from complete parts in one transaction: no partial tuples, no spurious uniqueness
 * conflicts on unique composites.
 *
 * Batches start at {@link FIRST_BATCH} datoms and double up to `max`: the first commit, its progress
 * report and any error in the data come as soon as with small batches, while the bulk of a large
 * copy goes in large transactions.
 */
class Batcher {
  #batch: Datom[] = [];
  #limit: number;
  constructor(
    readonly max: number,
    readonly parts: ReadonlySet<number>,
  ) {
    this.#limit = Math.min(max, FIRST_BATCH);
  }

  *add(datoms: readonly Datom[]): Generator<Datom[]> {
    const parts = this.parts;
    let i = 0;
    while (i < datoms.length) {
      const e = (datoms[i] as Datom).e;
      let j = i;
      while (j < datoms.length && (datoms[j] as Datom).e === e) j++;
      let unit: Datom[] | null = null;
      for (let k = i; k < j; k++) {
        const d = datoms[k] as Datom;
        if (parts.has(d.a)) (unit ??= []).push(d);
        else {
          this.#batch.push(d);
          if (this.#batch.length >= this.#limit) yield this.#take();
        }
      }
      if (unit !== null) {
        for (const d of unit) this.#batch.push(d);
        if (this.#batch.length >= this.#limit) yield this.#take();
      }
      i = j;
    }
  }

  #take(): Datom[] {
    const b = this.#batch;
    this.#batch = [];
    this.#limit = Math.min(this.max, this.#limit * 2);
    return b;
  }

  *flush(): Generator<Datom[]> {
    if (this.#batch.length > 0) yield this.#take();
  }
}

/**
 * Copies the current state (no history) of `sourceDb` into `destConn`: the schema first (see
 * `copySchema`), then the data, read in parallel and written in parallel batches, each entity
 * carrying its source id. Progress is recorded in the destination with the data: a session entity
 * holds the basis t from the first transaction on, and the last transaction marks the copy complete.
 * A run that was interrupted (crash, error, abort) is resumed by calling again with the same
 * source: the copy restarts from the recorded basis and the datoms already written are no-ops.
 *
 * Refuses (`restore/same-database`) a destination that is the source. Refuses (`restore/dest-not-empty`) a destination that holds other data unless `merge` is set,
 * and one that already holds a complete copy of this source (use `incrementalRestore`).
 *
 * @example
 * ```ts
 * const { basisT, stats } = await currentStateRestore({ sourceDb: source.db(), destConn: dest })
 * ```
 */
export async function currentStateRestore(options: CurrentStateRestoreOptions): Promise<CurrentStateRestoreResult> {
  const { sourceDb, destConn, signal } = options;
  const maxBatchSize = Math.max(1, options.maxBatchSize ?? 50_000);
  const txParallelism = Math.max(1, options.txParallelism ?? 1);
  const debug = options.debug === true ? (msg: string) => console.debug(`[restore] ${msg}`) : () => {};
  const meter = new ProgressMeter(options.onProgress, options.progressIntervalMs);
  const steps: string[] = [];
  let step = 'checking the destination';
  try {
    checkAborted(signal, step);
    refuseSameDatabase({ source: sourceDb.id, destination: destConn.id });
    const destDb = await ensureRestoreSchema(destConn);
    const session = await readDestSession(destDb, sourceDb.id);
    if (session?.lastT != null) {
      throw new DatomError(
        'restore/dest-not-empty',
        `The destination already holds a complete copy of source ${sourceDb.id} (as of t ${session.lastT}): use incrementalRestore to catch up`,
        { data: { source: sourceDb.id, lastT: session.lastT } },
      );
    }
    let basisT: number;
    let sessionEid: number;
    const resumed = session !== null;
    if (session !== null && session.basisT !== null) {
      basisT = session.basisT;
      sessionEid = session.eid;
      if (sourceDb.basisT < basisT) {
        throw new DatomError('restore/state-mismatch', `The destination's interrupted copy is as of source t ${basisT}, but the source value is at t ${sourceDb.basisT}`, {
          data: { source: sourceDb.id, basisT, sourceBasisT: sourceDb.basisT },
        });
      }
      debug(`resuming the copy of ${sourceDb.id} as of t ${basisT}`);
    } else {
      if (options.merge !== true && !(await holdsOnlyRestoreData(destDb))) {
        throw new DatomError('restore/dest-not-empty', 'The destination database is not empty: restore into an empty database, or pass merge: true to merge into it', {
          data: { dest: destConn.id },
        });
      }
      basisT = sourceDb.asOfT ?? sourceDb.basisT;
      const report = await destConn.transact([
        { 'db/id': 'session', [RESTORE_ATTRS.sessionSource]: sourceDb.id, [RESTORE_ATTRS.sessionBasisT]: basisT },
      ]);
      sessionEid = report.tempids.session as number;
      debug(`copying ${sourceDb.id} as of t ${basisT}`);
    }
    steps.push('session');

    step = 'copying the schema';
    meter.phase = 'schema';
    const schema = await SourceSchema.load(sourceDb, basisT);
    // A resumed copy starts from the mapping the interrupted one left, so the entities it already
    // wrote are addressed by id instead of by a tempid the destination would have to upsert.
    const mapping = resumed ? await IdMapping.load(destConn) : new IdMapping(destConn);
    const schemaResult = await copySchema({ schema, destConn, mapping, ...(signal === undefined ? {} : { signal }) });
    meter.transactions += schemaResult.transactions;
    steps.push('schema');
    debug(`schema: ${schemaResult.installed} installed, ${schemaResult.renames} renames`);

    step = 'copying the current state';
    meter.phase = 'current-state';
    meter.tick(true);
    const source = sourceDb.asOf(basisT);
    const writer = new RestoreWriter({
      destConn,
      schema,
      mapping,
      sourceDb: source,
      merge: options.merge === true,
      ...(options.unmappableRefs === undefined ? {} : { unmappableRefs: options.unmappableRefs }),
      ...(options.onUnmappable === undefined ? {} : { onUnmappable: options.onUnmappable }),
    });
    const parts = new Set<number>();
    for (const c of schema.composites()) for (const p of c.parts ?? []) parts.add(p);
    const batcher = new Batcher(maxBatchSize, parts);
    const transforms = options.transforms ?? [];
    const ctx = { ident: (a: number) => schema.identOf(a), t: null };
    const seen = new Set<number>();
    const batches = new Channel<Datom[]>(txParallelism);
    const onAbort = (): void => batches.fail(abortedError(signal as AbortSignal, step));
    signal?.addEventListener('abort', onAbort, { once: true });
    const producer = (async () => {
      try {
        const reader = readCurrentState({
          sourceDb,
          basisT,
          schema,
          ...(options.readParallelism === undefined ? {} : { readParallelism: options.readParallelism }),
          ...(options.readChunk === undefined ? {} : { readChunk: options.readChunk }),
          ...(signal === undefined ? {} : { signal }),
        });
        for await (const chunk of reader) {
          meter.datomsRead += chunk.length;
          meter.tick();
          let lastE = -1;
          for (const d of chunk) {
            if (d.e === lastE) continue;
            lastE = d.e;
            seen.add(d.e);
          }
          for (const b of batcher.add(applyTransforms(chunk, transforms, ctx))) await batches.put(b);
        }
        for (const b of batcher.flush()) await batches.put(b);
        batches.close();
      } catch (err) {
        batches.fail(err);
        throw err;
      }
    })();
    const worker = async (): Promise<void> => {
      try {
        for await (const batch of batches) {
          const written = await writer.writeCurrentState(batch);
          meter.datomsWritten += written;
          meter.transactions++;
          meter.tick();
        }
      } catch (err) {
        batches.fail(err);
        throw err;
      }
    };
    const settled = await Promise.allSettled([producer, ...Array.from({ length: txParallelism }, worker)]);
    signal?.removeEventListener('abort', onAbort);
    const failed = settled.find((s): s is PromiseRejectedResult => s.status === 'rejected');
    if (failed !== undefined) throw failed.reason;
    writer.noteDanglingTargets(seen);
    steps.push('current-state');

    step = 'marking the copy complete';
    checkAborted(signal, step);
    await destConn.transact([['db/cas', sessionEid, RESTORE_ATTRS.sessionLastT, null, basisT]]);
    meter.transactions++;
    steps.push('complete');
    meter.phase = 'done';
    meter.tick(true);
    const stats = meter.stats();
    debug(`copied ${stats.datomsWritten} datoms in ${stats.transactions} transactions, ${Math.round(stats.datomsPerSecond)} datoms/s`);
    return { mapping, basisT, lastSourceTx: tToTx(basisT), resumed, schema: schemaResult, stats, unmappable: writer.report };
  } catch (err) {
    throw withContext(err, step, { stepsDone: steps, source: sourceDb.id, dest: destConn.id });
  }
}
