import { compareValues, type Value } from '../model/value.js';
import type { ProbeCompare, RowCompare } from './btree.js';
import type { DatomTable } from './datom-table.js';

/** The four index orders. */
export type IndexOrder = 'eavt' | 'aevt' | 'avet' | 'vaet';

/** A search key: the leading components of an index, in that index's order, already resolved. */
export type Probe = readonly (number | Value)[];

function num(x: number, y: number): number {
  return x < y ? -1 : x > y ? 1 : 0;
}

/**
 * Row comparators of the four index orders over one {@link DatomTable}. After the index
 * components, rows compare by t and then by row number, so that history (where one fact can be
 * asserted and retracted many times) has a strict order too.
 */
export class IndexComparators {
  readonly eavt: RowCompare;
  readonly aevt: RowCompare;
  readonly avet: RowCompare;
  readonly vaet: RowCompare;

  constructor(readonly table: DatomTable) {
    const tb = table;
    const tail = (x: number, y: number): number => num(tb.t(x), tb.t(y)) || num(x, y);
    this.eavt = (x, y) => {
      if (x === y) return 0;
      return num(tb.e(x), tb.e(y)) || num(tb.a(x), tb.a(y)) || compareValues(tb.v(x), tb.v(y)) || tail(x, y);
    };
    this.aevt = (x, y) => {
      if (x === y) return 0;
      return num(tb.a(x), tb.a(y)) || num(tb.e(x), tb.e(y)) || compareValues(tb.v(x), tb.v(y)) || tail(x, y);
    };
    this.avet = (x, y) => {
      if (x === y) return 0;
      return num(tb.a(x), tb.a(y)) || compareValues(tb.v(x), tb.v(y)) || num(tb.e(x), tb.e(y)) || tail(x, y);
    };
    this.vaet = (x, y) => {
      if (x === y) return 0;
      return num(tb.v(x) as number, tb.v(y) as number) || num(tb.a(x), tb.a(y)) || num(tb.e(x), tb.e(y)) || tail(x, y);
    };
  }

  /** The comparator of `order`. */
  of(order: IndexOrder): RowCompare {
    return this[order];
  }

  /**
   * Compares a row with the leading components `probe` of `order` (e, a, v and tx as the order
   * lists them). Components past the probe's length are ignored, so equal means "starts with".
   */
  probe(order: IndexOrder, probe: Probe): ProbeCompare {
    const tb = this.table;
    const n = probe.length;
    const p0 = probe[0];
    const p1 = probe[1];
    const p2 = probe[2];
    const p3 = probe[3] as number;
    const field = (row: number, k: 'e' | 'a' | 'v' | 't'): number | Value =>
      k === 'e' ? tb.e(row) : k === 'a' ? tb.a(row) : k === 'v' ? tb.v(row) : tb.t(row);
    const keys: readonly ('e' | 'a' | 'v' | 't')[] =
      order === 'eavt' ? ['e', 'a', 'v', 't'] : order === 'aevt' ? ['a', 'e', 'v', 't'] : order === 'avet' ? ['a', 'v', 'e', 't'] : ['v', 'a', 'e', 't'];
    const cmpAt = (row: number, i: number, p: number | Value): number => {
      const k = keys[i] as 'e' | 'a' | 'v' | 't';
      if (k === 'v') return compareValues(tb.v(row), p as Value);
      return num(field(row, k) as number, p as number);
    };
    if (n === 0) return () => 0;
    if (n === 1) return (row) => cmpAt(row, 0, p0 as Value);
    if (n === 2) return (row) => cmpAt(row, 0, p0 as Value) || cmpAt(row, 1, p1 as Value);
    if (n === 3) return (row) => cmpAt(row, 0, p0 as Value) || cmpAt(row, 1, p1 as Value) || cmpAt(row, 2, p2 as Value);
    return (row) => cmpAt(row, 0, p0 as Value) || cmpAt(row, 1, p1 as Value) || cmpAt(row, 2, p2 as Value) || num(tb.t(row), p3);
  }
}
