import type { RestoreProgress, RestoreStats } from '../restore-progress.js';

/** Counts progress and calls `onProgress`, throttled. */
export class ProgressMeter {
  datomsRead = 0;
  datomsWritten = 0;
  transactions = 0;
  transactionsReplayed = 0;
  readonly #start = performance.now();
  readonly #every: number;
  readonly #on: ((p: RestoreProgress) => void) | undefined;
  #last = 0;
  phase: RestoreProgress['phase'] = 'schema';

  constructor(onProgress: ((p: RestoreProgress) => void) | undefined, everyMs = 200) {
    this.#on = onProgress;
    this.#every = everyMs;
  }

  snapshot(): RestoreProgress {
    const elapsedMs = performance.now() - this.#start;
    return {
      phase: this.phase,
      datomsRead: this.datomsRead,
      datomsWritten: this.datomsWritten,
      transactions: this.transactions,
      transactionsReplayed: this.transactionsReplayed,
      elapsedMs,
      datomsPerSecond: elapsedMs > 0 ? (this.datomsWritten * 1000) / elapsedMs : 0,
    };
  }

  tick(force = false): void {
    if (this.#on === undefined) return;
    const now = performance.now();
    if (!force && now - this.#last < this.#every) return;
    this.#last = now;
    this.#on(this.snapshot());
  }

  stats(): RestoreStats {
    const s = this.snapshot();
    return {
      datomsRead: s.datomsRead,
      datomsWritten: s.datomsWritten,
      transactions: s.transactions,
      transactionsReplayed: s.transactionsReplayed,
      durationMs: s.elapsedMs,
      datomsPerSecond: s.datomsPerSecond,
    };
  }
}
