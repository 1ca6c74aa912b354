import type { Datom } from '@datomkit/datom-core';

/**
 * What a restore does with a datom it cannot map faithfully:
 *
 * - a ref (or a tuple element ref) to a **transaction entity** that the destination has no copy of
 *   (every transaction of a current-state copy, and those before the basis during replay);
 * - a ref to **nowhere**: an entity id with no datoms in the source (Datomic allows these);
 * - a datom **about** a transaction entity in a current-state copy (transaction metadata).
 *
 * `'placeholder'` (the default) keeps the datom: the target becomes a destination entity that
 * carries only its `datomkit.restore/source-eid`, so the ref still resolves through the mapping
 * and transaction metadata lands on that stand-in. `'skip'` leaves the datom out. `'error'` fails
 * the run with `restore/ref-unresolved`. Every case is counted in the result and passed to
 * `onUnmappable`, whatever the policy: nothing is lost silently.
 *
 * @example
 * ```ts
 * await currentStateRestore({ sourceDb, destConn, unmappableRefs: 'skip', onUnmappable: (u) => log(u) })
 * ```
 */
export type UnmappableRefPolicy = 'placeholder' | 'skip' | 'error';

/**
 * One datom that could not be mapped faithfully, and what was done with it.
 *
 * @example
 * ```ts
 * onUnmappable: (u: UnmappableRef) => console.warn(u.kind, u.target, u.action)
 * ```
 */
export interface UnmappableRef {
  readonly kind: 'tx-entity-ref' | 'dangling-ref' | 'tx-entity-datom';
  /** The source datom. */
  readonly datom: Datom;
  /** The source entity id that has no faithful counterpart. */
  readonly target: number;
  /** What the restore did: kept it with a placeholder, or left it out. */
  readonly action: 'placeholder' | 'skipped';
}

/**
 * Counts of {@link UnmappableRef}s by kind, with the first few as samples.
 *
 * @example
 * ```ts
 * result.unmappable.danglingRefs // refs to entities the source does not hold, e.g. 2
 * ```
 */
export interface UnmappableReport {
  txEntityRefs: number;
  danglingRefs: number;
  txEntityDatoms: number;
  readonly samples: UnmappableRef[];
}

/**
 * An empty {@link UnmappableReport}.
 *
 * @example
 * ```ts
 * const report = emptyUnmappableReport()
 * ```
 */
export function emptyUnmappableReport(): UnmappableReport {
  return { txEntityRefs: 0, danglingRefs: 0, txEntityDatoms: 0, samples: [] };
}

const MAX_SAMPLES = 100;

/**
 * Adds `u` to `report`.
 *
 * @example
 * ```ts
 * const report = emptyUnmappableReport()
 * noteUnmappable(report, { kind: 'dangling-ref', datom, target: 5000, action: 'placeholder' })
 * ```
 */
export function noteUnmappable(report: UnmappableReport, u: UnmappableRef): void {
  if (u.kind === 'tx-entity-ref') report.txEntityRefs++;
  else if (u.kind === 'dangling-ref') report.danglingRefs++;
  else report.txEntityDatoms++;
  if (report.samples.length < MAX_SAMPLES) report.samples.push(u);
}
