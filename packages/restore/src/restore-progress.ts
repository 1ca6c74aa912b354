/**
 * A progress report, given to `onProgress` during a restore (at most every `progressIntervalMs`,
 * and once at the end of each phase).
 *
 * @example
 * ```ts
 * onProgress: (p) => console.log(`${p.phase}: ${p.datomsWritten} datoms, ${Math.round(p.datomsPerSecond)}/s`)
 * ```
 */
export interface RestoreProgress {
  readonly phase: 'schema' | 'current-state' | 'replay' | 'done';
  /** Source datoms read (after the built-in filters, before user transforms). */
  readonly datomsRead: number;
  /** Datoms sent to the destination (data only, not the restore's bookkeeping). */
  readonly datomsWritten: number;
  /** Destination transactions committed. */
  readonly transactions: number;
  /** Source transactions replayed. */
  readonly transactionsReplayed: number;
  readonly elapsedMs: number;
  /** `datomsWritten` per second since the start. */
  readonly datomsPerSecond: number;
}

/**
 * Statistics of a finished restore step.
 *
 * @example
 * ```ts
 * const { stats } = await currentStateRestore({ sourceDb, destConn })
 * console.log(stats.datomsPerSecond)
 * ```
 */
export interface RestoreStats {
  readonly datomsRead: number;
  readonly datomsWritten: number;
  readonly transactions: number;
  readonly transactionsReplayed: number;
  readonly durationMs: number;
  readonly datomsPerSecond: number;
}
