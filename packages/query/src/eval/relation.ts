import { Keyword } from '@datomkit/datom-core';

/**
 * A relation: named columns and rows of values. Rows may repeat inside an evaluation (a set is
 * made where it matters: results, the inputs of sub-queries, rule relations).
 */
export interface Relation {
  readonly vars: readonly string[];
  readonly rows: unknown[][];
  /** True when no two rows are known to be equal (so a projection onto every column needs no set). */
  readonly distinct?: boolean;
}

/**
 * A relation read straight into columns (a pattern's datoms): `cols[i]` holds the values of
 * `vars[i]`. Its rows are made when first asked for, so that a pattern joined by key to the next
 * one hands over its columns without an array per row in between.
 */
export class ColumnRelation implements Relation {
  /**
   * A live object of this class. V8 drops optimized code that checks for an object shape no live
   * object has; without one, every full collection between two queries sent the code that reads
   * it back to the interpreter ("weak objects" deoptimizations). A static field, not a module
   * constant: a bundled module's unused constant is not kept.
   */
  static readonly kept: ColumnRelation = new ColumnRelation([], [], 0, true);

  readonly vars: readonly string[];
  readonly cols: readonly (readonly unknown[])[];
  readonly size: number;
  readonly distinct: boolean;
  #rows: unknown[][] | null = null;

  constructor(vars: readonly string[], cols: readonly (readonly unknown[])[], size: number, distinct: boolean) {
    this.vars = vars;
    this.cols = cols;
    this.size = size;
    this.distinct = distinct;
  }

  get rows(): unknown[][] {
    if (this.#rows === null) {
      const cols = this.cols;
      const rows = new Array<unknown[]>(this.size);
      if (cols.length === 1) {
        const c0 = cols[0] as readonly unknown[];
        for (let i = 0; i < rows.length; i++) rows[i] = [c0[i]];
      } else if (cols.length === 2) {
        const c0 = cols[0] as readonly unknown[];
        const c1 = cols[1] as readonly unknown[];
        for (let i = 0; i < rows.length; i++) rows[i] = [c0[i], c1[i]];
      } else if (cols.length === 3) {
        const c0 = cols[0] as readonly unknown[];
        const c1 = cols[1] as readonly unknown[];
        const c2 = cols[2] as readonly unknown[];
        for (let i = 0; i < rows.length; i++) rows[i] = [c0[i], c1[i], c2[i]];
      } else for (let i = 0; i < rows.length; i++) rows[i] = cols.map((c) => c[i]);
      this.#rows = rows;
    }
    return this.#rows;
  }
}

/** How many rows `rel` has, without making the rows of a {@link ColumnRelation}. */
export function sizeOf(rel: Relation): number {
  return rel instanceof ColumnRelation ? rel.size : rel.rows.length;
}

/** The relation with no columns and one row: what a query starts from. */
export function unitRelation(): Relation {
  return { vars: [], rows: [[]], distinct: true };
}

/** A key for `v` in a `Map` or `Set` that is equal exactly when the values are equal as data. */
export function hashKey(v: unknown): unknown {
  if (v === null || v === undefined) return null;
  const t = typeof v;
  if (t !== 'object') return v;
  if (v instanceof Keyword) return v;
  return `\u0000${compositeKey(v)}`;
}

function compositeKey(v: unknown): string {
  if (v === null || v === undefined) return 'nil';
  switch (typeof v) {
    case 'number':
      return String(v);
    case 'string':
      return JSON.stringify(v);
    case 'bigint':
      return `${v}N`;
    case 'boolean':
      return v ? 'true' : 'false';
    default:
      break;
  }
  if (v instanceof Keyword) return `:${v.fqn}`;
  if (v instanceof Date) return `#inst ${v.getTime()}`;
  if (Array.isArray(v)) return `[${v.map(compositeKey).join(' ')}]`;
  if (v instanceof Uint8Array) return `#bytes ${[...v].join(',')}`;
  if (v instanceof RegExp) return `#"${v.source}"`;
  const name = (v as object).constructor?.name ?? 'Object';
  return `#${name} ${String(v)}`;
}

/** A key for the values of `cols` in `row`. */
export function rowKey(row: readonly unknown[], cols: readonly number[]): unknown {
  if (cols.length === 1) return hashKey(row[cols[0] as number]);
  let k = '';
  for (let i = 0; i < cols.length; i++) {
    const v = row[cols[i] as number];
    k += typeof v === 'number' ? `${v}\u0001` : `${compositeKey(v)}\u0001`;
  }
  return k;
}

/**
 * A set of rows compared on some of their columns, as data: a Set of keys for one column, nested
 * Maps for more, so that rows of entity ids are kept without a string built per row.
 */
export class RowSet {
  /** A live object of this class, kept for the reason {@link ColumnRelation.kept} gives. */
  static readonly kept: RowSet = new RowSet([0]);

  readonly #cols: readonly number[];
  readonly #root: Map<unknown, unknown> | Set<unknown>;
  #any = false;

  constructor(cols: readonly number[]) {
    this.#cols = cols;
    this.#root = cols.length <= 1 ? new Set() : new Map();
  }

  /** Adds the row's key; false when it was there already. */
  add(row: readonly unknown[]): boolean {
    const cols = this.#cols;
    const n = cols.length;
    if (n === 0) {
      if (this.#any) return false;
      this.#any = true;
      return true;
    }
    let node = this.#root;
    for (let i = 0; i < n - 1; i++) {
      const k = hashKey(row[cols[i] as number]);
      const m = node as Map<unknown, Map<unknown, unknown> | Set<unknown>>;
      let child = m.get(k);
      if (child === undefined) m.set(k, (child = i === n - 2 ? new Set() : new Map()));
      node = child;
    }
    const set = node as Set<unknown>;
    const k = hashKey(row[cols[n - 1] as number]);
    if (set.has(k)) return false;
    set.add(k);
    return true;
  }

  /** True when the row's key is in the set. */
  has(row: readonly unknown[]): boolean {
    const cols = this.#cols;
    const n = cols.length;
    if (n === 0) return this.#any;
    let node: unknown = this.#root;
    for (let i = 0; i < n - 1; i++) {
      node = (node as Map<unknown, unknown>).get(hashKey(row[cols[i] as number]));
      if (node === undefined) return false;
    }
    return (node as Set<unknown>).has(hashKey(row[cols[n - 1] as number]));
  }
}

/** The rows of `rel` projected onto `vars` (which it must hold), without repeats. */
export function project(rel: Relation, vars: readonly string[]): Relation {
  const cols = vars.map((v) => rel.vars.indexOf(v));
  const seen = new RowSet(cols);
  const rows: unknown[][] = [];
  for (const r of rel.rows) if (seen.add(r)) rows.push(cols.map((c) => r[c]));
  return { vars: [...vars], rows, distinct: true };
}

/** The rows of `rel` as tuples of `vars` (which it must hold), repeats kept. */
export function columns(rel: Relation, vars: readonly string[]): unknown[][] {
  const cols = vars.map((v) => rel.vars.indexOf(v));
  if (cols.length === rel.vars.length && cols.every((c, i) => c === i)) return rel.rows;
  return rel.rows.map((r) => cols.map((c) => r[c]));
}

/** The rows of `rel` without repeats. */
export function distinct(rel: Relation): Relation {
  if (rel.distinct === true) return rel;
  const seen = new RowSet(rel.vars.map((_, i) => i));
  return { vars: rel.vars, rows: rel.rows.filter((r) => seen.add(r)), distinct: true };
}

/** Row `l` followed by the columns `extra` of row `r`. */
function concatRow(l: readonly unknown[], r: readonly unknown[], extra: readonly number[]): unknown[] {
  const w = l.length;
  const out = new Array<unknown>(w + extra.length);
  for (let i = 0; i < w; i++) out[i] = l[i];
  for (let k = 0; k < extra.length; k++) out[w + k] = r[extra[k] as number];
  return out;
}

/**
 * The join of `left` and `right` on the columns they share (a hash join over `right`), keeping
 * `left`'s columns then `right`'s others. With nothing shared it is the cross product.
 */
export function join(left: Relation, right: Relation): Relation {
  const shared = right.vars.filter((v) => left.vars.includes(v));
  const lcols = shared.map((v) => left.vars.indexOf(v));
  const rcols = shared.map((v) => right.vars.indexOf(v));
  const extra = right.vars.map((_, i) => i).filter((i) => !rcols.includes(i));
  const vars = [...left.vars, ...extra.map((i) => right.vars[i] as string)];
  const rows: unknown[][] = [];
  const identity = extra.length === right.vars.length && extra.every((c, i) => c === i);
  if (shared.length === 0) {
    // Joined to the one empty row a query starts from: the right's rows as they are.
    if (left.vars.length === 0 && left.rows.length === 1 && identity) return { vars, rows: right.rows, distinct: right.distinct };
    for (const l of left.rows) for (const r of right.rows) rows.push(concatRow(l, r, extra));
    return { vars, rows, distinct: left.distinct === true && right.distinct === true };
  }
  const index = new Map<unknown, unknown[][]>();
  for (const r of right.rows) {
    const k = rowKey(r, rcols);
    const bucket = index.get(k);
    if (bucket === undefined) index.set(k, [r]);
    else bucket.push(r);
  }
  for (const l of left.rows) {
    const bucket = index.get(rowKey(l, lcols));
    if (bucket === undefined) continue;
    for (const r of bucket) rows.push(concatRow(l, r, extra));
  }
  return { vars, rows, distinct: left.distinct === true && right.distinct === true };
}

/** The rows of `left` that have no match in `right` on their shared columns. */
export function antiJoin(left: Relation, right: Relation): Relation {
  const shared = right.vars.filter((v) => left.vars.includes(v));
  if (shared.length === 0) return right.rows.length > 0 ? { vars: left.vars, rows: [], distinct: true } : left;
  const lcols = shared.map((v) => left.vars.indexOf(v));
  const rcols = shared.map((v) => right.vars.indexOf(v));
  const keys = new RowSet(rcols);
  for (const r of right.rows) keys.add(r);
  const probe: unknown[] = [];
  return {
    vars: left.vars,
    rows: left.rows.filter((l) => {
      // The left row's shared values, in the right's column order.
      for (let i = 0; i < lcols.length; i++) probe[rcols[i] as number] = l[lcols[i] as number];
      return !keys.has(probe);
    }),
    distinct: left.distinct,
  };
}
