import type { Connection, Database } from '@datomkit/datom-core';
import { readMarkers } from '../marker/norm-marker.js';
import { compareNormIds } from '../norm/norm-id.js';
import { readNorms } from '../norm/read-norms.js';

/**
 * The state of one norm:
 * - `applied`: applied, and the file still has the checksum recorded then (or none was recorded);
 * - `changed`: applied, but the file changed since (its checksum differs from the recorded one);
 * - `pending`: in the folder, not applied;
 * - `partial`: a batched norm started but not finished (interrupted, or running elsewhere);
 * - `missing`: applied, but no file in this folder has its id (deleted, renamed, or from another
 *   folder: with several norm folders, each one's status lists the others' norms as missing).
 *
 * @example
 * ```ts
 * const state: NormState = 'pending'
 * ```
 */
export type NormState = 'applied' | 'changed' | 'pending' | 'partial' | 'missing';

/**
 * One line of {@link normStatus}.
 *
 * @example
 * ```ts
 * for (const n of status.norms) console.log(n.state.padEnd(8), n.id, n.appliedAt?.toISOString() ?? '')
 * ```
 */
export interface NormStatusEntry {
  readonly id: string;
  readonly state: NormState;
  /** The norm file, or `null` for a `missing` norm. */
  readonly file: string | null;
  /** The file's checksum now, or `null` for a `missing` norm. */
  readonly checksum: string | null;
  /** The checksum recorded when it was applied (`null` if not applied, or applied by Datahike). */
  readonly appliedChecksum: string | null;
  /** When it was applied: the `:db/txInstant` of the transaction that marked it. */
  readonly appliedAt: Date | null;
  /** That transaction. */
  readonly tx: number | null;
}

/**
 * The outcome of {@link normStatus}.
 *
 * @example
 * ```ts
 * if (status.pending.length > 0) process.exitCode = 3
 * ```
 */
export interface NormStatus {
  /** The folder's norms in order, then the applied norms with no file, by id. */
  readonly norms: readonly NormStatusEntry[];
  /** Ids of the pending norms, in the order they would apply. */
  readonly pending: readonly string[];
  /** True when every norm of the folder is applied, none changed, and none half-done. */
  readonly upToDate: boolean;
}

/**
 * Compares the norms under `dir` with what the database records: each norm applied, changed since
 * applied, pending, partly applied, or applied but missing from the folder.
 *
 * @example
 * ```ts
 * const { norms } = await normStatus(conn, 'migrations')
 * console.table(norms.map(({ id, state }) => ({ id, state })))
 * ```
 */
export async function normStatus(conn: Connection | Database, dir: string): Promise<NormStatus> {
  const norms = await readNorms(dir);
  const db = 'transact' in conn ? conn.db() : conn;
  const markers = await readMarkers(db);
  const entries: NormStatusEntry[] = [];
  for (const n of norms) {
    const m = markers.get(n.id);
    let state: NormState = 'pending';
    if (m !== undefined) {
      if (!m.complete) state = 'partial';
      else state = m.checksum !== null && m.checksum !== n.checksum ? 'changed' : 'applied';
    }
    entries.push({
      id: n.id,
      state,
      file: n.file,
      checksum: n.checksum,
      appliedChecksum: m?.checksum ?? null,
      appliedAt: m?.appliedAt ?? null,
      tx: m?.tx ?? null,
    });
  }
  const inFolder = new Set(norms.map((n) => n.id));
  const missing = [...markers.values()]
    .filter((m) => m.complete && !inFolder.has(m.id))
    .sort((a, b) => compareNormIds(a.id, b.id));
  for (const m of missing) {
    entries.push({
      id: m.id,
      state: 'missing',
      file: null,
      checksum: null,
      appliedChecksum: m.checksum,
      appliedAt: m.appliedAt,
      tx: m.tx,
    });
  }
  const pending = entries.filter((e) => e.state === 'pending').map((e) => e.id);
  const upToDate = entries.every((e) => e.state === 'applied' || e.state === 'missing');
  return { norms: entries, pending, upToDate };
}
