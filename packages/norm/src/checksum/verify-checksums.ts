import { join } from 'node:path';
import type { NormFile } from '../norm/norm-file.js';
import { readNorms } from '../norm/read-norms.js';
import { CHECKSUMS_FILE, readChecksumsFile } from './checksums-file.js';

/**
 * A norm whose file no longer matches the checksum recorded for it.
 *
 * @example
 * ```ts
 * for (const c of verification.changed) console.log(c.id, c.recorded.slice(0, 8), '->', c.actual.slice(0, 8))
 * ```
 */
export interface ChangedChecksum {
  readonly id: string;
  /** The checksum in checksums.edn. */
  readonly recorded: string;
  /** The checksum of the file now. */
  readonly actual: string;
}

/**
 * The outcome of {@link verifyChecksums}: an exact two-way comparison of the norm files with
 * checksums.edn.
 *
 * @example
 * ```ts
 * const v = await verifyChecksums('migrations')
 * if (!v.ok) console.log(v.added, v.missing, v.changed)
 * ```
 */
export interface ChecksumVerification {
  /** True when files and checksums.edn agree exactly. */
  readonly ok: boolean;
  /** The checksums file compared against. */
  readonly file: string;
  /** Norm ids with a file but no recorded checksum (new norms; run updateChecksums). */
  readonly added: readonly string[];
  /** Norm ids with a recorded checksum but no file (deleted or renamed norms). */
  readonly missing: readonly string[];
  /** Norms whose file changed since its checksum was recorded. */
  readonly changed: readonly ChangedChecksum[];
}

/**
 * Compares the checksum of every norm under `dir` with `<dir>/checksums.edn`. Unlike Datahike's
 * `verify-checksums` it does not throw on a deviation; it reports what is new, missing and changed
 * (`ensureNorms` turns a deviation into `norm/checksum-mismatch`). A missing checksums.edn is
 * `norm/missing-checksums`.
 *
 * @param dir - the migrations folder, holding checksums.edn at its top.
 * @param norms - the folder's norms when already read (by {@link readNorms}); read otherwise.
 * @example
 * ```ts
 * const { ok } = await verifyChecksums('migrations')
 * ```
 */
export async function verifyChecksums(dir: string, norms?: readonly NormFile[]): Promise<ChecksumVerification> {
  const files = norms ?? (await readNorms(dir));
  const recorded = await readChecksumsFile(dir);
  const added: string[] = [];
  const changed: ChangedChecksum[] = [];
  const seen = new Set<string>();
  for (const n of files) {
    seen.add(n.id);
    const r = recorded.get(n.id);
    if (r === undefined) added.push(n.id);
    else if (r !== n.checksum) changed.push({ id: n.id, recorded: r, actual: n.checksum });
  }
  const missing = [...recorded.keys()].filter((id) => !seen.has(id)).sort();
  return {
    ok: added.length === 0 && missing.length === 0 && changed.length === 0,
    file: join(dir, CHECKSUMS_FILE),
    added,
    missing,
    changed,
  };
}
