/**
 * One transaction of the log: its t, the table rows it wrote (consecutive, its txInstant first) and
 * its txInstant in ms.
 */
export class LogEntry {
  /**
   * A live entry and log, kept for the reason `Filler.kept` (db/column-read.ts) gives: both die with
   * their database, and the next database's commits ran unoptimized until compiled again. The
   * entry's numbers are fractions: a field that first held a small integer gets another shape than
   * one that holds a double, and the entries that {@link TxLog.at} makes hold doubles.
   */
  static readonly kept: LogEntry = new LogEntry(0.5, 0.5, 0.5, 0.5);
  constructor(
    readonly t: number,
    readonly start: number,
    readonly count: number,
    /** Its txInstant, in ms. */
    readonly instant: number,
  ) {}

  /** The transaction's rows, its txInstant first. */
  get rows(): number[] {
    const out = new Array<number>(this.count);
    for (let i = 0; i < this.count; i++) out[i] = this.start + i;
    return out;
  }
}

/** Numbers kept per transaction: t, first row, row count, txInstant. */
const WIDTH = 4;

/**
 * The transactions of a database in t order, kept as columns of numbers rather than an object per
 * transaction: a database lives through millions of small transactions, and an object each was most
 * of what every one of them left on the heap for the collector to copy and keep.
 *
 * @example
 * ```ts
 * const log = new TxLog()
 * log.push(1, 40, 3, Date.now())
 * log.rowsOf(1) // [40, 41, 42]
 * ```
 */
export class TxLog {
  /** Kept as {@link LogEntry.kept} is. */
  static readonly kept: TxLog = new TxLog(1);
  #cols: Float64Array;
  #n = 0;

  constructor(capacity = 64) {
    this.#cols = new Float64Array(Math.max(1, capacity) * WIDTH);
  }

  /** A log of `entries`, in the order given (t ascending). */
  static from(entries: Iterable<{ readonly t: number; readonly start: number; readonly count: number; readonly instant: number }>): TxLog {
    const log = new TxLog();
    for (const e of entries) log.push(e.t, e.start, e.count, e.instant);
    return log;
  }

  /** Transactions in the log. */
  get length(): number {
    return this.#n;
  }

  /** Appends transaction `t`, which wrote `count` rows from `start`, at `instant` ms. */
  push(t: number, start: number, count: number, instant: number): void {
    let cols = this.#cols;
    const at = this.#n * WIDTH;
    if (at === cols.length) {
      const grown = new Float64Array(cols.length * 2);
      grown.set(cols);
      this.#cols = cols = grown;
    }
    cols[at] = t;
    cols[at + 1] = start;
    cols[at + 2] = count;
    cols[at + 3] = instant;
    this.#n++;
  }

  /** Appends transaction `t`, which wrote `rows` (consecutive), at `instant` ms. */
  pushRows(t: number, rows: readonly number[], instant: number): void {
    this.push(t, rows[0] ?? 0, rows.length, instant);
  }

  /** The t of entry `i`. */
  t(i: number): number {
    return this.#cols[i * WIDTH] as number;
  }

  /** The row count of entry `i`. */
  count(i: number): number {
    return this.#cols[i * WIDTH + 2] as number;
  }

  /** The txInstant of entry `i`, in ms. */
  instant(i: number): number {
    return this.#cols[i * WIDTH + 3] as number;
  }

  /** Entry `i` as an object, or undefined past the end. */
  at(i: number): LogEntry | undefined {
    if (i < 0 || i >= this.#n) return undefined;
    const c = this.#cols;
    const k = i * WIDTH;
    return new LogEntry(c[k] as number, c[k + 1] as number, c[k + 2] as number, c[k + 3] as number);
  }

  /** The index of transaction `t`, or -1 when the log does not hold it. */
  indexOf(t: number): number {
    // A log from t = 1 has t at index t - 1; one that starts later is searched.
    if (t - 1 < this.#n && t >= 1 && this.t(t - 1) === t) return t - 1;
    let lo = 0;
    let hi = this.#n - 1;
    while (lo <= hi) {
      const mid = (lo + hi) >>> 1;
      const m = this.t(mid);
      if (m === t) return mid;
      if (m < t) lo = mid + 1;
      else hi = mid - 1;
    }
    return -1;
  }

  /** The rows transaction `t` wrote, or undefined when the log does not hold it. */
  rowsOf(t: number): number[] | undefined {
    const i = this.indexOf(t);
    return i === -1 ? undefined : (this.at(i) as LogEntry).rows;
  }

  /** A copy of entries `from` (inclusive) to `to` (exclusive). */
  slice(from = 0, to = this.#n): TxLog {
    const lo = Math.max(0, Math.min(from, this.#n));
    const hi = Math.max(lo, Math.min(to, this.#n));
    const out = new TxLog(hi - lo);
    out.#cols.set(this.#cols.subarray(lo * WIDTH, hi * WIDTH));
    out.#n = hi - lo;
    return out;
  }

  /** The entries, in order. */
  *[Symbol.iterator](): IterableIterator<LogEntry> {
    for (let i = 0; i < this.#n; i++) yield this.at(i) as LogEntry;
  }
}
