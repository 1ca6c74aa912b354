/**
 * Progress of a backup, an export or a restore from a file, given to its `progress` callback.
 *
 * @example
 * ```ts
 * progress: (p) => console.error(`t ${p.t}: ${p.transactions} transactions, ${Math.round(p.fraction * 100)}%`)
 * ```
 */
export interface BackupProgress {
  /** The source t reached. */
  readonly t: number;
  /** Transactions written (or replayed) so far. */
  readonly transactions: number;
  readonly datoms: number;
  readonly bytes: number;
  /** The share of the t range covered, 0 to 1 (by t: transactions are not all the same size). */
  readonly fraction: number;
  readonly elapsedMs: number;
  readonly done: boolean;
}

/** Calls a progress callback at most every `intervalMs`, and once at the end. */
export class ProgressClock {
  readonly #fn: ((p: BackupProgress) => void) | undefined;
  readonly #interval: number;
  readonly #start = performance.now();
  #last = 0;
  t: number;

  constructor(
    fn: ((p: BackupProgress) => void) | undefined,
    intervalMs: number | undefined,
    readonly fromT: number,
    /** Exclusive end of the t range. */
    readonly endT: number,
  ) {
    this.#fn = fn;
    this.#interval = intervalMs ?? 200;
    this.t = fromT - 1;
  }

  report(transactions: number, datoms: number, bytes: number, done = false): void {
    if (this.#fn === undefined) return;
    const now = performance.now();
    if (!done && now - this.#last < this.#interval) return;
    this.#last = now;
    const span = this.endT - this.fromT;
    const fraction = done || span <= 0 ? 1 : Math.min(1, Math.max(0, (this.t - this.fromT + 1) / span));
    this.#fn({ t: this.t, transactions, datoms, bytes, fraction, elapsedMs: now - this.#start, done });
  }
}
