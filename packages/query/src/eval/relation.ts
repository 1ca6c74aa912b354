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

/** The rows of `rel` projected onto `vars` (which it must hold), without repeats. */
export function project(rel: Relation, vars: readonly string[]): Relation {
  const cols = vars.map((v) => rel.vars.indexOf(v));
  const seen = new Set<unknown>();
  const rows: unknown[][] = [];
  for (const r of rel.rows) {
    const k = rowKey(r, cols);
    if (seen.has(k)) continue;
    seen.add(k);
    rows.push(cols.map((c) => r[c]));
  }
  return { vars: [...vars], rows, distinct: true };
}

/** The rows of `rel` without repeats. */
export function distinct(rel: Relation): Relation {
  const cols = rel.vars.map((_, i) => i);
  const seen = new Set<unknown>();
  const rows: unknown[][] = [];
  for (const r of rel.rows) {
    const k = cols.length === 0 ? '' : rowKey(r, cols);
    if (seen.has(k)) continue;
    seen.add(k);
    rows.push(r);
  }
  return { vars: rel.vars, rows, distinct: true };
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
  if (shared.length === 0) {
    for (const l of left.rows) for (const r of right.rows) rows.push([...l, ...extra.map((i) => r[i])]);
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
    for (const r of bucket) {
      const out = l.slice();
      for (const i of extra) out.push(r[i]);
      rows.push(out);
    }
  }
  return { vars, rows, distinct: left.distinct === true && right.distinct === true };
}

/** The rows of `left` that have no match in `right` on their shared columns. */
export function antiJoin(left: Relation, right: Relation): Relation {
  const shared = right.vars.filter((v) => left.vars.includes(v));
  if (shared.length === 0) return right.rows.length > 0 ? { vars: left.vars, rows: [], distinct: true } : left;
  const lcols = shared.map((v) => left.vars.indexOf(v));
  const rcols = shared.map((v) => right.vars.indexOf(v));
  const keys = new Set<unknown>();
  for (const r of right.rows) keys.add(rowKey(r, rcols));
  return { vars: left.vars, rows: left.rows.filter((l) => !keys.has(rowKey(l, lcols))), distinct: left.distinct };
}
