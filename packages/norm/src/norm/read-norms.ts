import { readFile } from 'node:fs/promises';
import { basename, relative, sep } from 'node:path';
import { DatomError, Keyword, Sym, kw } from '@datomkit/datom-core';
import { normChecksum } from '../checksum/norm-checksum.js';
import { listNormFiles, requireFolder } from '../internal/list-norm-files.js';
import { parseNormText } from '../internal/parse-norm-text.js';
import { compareNormIds, normId } from './norm-id.js';
import type { NormFile } from './norm-file.js';

const TX_DATA = kw('tx-data');
const TX_FN = kw('tx-fn');

/**
 * Reads one norm file and checks its shape: a map (or an empty file), whose `:tx-data`, if present,
 * is a vector and whose `:tx-fn`, if present, is a namespace-qualified symbol. Other keys are
 * ignored, as in Datahike.
 *
 * @example
 * ```ts
 * const norm = await readNormFile('migrations/001-artist-country.edn', 'migrations')
 * ```
 */
export async function readNormFile(file: string, root: string): Promise<NormFile> {
  const text = await readFile(file, 'utf8');
  const parsed = parseNormText(text, file);
  const relativePath = relative(root, file).split(sep).join('/');
  const id = normId(basename(file));
  if (parsed !== null && !(parsed instanceof Map)) {
    throw new DatomError(
      'norm/not-a-map',
      `${file}: a norm must be a map such as {:tx-data [...]} or {:tx-fn my.app/fn}, not ${describe(parsed)}.`,
      { data: { file, norm: id } },
    );
  }
  let txData: readonly unknown[] | null = null;
  let txFn: string | null = null;
  if (parsed instanceof Map) {
    if (parsed.has(TX_DATA)) {
      const v: unknown = parsed.get(TX_DATA);
      if (!Array.isArray(v)) {
        throw new DatomError('norm/tx-data', `${file}: :tx-data must be a vector [...], not ${describe(v)}.`, {
          data: { file, norm: id },
        });
      }
      txData = v;
    }
    if (parsed.has(TX_FN)) {
      const v: unknown = parsed.get(TX_FN);
      if (!(v instanceof Sym) || v.namespace === null || v.name === '') {
        throw new DatomError(
          'norm/tx-fn',
          `${file}: :tx-fn must be a namespace-qualified symbol such as my.app/backfill, not ${describe(v)}.`,
          { data: { file, norm: id } },
        );
      }
      txFn = v.fqn;
    }
  }
  return Object.freeze({ id, file, relativePath, txData, txFn, checksum: normChecksum(parsed) });
}

/**
 * Reads every norm under `dir` (subfolders included, `*.edn` only, `*checksums.edn` skipped),
 * checks each one, and returns them in the order they apply: by id, in UTF-16 code-unit order.
 * Fails with `norm/missing-folder`, `norm/edn`, `norm/not-a-map`, `norm/tx-data`, `norm/tx-fn` or
 * `norm/duplicate-id` (two files with the same name in different subfolders), naming the file.
 *
 * @example
 * ```ts
 * for (const n of await readNorms('migrations')) console.log(n.id, n.checksum.slice(0, 8))
 * ```
 */
export async function readNorms(dir: string): Promise<NormFile[]> {
  const root = await requireFolder(dir);
  const files = await listNormFiles(root);
  const norms: NormFile[] = [];
  for (const file of files.sort()) norms.push(await readNormFile(file, root));
  norms.sort((a, b) => compareNormIds(a.id, b.id));
  for (let i = 1; i < norms.length; i++) {
    const a = norms[i - 1] as NormFile;
    const b = norms[i] as NormFile;
    if (a.id === b.id) {
      throw new DatomError(
        'norm/duplicate-id',
        `${a.file} and ${b.file} have the same norm id :${a.id}. Rename one of them: a norm id must be unique.`,
        { data: { norm: a.id, files: [a.file, b.file] } },
      );
    }
  }
  return norms;
}

function describe(v: unknown): string {
  if (v === null || v === undefined) return 'nil';
  if (Array.isArray(v)) return 'a vector';
  if (v instanceof Map) return 'a map';
  if (v instanceof Keyword) return `the keyword ${v.toString()}`;
  if (v instanceof Sym) return `the unqualified symbol ${v.fqn}`;
  if (typeof v === 'string') return `the string ${JSON.stringify(v)}`;
  if (typeof v === 'object') return `a ${v.constructor.name === 'EdnList' ? 'list' : v.constructor.name === 'EdnSet' ? 'set' : v.constructor.name}`;
  return `the ${typeof v} ${String(v)}`;
}
