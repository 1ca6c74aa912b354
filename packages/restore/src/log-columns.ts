import { type Datom, type TxLogEntry, type Value, txToT } from '@datomkit/datom-core';

/**
 * Source transactions as columns, the batch form of the replay stage (`LogReplay.replayColumns`):
 * transaction `k` has `t[k]` and `tx[k]`, and its datoms are the rows `start[k]` to
 * `start[k + 1] - 1` of `e`, `a`, `v` and `added`. A reader fills it without making a `Datom` per
 * datom (a backup file's restore makes hundreds of thousands): the columns hold numbers and values
 * only, which the young generation's collections do not copy one by one, where a `Datom` each kept
 * until its batch is written was a third of a restore's collection work. {@link entry} makes a
 * transaction's datoms for the paths that take `Datom`s.
 *
 * @example
 * ```ts
 * const cols = LogColumns.of([entry]) // or, from a reader: cols.row(e, a, v, added) ..., cols.endTx(tx)
 * cols.entry(0).data.length === entry.data.length // true
 * ```
 */
export class LogColumns {
  /** A live object of this class, kept for the reason datom-core's `Filler.kept` (db/column-read.ts) gives: without one, each full collection between two restores drops the optimized code of this class's methods. */
  static readonly kept: LogColumns = LogColumns.#keptColumns();

  /** The `kept` object, with a transaction of the usual shape: its `tx` a double, its rows Smis. */
  static #keptColumns(): LogColumns {
    const cols = new LogColumns();
    cols.row(0.5, 1, 1, true);
    cols.endTx(0.5);
    return cols;
  }

  /** The t of each transaction. */
  readonly t: number[] = [];
  /** The transaction entity id of each transaction. */
  readonly tx: number[] = [];
  /** The first row of each transaction, and after the last one the number of rows. */
  readonly start: number[] = [0];
  /** The entity of each row (rows from {@link rows} on are free room). */
  e: Float64Array;
  /** The attribute of each row. */
  a: Float64Array;
  /** The value of each row (past {@link rows}: free room, or values of dropped rows). */
  readonly v: Value[];
  /** Whether each row is an assertion (1) or a retraction (0). */
  added: Uint8Array;
  #rows = 0;

  /**
   * Empty columns with room for `capacity` rows (they grow past it as needed): typed columns, which
   * hold their numbers outside the JavaScript heap, so the collector neither copies nor scans them.
   */
  constructor(capacity = 64) {
    this.e = new Float64Array(capacity);
    this.a = new Float64Array(capacity);
    this.added = new Uint8Array(capacity);
    this.v = valueColumn(capacity);
  }

  /**
   * The columns of `entries`, in their order.
   *
   * @example
   * ```ts
   * const cols = LogColumns.of([{ t: 1, tx: tToTx(1), data: [] }]) // cols.count: 1
   * ```
   */
  static of(entries: readonly TxLogEntry[]): LogColumns {
    let rows = 0;
    for (const entry of entries) rows += entry.data.length;
    const cols = new LogColumns(rows);
    for (const entry of entries) cols.push(entry);
    return cols;
  }

  /** How many transactions the columns hold. */
  get count(): number {
    return this.t.length;
  }

  /** How many datoms (rows) the columns hold, those of a transaction not ended yet included. */
  get rows(): number {
    return this.#rows;
  }

  /**
   * Appends a datom of the transaction being read; {@link endTx} ends the transaction.
   *
   * @example
   * ```ts
   * const cols = new LogColumns()
 * cols.row(1000, attrId, 'Nina', true)
 * cols.rows // 1
   * ```
   */
  row(e: number, a: number, v: Value, added: boolean): void {
    const i = this.#rows;
    if (i === this.e.length) this.#grow();
    this.e[i] = e;
    this.a[i] = a;
    this.added[i] = added ? 1 : 0;
    this.v[i] = v;
    this.#rows = i + 1;
  }

  /** Doubles the room for rows. */
  #grow(): void {
    const n = Math.max(64, 2 * this.e.length);
    const e = new Float64Array(n);
    e.set(this.e);
    this.e = e;
    const a = new Float64Array(n);
    a.set(this.a);
    this.a = a;
    const added = new Uint8Array(n);
    added.set(this.added);
    this.added = added;
  }

  /**
   * Ends the transaction whose datoms {@link row} appended since the last one ended: transaction
   * entity `tx`, its t worked out from it.
   *
   * @example
   * ```ts
   * const cols = new LogColumns()
 * cols.row(1000, attrId, 'Nina', true)
 * cols.endTx(tToTx(7))
 * cols.t[0] // 7
   * ```
   */
  endTx(tx: number): void {
    this.t.push(txToT(tx));
    this.tx.push(tx);
    this.start.push(this.#rows);
  }

  /**
   * Drops the rows appended since the last transaction ended (a reader that gave up on a line).
   *
   * @example
   * ```ts
   * const cols = new LogColumns()
 * cols.row(1000, attrId, 'Nina', true)
 * cols.dropOpen()
 * cols.rows // 0
   * ```
   */
  dropOpen(): void {
    this.#rows = this.start[this.start.length - 1] as number;
  }

  /**
   * Empties the columns, keeping their room (a reader that takes one transaction at a time).
   *
   * @example
   * ```ts
   * const cols = LogColumns.of([entry])
   * cols.clear()
   * cols.count // 0
   * ```
   */
  clear(): void {
    this.t.length = 0;
    this.tx.length = 0;
    this.start.length = 1;
    this.#rows = 0;
  }

  /**
   * Appends a transaction.
   *
   * @example
   * ```ts
   * const cols = new LogColumns()
 * cols.push({ t: 7, tx: tToTx(7), data: [{ e: 1000, a: attrId, v: 'Nina', tx: tToTx(7), added: true }] })
 * cols.count // 1
   * ```
   */
  push(entry: TxLogEntry): void {
    for (const d of entry.data) this.row(d.e, d.a, d.v, d.added);
    this.t.push(entry.t);
    this.tx.push(entry.tx);
    this.start.push(this.#rows);
  }

  /**
   * Row `i` as a datom of transaction `k`.
   *
   * @example
   * ```ts
   * const cols = LogColumns.of([entry])
 * const d = cols.datom(0, cols.start[0]) // the first datom of the first transaction
   * ```
   */
  datom(k: number, i: number): Datom {
    return { e: this.e[i] as number, a: this.a[i] as number, v: this.v[i] as Value, tx: this.tx[k] as number, added: this.added[i] === 1 };
  }

  /**
   * The datoms of rows `from` to `to - 1`, of transaction `k`.
   *
   * @example
   * ```ts
   * const cols = LogColumns.of([entry])
 * const data = cols.datoms(0, cols.start[0], cols.start[1]) // entry.data again
   * ```
   */
  datoms(k: number, from: number, to: number): Datom[] {
    const out = new Array<Datom>(to - from);
    for (let i = from; i < to; i++) out[i - from] = this.datom(k, i);
    return out;
  }

  /**
   * Transaction `k` with its datoms.
   *
   * @example
   * ```ts
   * const cols = LogColumns.of([entry])
 * const again = cols.entry(0) // { t, tx, data }, equal to entry
   * ```
   */
  entry(k: number): TxLogEntry {
    return { t: this.t[k] as number, tx: this.tx[k] as number, data: this.datoms(k, this.start[k] as number, this.start[k + 1] as number) };
  }
}

/**
 * An array for `capacity` values, written in order from 0: its room is made at once, up to a size
 * past which `new Array(n)` would make a slow (dictionary) array; past that, writes append.
 */
export function valueColumn(capacity: number): Value[] {
  return new Array<Value>(Math.min(capacity, 1 << 16));
}

/**
 * Some rows of one transaction of a {@link LogColumns}: the datoms of a source transaction the
 * replay stage writes (its user datoms after the pipeline's transforms).
 *
 * @example
 * ```ts
 * const cols = LogColumns.of([entry])
 * const rows = new Rows(cols, 0, cols.start[0] + 1, cols.start[1]) // transaction 0 without its leading txInstant
 * ```
 */
export class Rows {
  /** A live object of this class, kept for the reason {@link LogColumns.kept} gives. */
  static readonly kept: Rows = new Rows(LogColumns.kept, 0, 0, 1);

  constructor(
    readonly cols: LogColumns,
    /** The transaction the rows belong to. */
    readonly k: number,
    readonly from: number,
    readonly to: number,
    /** The source transaction, when the rows are not its own (the datoms the transforms kept, say); else it is transaction `k` of `cols`. */
    readonly origin: TxLogEntry | null = null,
  ) {}

  /** How many rows. */
  get length(): number {
    return this.to - this.from;
  }

  /** The source transaction's t. */
  get t(): number {
    return this.cols.t[this.k] as number;
  }

  /**
   * Row `i` (of the columns, from `from` to `to - 1`) as a datom.
   *
   * @example
   * ```ts
   * const rows = new Rows(LogColumns.of([entry]), 0, 0, entry.data.length)
 * const first = rows.datom(rows.from) // entry.data[0] again
   * ```
   */
  datom(i: number): Datom {
    return this.cols.datom(this.k, i);
  }

  /**
   * The rows as datoms.
   *
   * @example
   * ```ts
   * const rows = new Rows(LogColumns.of([entry]), 0, 0, entry.data.length)
 * const data = rows.datoms() // entry.data again
   * ```
   */
  datoms(): Datom[] {
    return this.cols.datoms(this.k, this.from, this.to);
  }

  /**
   * The source transaction, with all its datoms.
   *
   * @example
   * ```ts
   * const rows = new Rows(LogColumns.of([entry]), 0, 1, entry.data.length)
 * const source = rows.entry() // { t, tx, data }: all of entry's datoms
   * ```
   */
  entry(): TxLogEntry {
    return this.origin ?? this.cols.entry(this.k);
  }
}
