import { type BlobStore, DatomError, writeStoreSnapshot } from '@datomkit/datom-core';
import { type BackupManifest, readManifests, snapshotOf, storeOf } from './backup-folder.js';
import { CopyClock, type CopyProgress } from './copy-progress.js';
import { readPart } from './read-part.js';

/**
 * Options of {@link restoreBackup}.
 *
 * @example
 * ```ts
 * const options: RestoreBackupOptions = { dir: './backups/music', dest: 'file:./data/music-copy', t: 2 }
 * ```
 */
export interface RestoreBackupOptions {
  readonly dir: string;
  /** The new database: a `file:` or `postgres://` URI (or path), or a `BlobStore`, holding no database. */
  readonly dest: string | BlobStore;
  /**
   * The t to restore at: a point's t, or any t from a point's `dirT` to its t. Default: the last
   * point's t.
   */
  readonly t?: number;
  readonly progress?: (p: CopyProgress) => void;
  readonly progressIntervalMs?: number;
}

/**
 * What {@link restoreBackup} did.
 *
 * @example
 * ```ts
 * await backupDatabase({ source: 'file:./data/music', dir: './backups/music' })
 * const { t, point } = await restoreBackup({ dir: './backups/music', dest: 'file:./data/music-copy' })
 * ```
 */
export interface RestoreBackupResult {
  readonly database: string;
  /** The basis t of the restored database. */
  readonly t: number;
  /** The t of the backup point it was restored from. */
  readonly point: number;
  /** Bytes read from the folder. */
  readonly bytes: number;
  readonly elapsedMs: number;
}

/** The point a restore at `t` reads: of those whose range holds `t`, the one with the fewest log bytes past it. */
function pointFor(manifests: readonly BackupManifest[], t: number | undefined, dir: string): BackupManifest {
  const last = manifests[manifests.length - 1];
  if (last === undefined) throw new DatomError('backup/not-found', `${dir} holds no backup point yet: run a backup first`, { data: { dir } });
  if (t === undefined) return last;
  const m = manifests.find((p) => p.dirT <= t && t <= p.t);
  if (m === undefined) {
    const ranges = manifests.map((p) => (p.dirT === p.t ? `${p.t}` : `${p.dirT}..${p.t}`));
    throw new DatomError('backup/not-found', `${dir} cannot restore t ${t}: a backup point restores at its t or any t back to its checkpoint; these are ${ranges.join(', ')}`, {
      data: { dir, t, ranges: manifests.map((p) => ({ from: p.dirT, to: p.t })) },
    });
  }
  return m;
}

/**
 * Restores a backup point into a new database: the same database (identity, entity ids,
 * transactions, instants) as the source was as of `t`. Every file read is checked against its
 * checksum (`backup/checksum`, `backup/missing`); the destination's root is written last, so a
 * restore that fails or is killed leaves no database there and can simply be run again. A
 * destination that holds a database is `db/exists`.
 *
 * Which t: Datomic restores a backup point's t. Here a point also restores at any earlier t back
 * to its checkpoint (`dirT`, shown by `listBackups`), by cutting its logs after that t; a t that no
 * point covers is `backup/not-found`, naming the ranges that can be restored.
 *
 * @example
 * ```ts
 * const { dirT } = await backupDatabase({ source: 'file:./data/music', dir: './backups/music' })
 * await restoreBackup({ dir: './backups/music', dest: 'file:./data/music-then', t: dirT }) // or any t from dirT to the point's t
 * const conn = await connect('file:./data/music-then')
 * ```
 */
export async function restoreBackup(options: RestoreBackupOptions): Promise<RestoreBackupResult> {
  const { dir } = options;
  const manifests = await readManifests(dir);
  const point = pointFor(manifests, options.t, dir);
  const t = options.t ?? point.t;
  const store = storeOf(options.dest, 'destination');
  const clock = new CopyClock(options.progress, options.progressIntervalMs);
  const parts = new Map(point.blobs.map((b) => [b.key, b.parts]));
  clock.start(point.blobs.reduce((n, b) => n + b.parts.length, 0), point.blobs.reduce((n, b) => n + b.parts.reduce((k, p) => k + p.bytes, 0), 0));
  await writeStoreSnapshot(store, snapshotOf(point), {
    t,
    async *read(blob) {
      for (const p of parts.get(blob.key) ?? []) {
        for await (const chunk of readPart(dir, p)) {
          clock.add(chunk.length);
          yield chunk;
        }
        clock.fileDone();
      }
    },
  });
  clock.report(true);
  return { database: point.database, t, point: point.t, bytes: clock.bytes, elapsedMs: clock.elapsedMs };
}
