import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { DatomError } from '@datomkit/datom-core';
import { listNormFiles, requireFolder } from '../internal/list-norm-files.js';
import { compareNormIds, normId } from './norm-id.js';

/**
 * The file {@link newNorm} created.
 *
 * @example
 * ```ts
 * const { file, id } = await newNorm('migrations', 'add release rating')
 * ```
 */
export interface NewNormResult {
  /** Absolute path of the new file. */
  readonly file: string;
  /** Its norm id. */
  readonly id: string;
}

const LEADING_NUMBER = /^(\d+)/;

/**
 * Creates the next norm file at the top of `dir`, named `<number>-<name>.edn` so that it sorts
 * after every existing norm: the number is the last norm's leading number plus one, padded to the
 * same width (`001` when the folder has none). Fails with `norm/numbering` when the last norm has no
 * leading number or the next one would not sort last (`99` → `100` sorts before `99`), and with
 * `norm/exists` if the file is there already. Run {@link updateChecksums} once it is written.
 *
 * @example
 * ```ts
 * await newNorm('migrations', 'add release rating') // migrations/003-add-release-rating.edn
 * ```
 */
export async function newNorm(dir: string, name: string): Promise<NewNormResult> {
  const root = await requireFolder(dir);
  const slug = name
    .trim()
    .replace(/\.edn$/, '')
    .toLowerCase()
    .replace(/[^a-z0-9._-]+/g, '-')
    .replace(/^-+|-+$/g, '');
  if (slug === '') {
    throw new DatomError('norm/name', `A norm needs a name made of letters or digits; got ${JSON.stringify(name)}.`, {
      data: { name },
    });
  }
  const ids = (await listNormFiles(root)).map((f) => normId(f)).sort(compareNormIds);
  const last = ids.at(-1);
  let prefix = '001';
  if (last !== undefined) {
    const digits = LEADING_NUMBER.exec(last)?.[1];
    if (digits === undefined) {
      throw new DatomError(
        'norm/numbering',
        `The last norm, ${last}, does not start with a number, so the next number is unclear. Name the file yourself so that it sorts last.`,
        { data: { folder: root, last } },
      );
    }
    prefix = String(BigInt(digits) + 1n).padStart(digits.length, '0');
  }
  const id = `${prefix}-${slug}.edn`;
  if (last !== undefined && compareNormIds(id, last) <= 0) {
    throw new DatomError(
      'norm/numbering',
      `${id} would sort before ${last} and apply out of order. Name the file yourself so that it sorts last.`,
      { data: { folder: root, last, id } },
    );
  }
  const file = join(root, id);
  const text = `;; ${name.trim()}\n;; Applied once, in file-name order. Never edit it once applied: add a new norm.\n{:tx-data []}\n`;
  await writeFile(file, text, { encoding: 'utf8', flag: 'wx' }).catch((err: unknown) => {
    if ((err as { code?: unknown }).code !== 'EEXIST') throw err;
    throw new DatomError('norm/exists', `${file} exists already.`, { data: { file } });
  });
  return { file, id };
}
