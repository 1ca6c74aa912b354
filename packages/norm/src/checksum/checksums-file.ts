import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { DatomError, Keyword } from '@datomkit/datom-core';
import { parseNormText } from '../internal/parse-norm-text.js';
import { compareNormIds } from '../norm/norm-id.js';

/**
 * The file name Datahike and datomkit keep the checksums in, at the top of the norms folder.
 *
 * @example
 * ```ts
 * join('migrations', CHECKSUMS_FILE) // 'migrations/checksums.edn'
 * ```
 */
export const CHECKSUMS_FILE = 'checksums.edn';

/**
 * Reads `<dir>/checksums.edn` into a map from norm id to checksum. Fails with
 * `norm/missing-checksums` when there is none, `norm/edn` when it is malformed, and
 * `norm/checksums-file` when it is not a map of keywords to strings.
 *
 * @example
 * ```ts
 * const stored = await readChecksumsFile('migrations') // Map { '001-artist-country.edn' => 'b28a…' }
 * ```
 */
export async function readChecksumsFile(dir: string): Promise<Map<string, string>> {
  const file = join(dir, CHECKSUMS_FILE);
  const text = await readFile(file, 'utf8').catch((err: unknown) => {
    if ((err as { code?: unknown }).code !== 'ENOENT') throw err;
    throw new DatomError(
      'norm/missing-checksums',
      `${file} does not exist. Run updateChecksums('${dir}') (or \`datomkit norm checksums ${dir}\`) and commit the file.`,
      { data: { file } },
    );
  });
  const parsed = parseNormText(text, file);
  const out = new Map<string, string>();
  if (parsed === null) return out;
  if (!(parsed instanceof Map)) {
    throw new DatomError('norm/checksums-file', `${file} must hold one map {:norm-id "checksum" ...}.`, { data: { file } });
  }
  for (const [k, v] of parsed) {
    if (!(k instanceof Keyword) || typeof v !== 'string') {
      throw new DatomError(
        'norm/checksums-file',
        `${file}: every entry must be a keyword and a checksum string; found ${String(k)} ${String(v)}.`,
        { data: { file, key: String(k) } },
      );
    }
    out.set(k.fqn, v);
  }
  return out;
}

/**
 * The text of a checksums file in the layout of Clojure's `pprint` (each key and value on its own
 * line, entries separated by commas), with keys in norm order, so the file is stable under version
 * control and Datahike reads it unchanged.
 *
 * @example
 * ```ts
 * printChecksums(new Map([['001-a.edn', 'ab…']])) // '{:001-a.edn\n "ab…"}\n'
 * ```
 */
export function printChecksums(checksums: ReadonlyMap<string, string>): string {
  const ids = [...checksums.keys()].sort(compareNormIds);
  if (ids.length === 0) return '{}\n';
  const entries = ids.map((id) => `:${id}\n "${checksums.get(id) ?? ''}"`);
  return `{${entries.join(',\n ')}}\n`;
}
