import type { DatomTable } from '../index/datom-table.js';
import type { AttrInfo } from '../schema/schema.js';
import type { Op } from './op.js';

/** A datom to retract and the live row that holds it. */
export interface Retraction {
  readonly op: Op;
  /** The live row being retracted. */
  readonly row: number;
}

/** Set membership of rows by a scan up to this many rows; past it, through a Set. */
const SCAN_ROWS = 8;

/**
 * The retractions a transaction will write, each of a distinct live row. Most transactions retract
 * nothing or a few rows, so membership is a scan until there are enough rows to pay for a Set.
 */
export class Retractions {
  /** A live object of this class, kept as `Tempids.kept` (tx/expand-tx.ts) is: one is made per transaction. */
  static readonly kept: Retractions = new Retractions();
  readonly list: Retraction[] = [];
  #rows: Set<number> | null = null;

  /** True when `row` is retracted already. */
  has(row: number): boolean {
    const rows = this.#rows;
    if (rows !== null) return rows.has(row);
    const list = this.list;
    for (let i = 0; i < list.length; i++) if ((list[i] as Retraction).row === row) return true;
    return false;
  }

  /**
   * Adds the retraction of live row `row`, a datom of `[e a]` that this transaction replaces
   * (an old cardinality-one value, an outdated composite tuple), unless it is retracted already.
   */
  replace(table: DatomTable, e: number, a: AttrInfo, row: number, form: unknown): void {
    if (!this.has(row)) this.push({ add: false, e, a, v: table.v(row), form, row }, row);
  }

  /** Adds the retraction of `row` (not retracted yet). */
  push(op: Op, row: number): void {
    const list = this.list;
    list.push({ op, row });
    if (this.#rows !== null) this.#rows.add(row);
    else if (list.length > SCAN_ROWS) this.#rows = new Set(list.map((r) => r.row));
  }
}
