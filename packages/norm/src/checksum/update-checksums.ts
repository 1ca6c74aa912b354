import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { readNorms } from '../norm/read-norms.js';
import { CHECKSUMS_FILE, printChecksums } from './checksums-file.js';

/**
 * What {@link updateChecksums} wrote.
 *
 * @example
 * ```ts
 * const { file, checksums } = await updateChecksums('migrations')
 * ```
 */
export interface UpdateChecksumsResult {
  /** The checksums file written. */
  readonly file: string;
  /** Every norm id and its checksum, in norm order. */
  readonly checksums: ReadonlyMap<string, string>;
}

/**
 * Computes the checksum of every norm under `dir` and overwrites `<dir>/checksums.edn` with all
 * of them, keys sorted. Commit the file: a stale one makes two developers' new norms collide in a
 * merge, and {@link verifyChecksums} catches edits to applied norms.
 *
 * @example
 * ```ts
 * await updateChecksums('migrations')
 * ```
 */
export async function updateChecksums(dir: string): Promise<UpdateChecksumsResult> {
  const norms = await readNorms(dir);
  const checksums = new Map(norms.map((n) => [n.id, n.checksum] as const));
  const file = join(dir, CHECKSUMS_FILE);
  await writeFile(file, printChecksums(checksums), 'utf8');
  return { file, checksums };
}
