import type { Connection, Datom } from '@datomkit/datom-core';
import { assertChecksums, connectionSink, runNorms } from '../internal/run-norms.js';
import { readNorms } from '../norm/read-norms.js';
import type { NormStep } from './norm-step.js';
import type { NormTxFns } from './norm-tx-fn.js';

/**
 * Options of {@link ensureNorms}.
 *
 * @example
 * ```ts
 * const options: EnsureNormsOptions = { txFns: { 'my.app/backfill': backfill }, verifyChecksums: true }
 * ```
 */
export interface EnsureNormsOptions {
  /** The tx-fns the norms name, by qualified symbol. */
  readonly txFns?: NormTxFns;
  /** Compare the files with checksums.edn before applying anything (default `true`). */
  readonly verifyChecksums?: boolean;
  /**
   * How long to wait, in ms, when another runner has claimed a norm that takes several
   * transactions (a batched or split norm) and not finished it yet; then `norm/in-progress`.
   * Default 60 000.
   */
  readonly waitMs?: number;
  /** Called after each norm's step, e.g. to log progress. */
  readonly onStep?: (step: NormStep) => void;
}

/**
 * What {@link ensureNorms} did.
 *
 * @example
 * ```ts
 * const { applied } = await ensureNorms(conn, 'migrations')
 * console.log(`applied ${applied.length} norms`)
 * ```
 */
export interface EnsureNormsResult {
  /** The marker attributes' transaction, when this run installed them (the first run on a database). */
  readonly markerInstalled: readonly Datom[] | null;
  /** One step per norm in the folder, in order. */
  readonly steps: readonly NormStep[];
  /** The ids of the norms this run applied. */
  readonly applied: readonly string[];
}

/**
 * Applies every pending norm under `dir` to `conn`, once and only once, in norm-id order: each as
 * one transaction of its marker `{:tx/norm id}`, its `:tx-data`, and what its tx-fn returns.
 *
 * Before anything is transacted it reads and checks every file, verifies checksums.edn (unless
 * `verifyChecksums: false`) and looks up every pending norm's tx-fn. A failing norm throws a
 * `DatomError` naming its file (`norm/tx-fn-failed`, `norm/transact`, ...) with the steps already
 * done in `err.data.steps`: earlier norms stay applied, later ones are not run, and a rerun resumes
 * at the failed norm. Concurrent runs (other processes too) apply each norm once: the marker's id
 * is unique, so the loser's transaction is refused and reported as `applied-elsewhere`.
 *
 * @example
 * ```ts
 * const result = await ensureNorms(conn, 'migrations', { txFns: { 'my.app/backfill': backfill } })
 * for (const s of result.steps) console.log(s.id, s.status)
 * ```
 */
export async function ensureNorms(
  conn: Connection,
  dir: string,
  options: EnsureNormsOptions = {},
): Promise<EnsureNormsResult> {
  const norms = await readNorms(dir);
  if (options.verifyChecksums !== false) await assertChecksums(dir, norms);
  return runNorms(connectionSink(conn, options.waitMs), norms, options);
}

