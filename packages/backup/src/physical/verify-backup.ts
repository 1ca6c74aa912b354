import { DatomError, isDatomError } from '@datomkit/datom-core';
import { type BackupPart, readManifests } from './backup-folder.js';
import { CopyClock, type CopyProgress } from './copy-progress.js';
import { readPart } from './read-part.js';

/**
 * Options of {@link verifyBackup}.
 *
 * @example
 * ```ts
 * const options: VerifyBackupOptions = { dir: './backups/music', t: 2 }
 * ```
 */
export interface VerifyBackupOptions {
  readonly dir: string;
  /** The point to verify; every point when left out. */
  readonly t?: number;
  readonly progress?: (p: CopyProgress) => void;
  readonly progressIntervalMs?: number;
}

/**
 * A file of a backup point that is missing or damaged.
 *
 * @example
 * ```ts
 * const p: BackupProblem = { file: 'pack-1100-3f2a9c01', code: 'backup/checksum', message: '…' }
 * ```
 */
export interface BackupProblem {
  readonly file: string;
  readonly code: 'backup/missing' | 'backup/checksum';
  readonly message: string;
}

/**
 * What {@link verifyBackup} found, point by point.
 *
 * @example
 * ```ts
 * await backupDatabase({ source: 'file:./data/music', dir: './backups/music' })
 * await backupDatabase({ source: 'file:./data/music', dir: './backups/music' })
 * const { ok, points } = await verifyBackup({ dir: './backups/music' })
 * ```
 */
export interface VerifyBackupResult {
  /** True when every point verified holds every file it needs, each whole. */
  readonly ok: boolean;
  readonly points: readonly { readonly t: number; readonly ok: boolean; readonly problems: readonly BackupProblem[] }[];
  /** Files and bytes read (a file shared by several points is read once). */
  readonly files: number;
  readonly bytes: number;
}

/**
 * Verifies backup points: reads every file each one needs and checks its size and SHA-256
 * against the manifest. Problems are reported per point, not thrown; a `t` that is no point of the
 * folder is `backup/not-found`.
 *
 * @example
 * ```ts
 * await backupDatabase({ source: 'file:./data/music', dir: './backups/music' })
 * const { ok, points } = await verifyBackup({ dir: './backups/music' })
 * if (!ok) console.error(points.flatMap((p) => p.problems))
 * ```
 */
export async function verifyBackup(options: VerifyBackupOptions): Promise<VerifyBackupResult> {
  const { dir } = options;
  const all = await readManifests(dir);
  const manifests = options.t === undefined ? all : all.filter((m) => m.t === options.t);
  if (options.t !== undefined && manifests.length === 0) {
    throw new DatomError('backup/not-found', `${dir} has no backup point at t ${options.t}; its points are ${all.map((m) => m.t).join(', ') || 'none'}`, {
      data: { dir, t: options.t, points: all.map((m) => m.t) },
    });
  }
  const parts = new Map<string, BackupPart>();
  for (const m of manifests) for (const b of m.blobs) for (const p of b.parts) parts.set(p.file, p);
  const clock = new CopyClock(options.progress, options.progressIntervalMs);
  clock.start(parts.size, [...parts.values()].reduce((n, p) => n + p.bytes, 0));
  const problems = new Map<string, BackupProblem>();
  for (const p of parts.values()) {
    try {
      for await (const chunk of readPart(dir, p)) clock.add(chunk.length);
    } catch (err) {
      if (!isDatomError(err, 'backup/missing') && !isDatomError(err, 'backup/checksum')) throw err;
      problems.set(p.file, { file: p.file, code: err.code as BackupProblem['code'], message: err.message });
    }
    clock.fileDone();
  }
  clock.report(true);
  const points = manifests.map((m) => {
    const found = m.blobs.flatMap((b) => b.parts.flatMap((p) => problems.get(p.file) ?? []));
    return { t: m.t, ok: found.length === 0, problems: found };
  });
  return { ok: problems.size === 0, points, files: clock.files, bytes: clock.bytes };
}
