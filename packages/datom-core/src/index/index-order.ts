import { compareValues, type Value } from '../model/value.js';
import type { ProbeCompare, RowCompare } from './btree.js';
import { DatomTable } from './datom-table.js';

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
  /** A live object of this class, kept for the reason `Filler.kept` (db/column-read.ts) gives: a database's own die when it is closed, and the next database's code ran unoptimized. */
  static readonly kept: IndexComparators = new IndexComparators(DatomTable.kept);

  readonly eavt: RowCompare;
  readonly aevt: RowCompare;
  readonly avet: RowCompare;
  readonly vaet: RowCompare;
  /**
   * The entity of a row (EAVT's leading component), for searches that compare it alone first; NaN
   * when reading it would load a page (see {@link DatomTable.entityIfLoaded}).
   */
  readonly entityOf: (row: number) => number;

  constructor(readonly table: DatomTable) {
    const tb = table;
    this.entityOf = (r) => tb.entityIfLoaded(r);
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
    if (n === 0) return () => 0;
    const p0 = probe[0];
    const p1 = probe[1];
    const p2 = probe[2];
    const p3 = probe[3] as number;
    // Specialised closures: this runs for every point lookup of every transaction.
    switch (order) {
      case 'eavt': {
        const e = p0 as number;
        const a = p1 as number;
        if (n === 1) return (r) => num(tb.e(r), e);
        if (n === 2) return (r) => num(tb.e(r), e) || num(tb.a(r), a);
        if (n === 3) return (r) => num(tb.e(r), e) || num(tb.a(r), a) || compareValues(tb.v(r), p2 as Value);
        return (r) => num(tb.e(r), e) || num(tb.a(r), a) || compareValues(tb.v(r), p2 as Value) || num(tb.t(r), p3);
      }
      case 'aevt': {
        const a = p0 as number;
        const e = p1 as number;
        if (n === 1) return (r) => num(tb.a(r), a);
        if (n === 2) return (r) => num(tb.a(r), a) || num(tb.e(r), e);
        if (n === 3) return (r) => num(tb.a(r), a) || num(tb.e(r), e) || compareValues(tb.v(r), p2 as Value);
        return (r) => num(tb.a(r), a) || num(tb.e(r), e) || compareValues(tb.v(r), p2 as Value) || num(tb.t(r), p3);
      }
      case 'avet': {
        const a = p0 as number;
        const e = p2 as number;
        if (n === 1) return (r) => num(tb.a(r), a);
        const v = p1 as Value;
        if (n === 2) return (r) => tb.compareAttrValue(r, a, v);
        if (n === 3) return (r) => tb.compareAttrValue(r, a, v) || num(tb.e(r), e);
        return (r) => tb.compareAttrValue(r, a, v) || num(tb.e(r), e) || num(tb.t(r), p3);
      }
      default: {
        const v = p0 as number;
        const a = p1 as number;
        const e = p2 as number;
        if (n === 1) return (r) => num(tb.v(r) as number, v);
        if (n === 2) return (r) => num(tb.v(r) as number, v) || num(tb.a(r), a);
        if (n === 3) return (r) => num(tb.v(r) as number, v) || num(tb.a(r), a) || num(tb.e(r), e);
        return (r) => num(tb.v(r) as number, v) || num(tb.a(r), a) || num(tb.e(r), e) || num(tb.t(r), p3);
      }
    }
  }
}
