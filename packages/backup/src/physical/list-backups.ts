import { readManifests } from './backup-folder.js';

/**
 * One backup point of a folder, as {@link listBackups} lists it.
 *
 * @example
 * ```ts
 * const p: BackupPoint = { t: 1200, dirT: 1100, time: '2026-12-06T03:00:00.000Z', database: '…', files: 4, bytes: 1048576 }
 * ```
 */
export interface BackupPoint {
  /** The point's t: the source's last transaction when the backup was taken. */
  readonly t: number;
  /** The earliest t the point restores at; any t from `dirT` to `t` restores from it. */
  readonly dirT: number;
  /** When the backup was taken (ISO 8601). */
  readonly time: string;
  readonly database: string;
  /** Files and bytes the point needs (shared with other points, most of them). */
  readonly files: number;
  readonly bytes: number;
}

/**
 * The backup points of a backup folder, oldest first. A folder that holds no backup is
 * `backup/not-found`.
 *
 * @example
 * ```ts
 * await backupDatabase({ source: 'file:./data/music', dir: './backups/music' })
 * for (const p of await listBackups('./backups/music')) console.log(p.t, p.time)
 * ```
 */
export async function listBackups(dir: string): Promise<BackupPoint[]> {
  return (await readManifests(dir)).map((m) => ({
    t: m.t,
    dirT: m.dirT,
    time: m.time,
    database: m.database,
    files: m.blobs.reduce((n, b) => n + b.parts.length, 0),
    bytes: m.blobs.reduce((n, b) => n + b.parts.reduce((k, p) => k + p.bytes, 0), 0),
  }));
}
