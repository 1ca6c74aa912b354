import { type RowCompare, type Tree, TreeCursor } from './btree.js';
import type { DatomTable } from './datom-table.js';
import { compareValues, type Value } from '../model/value.js';

/**
 * `rows` in the order of `cmp`, an order that leads with the attribute: grouped by attribute in one
 * pass, then each group sorted. Catching up a large novelty sorts it. In AEVT the rows of one
 * attribute were mostly written in entity order, so each group is one run, which the sort takes in
 * a single pass. In AVET (`valueFirst`) a group is sorted by its values, entities and t read out of
 * the table once, rather than at every comparison.
 */
export function sortByAttribute(rows: readonly number[], table: DatomTable, cmp: RowCompare, valueFirst: boolean, uniques: Tree | null = null): number[] {
  const out = new Array<number>(rows.length);
  let k = 0;
  for (const g of groupByAttribute(rows, (r) => table.a(r))) {
    if (valueFirst && uniques !== null && g.length >= 64 && fromUniqueIndex(g, table, uniques, out, k)) k += g.length;
    else if (valueFirst && g.length > 1) k = sortByValue(g, table, out, k);
    else {
      g.sort(cmp);
      for (let i = 0; i < g.length; i++) out[k++] = g[i] as number;
    }
  }
  return out;
}

/**
 * The rows of one attribute's group `g` in AVET order, read off `uniques` (an AVET tree of the
 * unique attributes' live rows, of the same database value as `g`) when `g`'s attribute is among
 * them: its segment there holds every live row of the attribute, `g`'s among them, already sorted,
 * and walking it compares nothing, where sorting `g` compares its values (unique strings, mostly).
 * Written into `out` from `k`; false when the attribute is not in `uniques`, when its segment is
 * much longer than `g` (a walk would cost more than a sort), or when the segment does not hold all
 * of `g`.
 */
function fromUniqueIndex(g: readonly number[], table: DatomTable, uniques: Tree, out: number[], k: number): boolean {
  const a = table.a(g[0] as number);
  let lo = g[0] as number;
  let hi = lo;
  for (let i = 1; i < g.length; i++) {
    const r = g[i] as number;
    if (r < lo) lo = r;
    else if (r > hi) hi = r;
  }
  // Rows of a transaction's range are close together: a byte per row from the first to the last.
  if (hi - lo > 16 * g.length) return false;
  const mine = new Uint8Array(hi - lo + 1);
  for (let i = 0; i < g.length; i++) mine[(g[i] as number) - lo] = 1;
  const cur = new TreeCursor(uniques, (r) => {
    const x = table.a(r);
    return x < a ? -1 : x > a ? 1 : 0;
  });
  const budget = 8 * g.length + 1024;
  let at = k;
  const end = k + g.length;
  // Only rows of `g` are kept, all of the attribute: its rows are read now and then, to stop at
  // the end of its segment (a row's attribute costs a page lookup).
  for (let seen = 0, r = cur.next(); r !== -1; r = cur.next()) {
    if (++seen > budget || ((seen & 255) === 1 && table.a(r) !== a)) break;
    if (r >= lo && r <= hi && mine[r - lo] === 1) {
      out[at++] = r;
      if (at === end) return true;
    }
  }
  return false;
}

/**
 * The rows of one attribute's group `g` in AVET order (value, entity, t, row), written into `out`
 * from `k`; returns where they end. A group written in entity order (new entities, as imports and
 * bulk loads write them) whose values are all strings or all numbers is sorted on its values alone,
 * ties kept in the order they came (see byPrimitiveValue).
 */
function sortByValue(g: number[], table: DatomTable, out: number[], k: number): number {
  const n = g.length;
  const vs = new Array<Value>(n);
  const es = new Float64Array(n);
  const ts = new Float64Array(n);
  const first = table.v(g[0] as number);
  let kind: string = typeof first === 'string' || (typeof first === 'number' && !Number.isNaN(first)) ? typeof first : 'mixed';
  let inOrder = true;
  for (let i = 0; i < n; i++) {
    const r = g[i] as number;
    const v = table.v(r);
    vs[i] = v;
    es[i] = table.e(r);
    ts[i] = table.t(r);
    // NaN is not ordered by `<`: such a group takes the full comparison.
    if (kind !== 'mixed' && (typeof v !== kind || Number.isNaN(v))) kind = 'mixed';
    if (inOrder && i > 0) {
      const de = (es[i] as number) - (es[i - 1] as number);
      const dt = (ts[i] as number) - (ts[i - 1] as number);
      inOrder = de > 0 || (de === 0 && (dt > 0 || (dt === 0 && r > (g[i - 1] as number))));
    }
  }
  if (inOrder && kind !== 'mixed') return byPrimitiveValue(g, vs as (string | number)[], kind === 'string', out, k);
  const order = new Array<number>(n);
  for (let i = 0; i < n; i++) order[i] = i;
  // The order of IndexComparators.avet within one attribute: value, entity, t, row.
  order.sort((x, y) => compareValues(vs[x], vs[y]) || (es[x] as number) - (es[y] as number) || (ts[x] as number) - (ts[y] as number) || (g[x] as number) - (g[y] as number));
  for (let i = 0; i < n; i++) out[k++] = g[order[i] as number] as number;
  return k;
}

/** Past this many distinct values per row of a group, its values are sorted rather than counted. */
const BUCKETS_PER_ROW = 1 / 8;
/** Numbers packed with their index into one float: integers below 2^31 in magnitude, up to 2^21 rows. */
const PACK_ROWS = 2 ** 21;
const PACK_RANGE = 2 ** 31;

/**
 * `g` (already in entity, t and row order) in the order of its values `vs`, all strings or all
 * numbers (no NaN), which `<` orders as compareValues does; equal values keep their order. Few
 * distinct values (a sex, a status, an age) are counted, and each row placed after the rows of
 * smaller values; small integers are sorted packed with their index in a Float64Array; the others
 * through a callback that compares the values alone.
 */
function byPrimitiveValue(g: readonly number[], vs: readonly (string | number)[], strings: boolean, out: number[], k: number): number {
  const n = g.length;
  const limit = Math.max(16, Math.floor(n * BUCKETS_PER_ROW));
  const bucketOf = new Int32Array(n);
  const buckets = new Map<string | number, number>();
  for (let i = 0; i < n && buckets.size <= limit; i++) {
    const v = vs[i] as string | number;
    let b = buckets.get(v);
    if (b === undefined) buckets.set(v, (b = buckets.size));
    bucketOf[i] = b;
  }
  if (buckets.size <= limit) {
    const count = new Int32Array(buckets.size);
    for (let i = 0; i < n; i++) {
      const b = bucketOf[i] as number;
      count[b] = (count[b] as number) + 1;
    }
    // Where each value's rows start, in value order.
    const start = new Int32Array(buckets.size);
    let at = k;
    for (const key of [...buckets.keys()].sort((x, y) => (x < y ? -1 : x > y ? 1 : 0))) {
      const b = buckets.get(key) as number;
      start[b] = at;
      at += count[b] as number;
    }
    for (let i = 0; i < n; i++) {
      const b = bucketOf[i] as number;
      const to = start[b] as number;
      out[to] = g[i] as number;
      start[b] = to + 1;
    }
    return k + n;
  }
  if (!strings && n <= PACK_ROWS && (vs as number[]).every((v) => Number.isInteger(v) && Math.abs(v) < PACK_RANGE)) {
    const packed = new Float64Array(n);
    for (let i = 0; i < n; i++) packed[i] = ((vs[i] as number) + PACK_RANGE) * PACK_ROWS + i;
    packed.sort();
    for (let i = 0; i < n; i++) out[k++] = g[(packed[i] as number) % PACK_ROWS] as number;
    return k;
  }
  const order = stableOrder(vs);
  for (let i = 0; i < n; i++) out[k++] = g[order[i] as number] as number;
  return k;
}

/** Runs of this many are sorted by insertion before {@link stableOrder} merges them. */
const RUN = 16;

/**
 * The indexes of `vs` (all strings or all numbers without NaN) in the order of their values,
 * equal values in index order. A merge sort of its own rather than `Array.prototype.sort` with a
 * callback: the values are compared inline by `<` instead of through a call per comparison (a
 * large transaction's unique strings: about a sixth less time). Runs already in order are copied.
 *
 * @example
 * ```ts
 * stableOrder(['b', 'a', 'b']) // Int32Array [1, 0, 2]
 * ```
 */
export function stableOrder(vs: readonly (string | number)[]): Int32Array {
  const n = vs.length;
  let a = new Int32Array(n);
  for (let i = 0; i < n; i++) a[i] = i;
  for (let s = 0; s < n; s += RUN) {
    const e = Math.min(s + RUN, n);
    for (let i = s + 1; i < e; i++) {
      const x = a[i] as number;
      const vx = vs[x] as string | number;
      let j = i - 1;
      for (; j >= s && (vs[a[j] as number] as string | number) > vx; j--) a[j + 1] = a[j] as number;
      a[j + 1] = x;
    }
  }
  if (n <= RUN) return a;
  let b = new Int32Array(n);
  for (let w = RUN; w < n; w *= 2) {
    for (let s = 0; s < n; s += 2 * w) {
      const m = Math.min(s + w, n);
      const e = Math.min(s + 2 * w, n);
      // A pair of runs already in order (or a lone run) is copied as it is.
      if (m >= e || !((vs[a[m - 1] as number] as string | number) > (vs[a[m] as number] as string | number))) {
        b.set(a.subarray(s, e), s);
        continue;
      }
      let i = s;
      let j = m;
      let k = s;
      while (i < m && j < e) {
        // Ties take the left run's first: equal values keep their index order.
        if ((vs[a[j] as number] as string | number) < (vs[a[i] as number] as string | number)) b[k++] = a[j++] as number;
        else b[k++] = a[i++] as number;
      }
      while (i < m) b[k++] = a[i++] as number;
      while (j < e) b[k++] = a[j++] as number;
    }
    const t = a;
    a = b;
    b = t;
  }
  return a;
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
