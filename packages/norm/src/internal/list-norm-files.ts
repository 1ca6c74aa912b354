import { readdir, stat } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { DatomError } from '@datomkit/datom-core';

/** Throws `norm/missing-folder` unless `dir` is an existing folder; returns its absolute path. */
export async function requireFolder(dir: string): Promise<string> {
  const abs = resolve(dir);
  const info = await stat(abs).catch(() => null);
  if (info === null || !info.isDirectory()) {
    throw new DatomError('norm/missing-folder', `Norms folder ${abs} does not exist. Create it or pass the right path.`, {
      data: { folder: abs },
    });
  }
  return abs;
}

/**
 * Every norm file under `root`, at any depth: plain files whose name ends in `.edn` (case
 * sensitive), except those whose name ends in `checksums.edn`. Absolute paths, unsorted.
 */
export async function listNormFiles(root: string): Promise<string[]> {
  const out: string[] = [];
  const walk = async (dir: string): Promise<void> => {
    const entries = await readdir(dir, { withFileTypes: true });
    for (const entry of entries) {
      const path = join(dir, entry.name);
      // Like Java's File.isDirectory, follow symbolic links.
      const kind = entry.isSymbolicLink() ? await stat(path).catch(() => null) : entry;
      if (kind === null) continue;
      if (kind.isDirectory()) await walk(path);
      else if (kind.isFile() && entry.name.endsWith('.edn') && !entry.name.endsWith('checksums.edn')) out.push(path);
    }
  };
  await walk(root);
  return out;
}
