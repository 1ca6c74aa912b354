import type { RowCompare } from './btree.js';
import type { DatomTable } from './datom-table.js';
import { compareValues, type Value } from '../model/value.js';

/**
 * `rows` in the order of `cmp`, an order that leads with the attribute: grouped by attribute in one
 * pass, then each group sorted. Catching up a large novelty sorts it. In AEVT the rows of one
 * attribute were mostly written in entity order, so each group is one run, which the sort takes in
 * a single pass. In AVET (`valueFirst`) a group is sorted by its values, entities and t read out of
 * the table once, rather than at every comparison.
 */
export function sortByAttribute(rows: readonly number[], table: DatomTable, cmp: RowCompare, valueFirst: boolean): number[] {
  const out = new Array<number>(rows.length);
  let k = 0;
  for (const g of groupByAttribute(rows, (r) => table.a(r))) {
    if (valueFirst && g.length > 1) {
      const n = g.length;
      const vs = new Array<Value>(n);
      const es = new Float64Array(n);
      const ts = new Float64Array(n);
      const order = new Array<number>(n);
      for (let i = 0; i < n; i++) {
        const r = g[i] as number;
        vs[i] = table.v(r);
        es[i] = table.e(r);
        ts[i] = table.t(r);
        order[i] = i;
      }
      // The order of IndexComparators.avet within one attribute: value, entity, t, row.
      order.sort((x, y) => compareValues(vs[x], vs[y]) || (es[x] as number) - (es[y] as number) || (ts[x] as number) - (ts[y] as number) || (g[x] as number) - (g[y] as number));
      for (let i = 0; i < n; i++) out[k++] = g[order[i] as number] as number;
    } else {
      g.sort(cmp);
      for (let i = 0; i < g.length; i++) out[k++] = g[i] as number;
    }
  }
  return out;
}

/**
 * `items` grouped by attribute id (`attrOf`), the groups in ascending attribute order, each in the
 * order its items came in.
 */
export function groupByAttribute<T>(items: readonly T[], attrOf: (x: T) => number): T[][] {
  const groups = new Map<number, T[]>();
  for (let i = 0; i < items.length; i++) {
    const x = items[i] as T;
    const a = attrOf(x);
    const g = groups.get(a);
    if (g === undefined) groups.set(a, [x]);
    else g.push(x);
  }
  return [...groups.keys()].sort((x, y) => x - y).map((a) => groups.get(a) as T[]);
}
