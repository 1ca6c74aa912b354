import { resolve } from 'node:path';
import { type Connection, DatomError, type TxLogEntry, tToTx } from '@datomkit/datom-core';
import {
  type DatomTransform,
  LogReplay,
  SourceSchema,
  type UnmappableRef,
  type UnmappableRefPolicy,
  type UnmappableReport,
  type DestSession,
  openReplaySession,
} from '@datomkit/restore';
import { type BackupProgress, ProgressClock } from '../internal/progress-clock.js';
import { type BackupColumns, columnBatches, readBackupColumns, readBackupTail } from './backup-file.js';

/**
 * Options of {@link restoreDb}.
 *
 * @example
 * ```ts
 * const options: RestoreDbOptions = { source: './music.backup.edn', destConn, stop: 500 }
 * ```
 */
export interface RestoreDbOptions {
  /** The backup file (written by `backupDb` or `backupDbNoHistory`). */
  readonly source: string;
  readonly destConn: Connection;
  /** Replay source transactions before this t (exclusive); default the whole file. */
  readonly stop?: number;
  /** Pipeline stages for data datoms, as in `@datomkit/restore`. */
  readonly transforms?: readonly DatomTransform[];
  readonly unmappableRefs?: UnmappableRefPolicy;
  readonly onUnmappable?: (ref: UnmappableRef) => void;
  /**
   * The identity the destination's restore session is keyed by. Default: the source database's
   * identity from the file's header (so the copy can later be caught up from the live source with
   * `incrementalRestore`), or for a file without one, `file:<absolute path>`.
   */
  readonly sourceId?: string;
  readonly progress?: (p: BackupProgress) => void;
  readonly progressIntervalMs?: number;
  readonly signal?: AbortSignal;
}

/**
 * The result of {@link restoreDb} (the seed library's shape, plus detail).
 *
 * @example
 * ```ts
 * const { txCount, lastSourceTx } = await restoreDb({ source: './music.backup.edn', destConn })
 * ```
 */
export interface RestoreDbResult {
  /** Source transactions replayed by this call. */
  readonly txCount: number;
  /** The last source transaction the destination holds (`null` when it holds none). */
  readonly lastSourceTx: number | null;
  readonly lastSourceT: number | null;
  /** Data datoms written. */
  readonly datoms: number;
  /** Lines already in the destination (an earlier, interrupted or partial restore), skipped. */
  readonly skipped: number;
  readonly unmappable: UnmappableReport;
}

/**
 * Replays a backup file into a database, segments of data-only lines in one destination
 * transaction each, consecutive segments in one commit (group commit, see
 * `LogReplay.replayColumns`), and any other line in one of its own, with the entity
 * mapping of `incrementalRestore` (every copied entity carries its `datomkit.restore/source-eid`;
 * schema changes, renames and transaction metadata replay as they happened). Each transaction
 * moves the destination's session watermark in the same commit as its data, so a
 * restore killed at any point is finished exactly by calling it again: the lines the destination
 * holds are skipped, none is applied twice. The destination must be empty, or hold an earlier
 * (partial) restore of the same source. The file is streamed, never held in memory.
 *
 * Errors: `backup/format` (a damaged line, named by number), `backup/io`, `restore/dest-not-empty`,
 * `backup/aborted`, and the restore's and engine's own codes.
 *
 * @example
 * ```ts
 * const { txCount, lastSourceTx } = await restoreDb({ source: './music.backup.edn', destConn })
 * ```
 */
export async function restoreDb(options: RestoreDbOptions): Promise<RestoreDbResult> {
  const { source: path } = options;
  const tail = await readBackupTail(path);
  if (tail === null) throw new DatomError('backup/io', `Backup file ${path} does not exist`, { data: { path } });
  const sourceId = options.sourceId ?? tail.header?.source ?? `file:${resolve(path)}`;
  const batches = readBackupColumns(path, { batchRows: BATCH_DATOMS, ...(options.signal === undefined ? {} : { signal: options.signal }) });
  return replayEntries(batches, path, sourceId, tail.lastT, options);
}

/** About how many datoms of the file are replayed at a time (see `LogReplay.replayColumns`). */
const BATCH_DATOMS = 50_000;

/**
 * Source transactions read one at a time (with their line numbers) as batches of columns of about
 * {@link BATCH_DATOMS} datoms, for {@link replayEntries}.
 *
 * @example
 * ```ts
 * async function* lines() { yield { entry, line: 1 } }
 * for await (const { cols } of entryBatches(lines())) cols.count // 1
 * ```
 */
export function entryBatches(entries: AsyncIterable<{ readonly entry: TxLogEntry; readonly line: number }>): AsyncGenerator<BackupColumns> {
  return columnBatches(entries, BATCH_DATOMS, (cols, { entry, line }) => {
    cols.push(entry);
    return line;
  });
}

/**
 * Replays source transactions read from a file (batches of columns, in t order) into
 * `options.destConn` through restore's replay stage, skipping those the destination's session
 * already holds (they only move the source schema model forward). Shared by {@link restoreDb} and
 * `importDatoms`.
 */
export async function replayEntries(
  batches: AsyncIterable<BackupColumns>,
  path: string,
  sourceId: string,
  fileLastT: number | null,
  options: Omit<RestoreDbOptions, 'source' | 'sourceId'>,
): Promise<RestoreDbResult> {
  const { destConn } = options;
  const reading = batches[Symbol.asyncIterator]();
  // The file's first lines are read (in the thread pool) while the session commits.
  const first = reading.next();
  first.catch(() => {});
  let session: DestSession;
  let schema: SourceSchema;
  try {
    session = await openReplaySession(destConn, sourceId);
    // The source schema starts from the built-ins (the same in every database) and follows the file.
    schema = await SourceSchema.load(destConn.db(), 0);
  } catch (err) {
    // (An async generator takes one step at a time: it is closed once the first one has settled.)
    await first.catch(() => {});
    await reading.return?.();
    throw err;
  }
  const from = session.lastT ?? 0;
  const replay = new LogReplay({
    destConn,
    schema,
    session,
    ...(options.transforms === undefined ? {} : { transforms: options.transforms }),
    ...(options.unmappableRefs === undefined ? {} : { unmappableRefs: options.unmappableRefs }),
    ...(options.onUnmappable === undefined ? {} : { onUnmappable: options.onUnmappable }),
  });
  const stop = options.stop ?? Number.POSITIVE_INFINITY;
  const clock = new ProgressClock(options.progress, options.progressIntervalMs, from + 1, Math.min(stop, (fileLastT ?? from) + 1));
  let txCount = 0;
  let datoms = 0;
  let skipped = 0;
  /** Replays transactions `lo` to `hi - 1` of a batch, whose segments may share a destination commit. */
  const replayRange = async ({ cols, lines }: BackupColumns, lo: number, hi: number): Promise<void> => {
    if (hi <= lo) return;
    try {
      datoms += await replay.replayColumns(cols, lo, hi);
    } catch (err) {
      if (err instanceof DatomError) {
        let k = lo;
        while (k < hi && cols.t[k] !== err.data.t) k++;
        if (k === hi) k = lo;
        const [line, t] = [lines[k], cols.t[k]];
        throw new DatomError(err.code, `${path}:${line} (source t ${t}): ${err.message}`, { data: { ...err.data, path, line, t }, cause: err });
      }
      throw err;
    }
    txCount += hi - lo;
    clock.t = cols.t[hi - 1] as number;
    clock.report(txCount, datoms, 0);
  };
  for await (const batch of resumed(first, reading)) {
    const { cols } = batch;
    let lo = 0;
    let k = 0;
    for (; k < cols.count; k++) {
      const t = cols.t[k] as number;
      if (t >= stop) break;
      if (t <= from) {
        // Held by the destination already (an earlier restore's): it only moves the schema model.
        await replayRange(batch, lo, k);
        schema.apply(cols.entry(k).data, t);
        skipped++;
        lo = k + 1;
      }
    }
    await replayRange(batch, lo, k);
    if (k < cols.count) break;
  }
  clock.report(txCount, datoms, 0, true);
  const lastT = replay.lastT === 0 ? null : replay.lastT;
  return { txCount, lastSourceTx: lastT === null ? null : tToTx(lastT), lastSourceT: lastT, datoms, skipped, unmappable: replay.report };
}

/** The iterator `rest` as an iterable again, its first result (already asked for) being `first`. */
async function* resumed<T>(first: Promise<IteratorResult<T>>, rest: AsyncIterator<T>): AsyncGenerator<T> {
  try {
    for (let r = await first; r.done !== true; r = await rest.next()) yield r.value;
  } finally {
    // Left early (a stop, an error): the file is closed.
    await rest.return?.();
  }
}
