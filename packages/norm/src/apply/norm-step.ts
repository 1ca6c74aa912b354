import type { Datom } from '@datomkit/datom-core';

/**
 * What happened to one norm in a run:
 * - `applied`: this run committed it;
 * - `skipped`: it was already applied;
 * - `applied-elsewhere`: it was pending, but another runner committed it first (this run's
 *   transaction was refused by the unique marker, so nothing was applied twice).
 *
 * @example
 * ```ts
 * const fresh = result.steps.filter((s) => s.status === 'applied')
 * ```
 */
export type NormStepStatus = 'applied' | 'skipped' | 'applied-elsewhere';

/**
 * One norm's step in {@link ensureNorms} or {@link dryRun}.
 *
 * @example
 * ```ts
 * for (const s of result.steps) console.log(s.id, s.status, s.datoms.length)
 * ```
 */
export interface NormStep {
  readonly id: string;
  readonly file: string;
  readonly status: NormStepStatus;
  /** The transaction that completed the norm, when this run applied it (`null` in a dry run). */
  readonly tx: number | null;
  /** The datoms this run wrote for the norm (every transaction of a batched norm), txInstants included. */
  readonly datoms: readonly Datom[];
  /** For a batched tx-fn, how many batches were committed in all; `null` otherwise. */
  readonly batches: number | null;
}
