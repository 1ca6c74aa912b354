import { createHash } from 'node:crypto';
import { join } from 'node:path';
import { type BlobStore, connect, connectStore, DatomError, encodeLogRecords, isDatomError, readSnapshotBlob, readStoreSnapshot, type SnapshotBlob, type TxLogEntry } from '@datomkit/datom-core';
import { type BackupBlob, type BackupManifest, type BackupPart, claimFolder, FOLDER_FORMAT, fsyncDir, manifestFile, partName, partPath, readManifests, storeOf, writeFileDurably } from './backup-folder.js';
import { CopyClock, type CopyProgress } from './copy-progress.js';

/**
 * Options of {@link backupDatabase}.
 *
 * @example
 * ```ts
 * const options: BackupDatabaseOptions = { source: 'file:./data/music', dir: './backups/music' }
 * ```
 */
export interface BackupDatabaseOptions {
  /** The database: a `file:` or `postgres://` URI (or path), or its `BlobStore`. */
  readonly source: string | BlobStore;
  /** The backup folder: new, empty, or holding earlier backups of the same database. */
  readonly dir: string;
  /** Called at most every `progressIntervalMs` (200) and once at the end. */
  readonly progress?: (p: CopyProgress) => void;
  readonly progressIntervalMs?: number;
  /** Stops between chunks with `backup/aborted`; earlier backup points are left intact. */
  readonly signal?: AbortSignal;
}

/**
 * What {@link backupDatabase} did.
 *
 * @example
 * ```ts
 * const { t, bytesWritten, bytesTotal } = await backupDatabase({ source: 'file:./data/music', dir: './backups/music' })
 * ```
 */
export interface BackupDatabaseResult {
  /** The source's identity. */
  readonly database: string;
  /** The backup point: the source's last transaction when the backup started. */
  readonly t: number;
  /** The earliest t this point restores at (its directory's). */
  readonly dirT: number;
  /** False when the folder already had a point at this t (nothing was written). */
  readonly created: boolean;
  /** Files written into the folder, and their bytes: only what earlier points did not hold. */
  readonly filesWritten: number;
  readonly bytesWritten: number;
  /** Files and bytes of the whole point, written now or before. */
  readonly files: number;
  readonly bytesTotal: number;
  readonly elapsedMs: number;
}

/** How many times a backup starts over when the writer moves the root on under it. */
const ATTEMPTS = 20;
/** Files copied at once. */
const COPY_PARALLELISM = 3;

/**
 * How much of a point may be logs the restore replays, as a share of its directory and packs: a
 * point made of an earlier one plus the transactions since (see {@link logSince}) is taken only up
 * to this, so that a chain of such points ends in a copy of the pages before restores get slow.
 */
const LOG_SHARE = 0.25;

/** The bytes of a point's blobs of the given kinds. */
function bytesOf(m: BackupManifest, kinds: readonly SnapshotBlob['kind'][]): number {
  return m.blobs.filter((b) => kinds.includes(b.kind)).reduce((n, b) => n + b.bytes, 0);
}

/**
 * The source's transactions after `from` up to `to`, encoded as the engine writes its log, or null
 * when they would take more than `limit` bytes (or the source cannot give them all).
 */
async function logSince(source: string | BlobStore, from: number, to: number, limit: number): Promise<Uint8Array | null> {
  if (limit <= 0) return null;
  const conn = typeof source === 'string' ? await connect(source, { readOnly: true }) : await connectStore(source, { readOnly: true });
  try {
    const entries: TxLogEntry[] = [];
    // A datom takes at least 12 bytes in a log record: stop reading well before the limit is passed.
    let datoms = 0;
    for await (const e of conn.txRange({ start: from + 1, end: to + 1 })) {
      entries.push(e);
      datoms += e.data.length;
      if (datoms * 12 > limit) return null;
    }
    if (entries.length !== to - from || entries[0]?.t !== from + 1) return null;
    const bytes = encodeLogRecords(entries);
    return bytes.length <= limit ? bytes : null;
  } finally {
    await conn.close();
  }
}

/** Parts of earlier points, by file name, and the longest run of parts of each log, from its start. */
function knownParts(manifests: readonly BackupManifest[]): { files: Map<string, BackupPart>; logs: Map<string, BackupPart[]> } {
  const files = new Map<string, BackupPart>();
  const logs = new Map<string, BackupPart[]>();
  for (const m of manifests) {
    for (const b of m.blobs) {
      for (const p of b.parts) files.set(p.file, p);
      const held = logs.get(b.key);
      if (b.kind === 'log' && (held === undefined || b.bytes > held.reduce((n, p) => n + p.bytes, 0))) logs.set(b.key, [...b.parts]);
    }
  }
  return { files, logs };
}

/** The parts of `blob`: those held already, and the range still to copy (if any). */
function planBlob(blob: SnapshotBlob, known: ReturnType<typeof knownParts>): { held: BackupPart[]; copyFrom: number | null } {
  if (blob.kind !== 'log') {
    const p = known.files.get(partName(blob, 0, blob.bytes));
    return p !== undefined && p.bytes === blob.bytes ? { held: [p], copyFrom: null } : { held: [], copyFrom: 0 };
  }
  const held: BackupPart[] = [];
  let end = 0;
  for (const p of known.logs.get(blob.key) ?? []) {
    if (end + p.bytes > blob.bytes) break;
    held.push(p);
    end += p.bytes;
  }
  // Copied by an earlier attempt of this backup.
  const again = known.files.get(partName(blob, end, blob.bytes));
  if (end < blob.bytes && again !== undefined) return { held: [...held, again], copyFrom: null };
  return { held, copyFrom: end < blob.bytes ? end : null };
}

async function* watched(chunks: AsyncIterable<Uint8Array>, signal: AbortSignal | undefined, dir: string): AsyncGenerator<Uint8Array> {
  for await (const c of chunks) {
    if (signal?.aborted === true) throw new DatomError('backup/aborted', `The backup to ${dir} was stopped; earlier backup points are intact`, { data: { dir } });
    yield c;
  }
}

/**
 * Takes a physical, differential backup of a durable database into a folder: the blobs of its
 * storage (directory, packs, logs) as of one consistent root, of which only those the folder lacks
 * are copied (of a log that grew, only its new bytes), then a manifest naming them all with their
 * sizes and SHA-256 checksums. When the source checkpointed since the last point and the
 * transactions since it take fewer bytes than the new pages (and the logs a point carries stay
 * under a quarter of its pages), the point is instead the last one plus a log of those transactions. The backup point is the source's last transaction when it started;
 * a writer may go on committing meanwhile.
 *
 * Every file is written to a temporary name, synced and renamed, and the manifest last: a backup
 * that fails, is stopped or is killed leaves every earlier point as it was, and the next backup
 * reuses what it had copied only once a manifest names it. A folder holds backups of one database:
 * another's is `backup/claim-failed`.
 *
 * @example
 * ```ts
 * const first = await backupDatabase({ source: 'file:./data/music', dir: './backups/music' })
 * const next = await backupDatabase({ source: 'file:./data/music', dir: './backups/music' }) // copies what changed
 * ```
 */
export async function backupDatabase(options: BackupDatabaseOptions): Promise<BackupDatabaseResult> {
  const { dir, signal } = options;
  const store = storeOf(options.source, 'source');
  const clock = new CopyClock(options.progress, options.progressIntervalMs);
  // Files this backup has written, in case it starts over: they are complete and their checksums known.
  const written = new Map<string, BackupPart>();
  /** Writes the point's manifest (last: the point exists once it has its name). */
  const finish = async (base: { database: string; t: number; dirT: number }, blobs: BackupBlob[]): Promise<BackupDatabaseResult> => {
    const manifest: BackupManifest = { format: FOLDER_FORMAT, ...base, time: new Date().toISOString(), source: store.location, blobs };
    // The manifest is written and synced while the blobs' names are; it takes its name only after.
    const blobsNamed = fsyncDir(join(dir, 'blobs'));
    blobsNamed.catch(() => undefined);
    await writeFileDurably(manifestFile(dir, base.t), [new TextEncoder().encode(`${JSON.stringify(manifest, null, 1)}\n`)], undefined, blobsNamed);
    await fsyncDir(join(dir, 'points'));
    clock.report(true);
    return {
      ...base,
      created: true,
      filesWritten: clock.files,
      bytesWritten: clock.bytes,
      files: blobs.reduce((n, b) => n + b.parts.length, 0),
      bytesTotal: blobs.reduce((n, b) => n + b.parts.reduce((k, p) => k + p.bytes, 0), 0),
      elapsedMs: clock.elapsedMs,
    };
  };
  try {
    for (let attempt = 1; ; attempt++) {
      const snap = await readStoreSnapshot(store);
      await claimFolder(dir, snap.id);
      const manifests = await readManifests(dir);
      const base = { database: snap.id, t: snap.t, dirT: snap.dirT };
      const existing = manifests.find((m) => m.t === snap.t);
      if (existing !== undefined) {
        const bytesTotal = existing.blobs.reduce((n, b) => n + b.parts.reduce((k, p) => k + p.bytes, 0), 0);
        const files = existing.blobs.reduce((n, b) => n + b.parts.length, 0);
        clock.start(0, 0);
        clock.report(true);
        return { ...base, dirT: existing.dirT, created: false, filesWritten: 0, bytesWritten: 0, files, bytesTotal, elapsedMs: clock.elapsedMs };
      }
      const known = knownParts(manifests);
      for (const [file, part] of written) known.files.set(file, part);
      // Logs first: a checkpoint that the writer finishes removes them, while packs and directories stay for minutes.
      const ordered = [...snap.blobs.filter((b) => b.kind === 'log'), ...snap.blobs.filter((b) => b.kind !== 'log')];
      const plans = ordered.map((b) => ({ blob: b, ...planBlob(b, known) }));
      const toCopy = plans.filter((p) => p.copyFrom !== null);
      const copyBytes = toCopy.reduce((n, p) => n + p.blob.bytes - (p.copyFrom ?? 0), 0);
      // After a checkpoint the pages it rewrote are new to the folder; the transactions since the
      // last point are often far fewer bytes: then the point is that one plus a log of them.
      const prev = manifests.filter((m) => m.t < snap.t).at(-1);
      if (prev !== undefined && snap.dirT > prev.dirT) {
        const room = Math.min(copyBytes - 1, LOG_SHARE * bytesOf(prev, ['dir', 'pack']) - bytesOf(prev, ['log']));
        const tail = await logSince(options.source, prev.t, snap.t, room);
        if (tail !== null) {
          clock.start(1, tail.length);
          // Named by its content, so that a re-run after a kill writes the same file.
          const key = `log-${snap.t}-${createHash('sha256').update(tail).digest('hex').slice(0, 8)}`;
          const blob: SnapshotBlob = { key, kind: 'log', bytes: tail.length, lastT: snap.t };
          const file = partName(blob, 0, tail.length);
          const part = { file, ...(await writeFileDurably(partPath(dir, file), [tail], (n) => clock.add(n))) };
          clock.fileDone();
          const blobs: BackupBlob[] = [...prev.blobs, { ...blob, parts: [part] }];
          return finish({ ...base, dirT: prev.dirT }, blobs);
        }
      }
      clock.start(toCopy.length, copyBytes);
      const byKey = new Map<string, BackupBlob>();
      const copyOne = async (p: (typeof plans)[number]): Promise<void> => {
        const parts = [...p.held];
        if (p.copyFrom !== null) {
          const file = partName(p.blob, p.copyFrom, p.blob.bytes);
          const part = { file, ...(await writeFileDurably(partPath(dir, file), watched(readSnapshotBlob(store, p.blob, p.copyFrom), signal, dir), (n) => clock.add(n))) };
          written.set(file, part);
          parts.push(part);
          clock.fileDone();
        }
        byKey.set(p.blob.key, { ...p.blob, parts });
      };
      // A few files at once, so that their syncs overlap; all settle before a failure is handled
      // (a new attempt would write the same temporary files).
      const queue = [...plans];
      const settled = await Promise.allSettled(
        Array.from({ length: COPY_PARALLELISM }, async () => {
          for (let p = queue.shift(); p !== undefined; p = queue.shift()) await copyOne(p);
        }),
      );
      const failed = settled.find((x): x is PromiseRejectedResult => x.status === 'rejected');
      if (failed !== undefined) {
        queue.length = 0;
        // The writer finished a checkpoint and removed a log (or an old pack) meanwhile: start over
        // from its new root. What was copied stays and is copied again only if a point needs it.
        if (attempt < ATTEMPTS && isDatomError(failed.reason, 'storage/missing')) continue;
        throw failed.reason;
      }
      // The manifest lists them in the snapshot's order: directory, packs, logs.
      return finish(base, snap.blobs.map((b) => byKey.get(b.key) as BackupBlob));
    }
  } finally {
    store.closeReads?.();
  }
}
