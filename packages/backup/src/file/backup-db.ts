import { open } from 'node:fs/promises';
import { type Connection, type Database, type Datom, DatomError, FIRST_USER_EID, tToTx } from '@datomkit/datom-core';
import type { AttributePatterns, TransformContext } from '@datomkit/restore';
import { attributeMatcher } from '@datomkit/restore';
import { currentDatoms } from '../internal/current-datoms.js';
import { type BackupProgress, ProgressClock } from '../internal/progress-clock.js';
import { ioError, readBackupTail } from './backup-file.js';
import { LinePrinter, LineSink, formatHeader } from './backup-line.js';

/**
 * Which datoms a file backup keeps. System attributes (the schema, `db/txInstant`) are always
 * kept. `exclude` drops attributes (idents, `'ns/*'`, `'*'`); `include`, when given, keeps only the
 * attributes it names, each optionally only in a window of transaction instants
 * (`since < txInstant < before`, either bound optional). An exclude wins over an include.
 *
 * @example
 * ```ts
 * const filter: BackupFilter = { exclude: ['audit/*'], include: { 'order/total': { since: new Date('2025-01-01') }, 'order/*': {} } }
 * ```
 */
export interface BackupFilter {
  readonly exclude?: AttributePatterns;
  readonly include?: Readonly<Record<string, { readonly since?: Date; readonly before?: Date }>>;
}

/**
 * Rewrites the datoms of one source transaction before they are written (drop some, scrub
 * values); it sees the datoms left by the filter, schema and transaction datoms included.
 *
 * @example
 * ```ts
 * const scrub: BackupTransform = (datoms, ctx) => datoms.map((d) => (ctx.ident(d.a) === 'user/email' ? { ...d, v: 'x@example.invalid' } : d))
 * ```
 */
export type BackupTransform = (datoms: readonly Datom[], ctx: TransformContext) => readonly Datom[];

/**
 * Options of {@link backupDb}.
 *
 * @example
 * ```ts
 * const options: BackupDbOptions = { source: conn, backupFile: './music.backup.edn', stop: 1000 }
 * ```
 */
export interface BackupDbOptions {
  readonly source: Connection;
  /** The backup file: created, or continued where it ends. */
  readonly backupFile: string;
  /** Back up transactions before this t (exclusive); default everything up to the source's basis. */
  readonly stop?: number;
  readonly filter?: BackupFilter;
  readonly transformDatoms?: BackupTransform;
  /** Called at most every `progressIntervalMs` (200) and once at the end. */
  readonly progress?: (p: BackupProgress) => void;
  readonly progressIntervalMs?: number;
  readonly signal?: AbortSignal;
}

/**
 * Options of {@link backupDbNoHistory}.
 *
 * @example
 * ```ts
 * const options: BackupDbNoHistoryOptions = { source: conn, backupFile: './now.backup.edn', removeEmptyTransactions: true }
 * ```
 */
export interface BackupDbNoHistoryOptions extends BackupDbOptions {
  /**
   * Leave out transactions that keep nothing but their `db/txInstant` (their data is all gone; a
   * transaction with metadata is kept, metadata and all). The last transaction backed up is always
   * written: its line marks the basis the next call continues from.
   */
  readonly removeEmptyTransactions?: boolean;
}

/**
 * The result of {@link backupDb} and {@link backupDbNoHistory} (the seed library's shape, plus detail).
 *
 * @example
 * ```ts
 * const { txCount, lastSourceTx } = await backupDb({ source: conn, backupFile })
 * ```
 */
export interface BackupDbResult {
  /** Transaction lines written by this call. */
  readonly txCount: number;
  /** The source transaction id of the file's last line (`null` for an empty backup). */
  readonly lastSourceTx: number | null;
  readonly lastSourceT: number | null;
  readonly datoms: number;
  readonly bytes: number;
  /** Bytes of a torn last line (an interrupted earlier backup) cut off before appending. */
  readonly cutBytes: number;
}

interface Mode {
  readonly history: boolean;
  readonly removeEmpty: boolean;
}

/** Keeps the datoms the filter lets through; `null` when the filter keeps everything. */
function makeFilter(db: Database, filter: BackupFilter | undefined): ((datoms: readonly Datom[], txInstant: Date | null) => readonly Datom[]) | null {
  if (filter === undefined || (filter.exclude === undefined && filter.include === undefined)) return null;
  const excluded = attributeMatcher(filter.exclude ?? []);
  const windows = Object.entries(filter.include ?? {}).map(([pattern, w]) => ({ match: attributeMatcher([pattern]), since: w.since ?? null, before: w.before ?? null }));
  const verdicts = new Map<number, ((at: Date | null) => boolean) | boolean>();
  const verdict = (a: number): ((at: Date | null) => boolean) | boolean => {
    let v = verdicts.get(a);
    if (v !== undefined) return v;
    const ident = db.attribute(a)?.ident.fqn ?? String(a);
    if (a < FIRST_USER_EID) v = true;
    else if (excluded(ident)) v = false;
    else if (filter.include === undefined) v = true;
    else {
      const w = windows.find((x) => x.match(ident));
      if (w === undefined) v = false;
      else if (w.since === null && w.before === null) v = true;
      else {
        const { since, before } = w;
        v = (at) => at !== null && (since === null || at > since) && (before === null || at < before);
      }
    }
    verdicts.set(a, v);
    return v;
  };
  return (datoms, at) =>
    datoms.filter((d) => {
      const v = verdict(d.a);
      return typeof v === 'boolean' ? v : v(at);
    });
}

async function backup(options: BackupDbOptions, mode: Mode): Promise<BackupDbResult> {
  const { source, backupFile: path } = options;
  const db = source.db();
  const basisT = db.basisT;
  const end = Math.min(options.stop ?? basisT + 1, basisT + 1);
  const tail = await readBackupTail(path);
  if (tail?.header != null && tail.header.source !== source.id) {
    throw new DatomError('backup/claim-failed', `${path} holds a backup of database ${tail.header.source}, not of ${source.id}: back up to another file`, {
      data: { path, fileSource: tail.header.source, source: source.id },
    });
  }
  if (tail?.header != null && tail.header.history !== mode.history) {
    const what = (h: boolean) => (h ? 'a backup with history (backupDb)' : 'a current-state backup (backupDbNoHistory)');
    throw new DatomError('backup/mode-mismatch', `${path} holds ${what(tail.header.history)}; continuing it as ${what(mode.history)} would mix the two: use another file`, {
      data: { path, fileHistory: tail.header.history },
    });
  }
  const fileT = tail?.lastT ?? null;
  const startT = (fileT ?? 0) + 1;
  const clock = new ProgressClock(options.progress, options.progressIntervalMs, startT, end);
  let fh: import('node:fs/promises').FileHandle;
  try {
    fh = await open(path, tail === null ? 'w' : 'r+');
  } catch (err) {
    throw ioError(path, err);
  }
  let txCount = 0;
  let datoms = 0;
  let bytes = 0;
  let lastT = fileT;
  try {
    let pos = tail?.completeBytes ?? 0;
    if (tail !== null && tail.tornBytes > 0) await fh.truncate(pos);
    const sink = new LineSink();
    const flush = async () => {
      const buf = sink.bytes();
      let off = 0;
      while (off < buf.length) off += (await fh.write(buf, off, buf.length - off, pos + off)).bytesWritten;
      pos += buf.length;
      bytes += buf.length;
      sink.clear();
    };
    if (pos === 0) {
      sink.utf8(formatHeader({ version: 1, source: source.id, history: mode.history }));
    }
    const printer = new LinePrinter(db);
    const filter = makeFilter(db, options.filter);
    const txInstantA = db.attribute('db/txInstant')?.id ?? -1;
    const ident = (a: number) => db.attribute(a)?.ident.fqn ?? String(a);
    if (startT < end) {
      for await (const entry of source.txRange({ start: startT, end })) {
        if (options.signal?.aborted === true) {
          throw new DatomError('backup/aborted', `The backup to ${path} was aborted before source t ${entry.t}; run it again to continue`, {
            data: { path, t: entry.t },
            cause: options.signal.reason,
          });
        }
        let kept: readonly Datom[] = mode.history ? entry.data : await currentDatoms(db, entry, fileT);
        if (filter !== null) {
          const at = entry.data.find((d) => d.a === txInstantA && d.e === entry.tx)?.v;
          kept = filter(kept, at instanceof Date ? at : null);
        }
        if (options.transformDatoms !== undefined) kept = options.transformDatoms(kept, { ident, t: entry.t });
        const empty = kept.length === 0 || (mode.removeEmpty && kept.every((d) => d.e === entry.tx && d.a === txInstantA));
        // The last transaction of a current-state backup marks its basis, so it is always written.
        const basisLine = !mode.history && entry.t === end - 1 && kept.length > 0;
        clock.t = entry.t;
        if (empty && !basisLine) continue;
        printer.write(kept, sink);
        txCount++;
        datoms += kept.length;
        lastT = entry.t;
        clock.report(txCount, datoms, bytes + sink.length);
        if (sink.length >= 1 << 20) await flush();
      }
    }
    await flush();
    await fh.sync();
  } finally {
    await fh.close();
  }
  clock.report(txCount, datoms, bytes, true);
  return {
    txCount,
    lastSourceTx: lastT === null ? null : tToTx(lastT),
    lastSourceT: lastT,
    datoms,
    bytes,
    cutBytes: tail?.tornBytes ?? 0,
  };
}

/**
 * Backs a database up to a text file: one line per source transaction, each the EDN list of its
 * datoms, `(#datom[e a v tx added] ...)`, with the source's numeric ids (the format of
 * datomic-backup's `backup-db`), after a header comment naming the source. A later call continues
 * where the file ends; a line torn by a crash is cut off first, so no transaction is written twice
 * or half. The file is read and written a chunk at a time, never held in memory. Restore it with
 * `restoreDb`.
 *
 * Errors: `backup/claim-failed` when the file holds another database's backup,
 * `backup/mode-mismatch` when it holds a current-state backup, `backup/io`, `backup/aborted`.
 *
 * @example
 * ```ts
 * const { txCount, lastSourceTx } = await backupDb({ source: conn, backupFile: './music.backup.edn' })
 * ```
 */
export function backupDb(options: BackupDbOptions): Promise<BackupDbResult> {
  return backup(options, { history: true, removeEmpty: false });
}

/**
 * Backs up the current state of a database in the file format of {@link backupDb}: of each source
 * transaction, the datoms that are still current (plus every datom of a system attribute, so the
 * schema's history, renames included, replays as it happened). Restoring it gives the database
 * `currentStateRestore` would give. A later call continues the file: it adds what changed since,
 * including the retractions of datoms the file holds. With `removeEmptyTransactions`, transactions
 * left with nothing but their `db/txInstant` are not written (except the last, which marks the basis).
 *
 * @example
 * ```ts
 * await backupDbNoHistory({ source: conn, backupFile: './now.backup.edn', removeEmptyTransactions: true })
 * ```
 */
export function backupDbNoHistory(options: BackupDbNoHistoryOptions): Promise<BackupDbResult> {
  return backup(options, { history: false, removeEmpty: options.removeEmptyTransactions === true });
}
