import { type Connection, DatomError, type TxData, Uuid, isDatomError, kw, tToTx } from '@datomkit/datom-core';
import { type CurrentStateRestoreResult, type RestoreOptions, currentStateRestore } from './current-state-restore.js';
import { checkAborted, withContext } from './internal/abort.js';
import { refuseSameDatabase } from './internal/distinct-databases.js';
import { ProgressMeter } from './internal/progress-meter.js';
import { readLog } from './read-log.js';
import { LogReplay } from './log-replay.js';
import { ensureRestoreSchema, readDestSession } from './restore-attributes.js';
import type { RestoreStats } from './restore-progress.js';
import { SourceSchema } from './source-schema.js';
import type { UnmappableReport } from './unmappable-ref.js';

/**
 * Options of {@link incrementalRestore}.
 *
 * @example
 * ```ts
 * const options: IncrementalRestoreOptions = { sourceConn, destConn, stateConn, eidMappingBatchSize: 5000 }
 * ```
 */
export interface IncrementalRestoreOptions extends RestoreOptions {
  readonly sourceConn: Connection;
  readonly destConn: Connection;
  /** The state database: it records the session (keyed by the two databases' durable identities). */
  readonly stateConn: Connection;
  /** How many source ids are looked up in the destination's mapping at a time. Default 1000. */
  readonly eidMappingBatchSize?: number;
}

/**
 * The result of {@link incrementalRestore}.
 *
 * @example
 * ```ts
 * const { status, lastSourceTx, transactionsReplayed } = await incrementalRestore({ sourceConn, destConn, stateConn })
 * ```
 */
export interface IncrementalRestoreResult {
  /** `'initial'` when this call made (or finished) the current-state copy, else `'incremental'`. */
  readonly status: 'initial' | 'incremental';
  readonly sessionId: string;
  /** The source transaction id the destination now holds everything up to. */
  readonly lastSourceTx: number;
  /** The same as a t. */
  readonly lastSourceT: number;
  /** Source transactions replayed by this call (0 for the initial copy or when up to date). */
  readonly transactionsReplayed: number;
  readonly stats: RestoreStats;
  readonly unmappable: UnmappableReport;
  /** The current-state copy's result, for an initial call. */
  readonly initial?: CurrentStateRestoreResult;
}

const STATE = {
  id: 'datomkit.restore.state/id',
  key: 'datomkit.restore.state/key',
  source: 'datomkit.restore.state/source',
  dest: 'datomkit.restore.state/dest',
  lastT: 'datomkit.restore.state/last-source-t',
} as const;

const STATE_SCHEMA: TxData = [
  { 'db/ident': kw(STATE.id), 'db/valueType': kw('db.type/uuid'), 'db/cardinality': kw('db.cardinality/one'), 'db/unique': kw('db.unique/identity') },
  { 'db/ident': kw(STATE.key), 'db/valueType': kw('db.type/string'), 'db/cardinality': kw('db.cardinality/one'), 'db/unique': kw('db.unique/identity') },
  { 'db/ident': kw(STATE.source), 'db/valueType': kw('db.type/string'), 'db/cardinality': kw('db.cardinality/one') },
  { 'db/ident': kw(STATE.dest), 'db/valueType': kw('db.type/string'), 'db/cardinality': kw('db.cardinality/one') },
  {
    'db/ident': kw(STATE.lastT),
    'db/valueType': kw('db.type/long'),
    'db/cardinality': kw('db.cardinality/one'),
    'db/doc': 'A copy of the destination session watermark, written after it: never ahead of the destination',
  },
];

interface StateSession {
  readonly eid: number;
  readonly id: string;
  readonly lastT: number | null;
}

async function stateSession(stateConn: Connection, sourceId: string, destId: string): Promise<StateSession> {
  let db = stateConn.db();
  if (db.attribute(STATE.lastT) === null) db = (await stateConn.transact(STATE_SCHEMA)).dbAfter;
  const key = `${sourceId} ${destId}`;
  let eid = await db.entid([kw(STATE.key), key]);
  if (eid === null) {
    // Upserts on the key: two first calls racing end in one session.
    const r = await stateConn.transact([{ 'db/id': 's', [STATE.key]: key, [STATE.source]: sourceId, [STATE.dest]: destId }]);
    db = r.dbAfter;
    eid = r.tempids.s as number;
  }
  // The session's id goes in with a compare-and-set of its own: a run killed between creating the
  // session and naming it finds the session unnamed, and of two racing runs only one names it.
  if ((await db.datoms('eavt', eid, STATE.id).count()) === 0) {
    try {
      db = (await stateConn.transact([['db/cas', eid, STATE.id, null, Uuid.random()]])).dbAfter;
    } catch (err) {
      if (!isDatomError(err, 'transact/cas')) throw err;
      db = stateConn.db();
    }
  }
  const id = (await db.datoms('eavt', eid, STATE.id).toArray())[0]?.v as Uuid;
  const last = (await db.datoms('eavt', eid, STATE.lastT).toArray())[0]?.v as number | undefined;
  return { eid, id: id.text, lastT: last ?? null };
}

/**
 * Keeps a destination in step with a source. The first call copies the current state (see
 * `currentStateRestore`); later calls replay the source log from where the destination is, one
 * source transaction to one destination transaction, mapping ids through the destination's
 * `datomkit.restore/source-eid`. Each replayed transaction also carries its source t
 * (`datomkit.restore/source-t`, unique) and moves the session watermark with `db/cas`, so progress
 * is recorded atomically with the data: a crash at any point, or a commit whose acknowledgement
 * was lost, is resumed by calling again, with nothing applied twice.
 *
 * The state database records the session, keyed by the durable identities (`conn.id`) of source
 * and destination, and a copy of the watermark written after the destination's. The destination is
 * the truth; a state that is ahead of it (the destination was replaced or reset) is refused with
 * `restore/state-mismatch`, as is a source that is behind the destination.
 *
 * @example
 * ```ts
 * const first = await incrementalRestore({ sourceConn, destConn, stateConn }) // status 'initial'
 * const next = await incrementalRestore({ sourceConn, destConn, stateConn })  // status 'incremental'
 * ```
 */
export async function incrementalRestore(options: IncrementalRestoreOptions): Promise<IncrementalRestoreResult> {
  const { sourceConn, destConn, stateConn, signal } = options;
  const debug = options.debug === true ? (msg: string) => console.debug(`[restore] ${msg}`) : () => {};
  let step = 'reading the session';
  const steps: string[] = [];
  try {
    checkAborted(signal, step);
    refuseSameDatabase({ source: sourceConn.id, destination: destConn.id, state: stateConn.id });
    const session = await stateSession(stateConn, sourceConn.id, destConn.id);
    const destDb = await ensureRestoreSchema(destConn);
    const dest = await readDestSession(destDb, sourceConn.id);
    const destLast = dest?.lastT ?? null;
    if (session.lastT !== null && (destLast === null || destLast < session.lastT)) {
      throw new DatomError(
        'restore/state-mismatch',
        `The state records source t ${session.lastT} as restored, but the destination holds ${destLast ?? 'no complete copy'}: the destination was reset or replaced; restore into a new destination`,
        { data: { sessionId: session.id, stateLastT: session.lastT, destLastT: destLast } },
      );
    }
    steps.push('session');

    let result: Omit<IncrementalRestoreResult, 'sessionId'>;
    if (destLast === null || dest === null) {
      step = 'the initial copy';
      const initial = await currentStateRestore({ ...options, sourceDb: sourceConn.db() });
      result = {
        status: 'initial',
        lastSourceTx: initial.lastSourceTx,
        lastSourceT: initial.basisT,
        transactionsReplayed: 0,
        stats: initial.stats,
        unmappable: initial.unmappable,
        initial,
      };
    } else {
      step = 'replaying the source log';
      const sourceDb = sourceConn.db();
      const sourceT = sourceDb.asOfT ?? sourceDb.basisT;
      if (sourceT < destLast) {
        throw new DatomError('restore/state-mismatch', `The source is at t ${sourceT}, behind the destination's copy of t ${destLast}: the source was reset`, {
          data: { sessionId: session.id, sourceBasisT: sourceT, destLastT: destLast },
        });
      }
      const meter = new ProgressMeter(options.onProgress, options.progressIntervalMs);
      meter.phase = 'replay';
      const replay = new LogReplay({
        destConn,
        schema: await SourceSchema.load(sourceDb, destLast),
        session: dest,
        transforms: options.transforms ?? [],
        eidMappingBatchSize: options.eidMappingBatchSize ?? 1000,
        ...(options.unmappableRefs === undefined ? {} : { unmappableRefs: options.unmappableRefs }),
        ...(options.onUnmappable === undefined ? {} : { onUnmappable: options.onUnmappable }),
      });
      const report = replay.report;
      for await (const entry of readLog({ sourceConn, fromT: destLast + 1, toT: sourceT, ...(signal === undefined ? {} : { signal }) })) {
        step = `replaying source transaction ${entry.t}`;
        meter.datomsRead += entry.data.length;
        meter.datomsWritten += await replay.replay(entry);
        meter.transactions++;
        meter.transactionsReplayed++;
        meter.tick();
      }
      const last = replay.lastT;
      meter.phase = 'done';
      meter.tick(true);
      debug(`replayed ${meter.transactionsReplayed} source transactions, up to t ${last}`);
      result = {
        status: 'incremental',
        lastSourceTx: tToTx(last),
        lastSourceT: last,
        transactionsReplayed: meter.transactionsReplayed,
        stats: meter.stats(),
        unmappable: report,
      };
    }
    steps.push(result.status);

    step = 'recording the watermark in the state database';
    if (session.lastT !== result.lastSourceT) await stateConn.transact([['db/add', session.eid, STATE.lastT, result.lastSourceT]]);
    return { ...result, sessionId: session.id };
  } catch (err) {
    throw withContext(err, step, { stepsDone: steps, source: sourceConn.id, dest: destConn.id });
  }
}
