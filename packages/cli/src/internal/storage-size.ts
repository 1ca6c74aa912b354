import { readdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { parseDatabaseUri } from '@datomkit/datom-core';

/**
 * Bytes and files the database at `uri` takes on disk, or `null` for one that is not on disk
 * (`mem://`).
 *
 * @example
 * ```ts
 * await sizeOnDisk('file:./data/music') // { bytes: 1048576, files: 4 }
 * ```
 */
export async function sizeOnDisk(uri: string): Promise<{ bytes: number; files: number } | null> {
  const u = parseDatabaseUri(uri);
  if (u.kind !== 'file') return null;
  let bytes = 0;
  let files = 0;
  const walk = async (dir: string): Promise<void> => {
    for (const entry of await readdir(dir, { withFileTypes: true })) {
      const p = join(dir, entry.name);
      if (entry.isDirectory()) await walk(p);
      else if (entry.isFile()) {
        bytes += (await stat(p)).size;
        files++;
      }
    }
  };
  await walk(u.path);
  return { bytes, files };
}
