import { DatomError } from '../error/datom-error.js';
import { TreeCursor } from '../index/btree.js';
import type { IndexOrder, Probe } from '../index/index-order.js';
import type { Datom } from '../model/datom.js';
import { compareValues } from '../model/value.js';
import type { AttrRef, Database, IndexName } from './database.js';
import { DbValue } from './db-value.js';
import { BatchStream } from './row-stream.js';

/**
 * Synchronous reads of a database value, for engines that read many small index ranges in one go
 * (a query joining thousands of entities): the same datoms as {@link Database.datoms} and
 * {@link Database.indexRange}, without a promise per read. Index pages load synchronously, so these
 * work on every database datom-core opens; a `Database` implemented elsewhere is a `db/arg` error.
 */

function local(db: Database, what: string): DbValue {
  if (db instanceof DbValue) return db;
  throw new DatomError('db/arg', `${what} reads a database value of datom-core; got another implementation of Database`, { data: { db: String(db) } });
}

function streamOf(s: unknown): BatchStream {
  if (s instanceof BatchStream) return s;
  throw new DatomError('db/arg', 'This database value has no synchronous reads');
}

/**
 * The datoms of `index` whose leading components equal `components`, in index order, read
 * synchronously: what `db.datoms(index, ...components).toArray()` resolves to.
 *
 * @example
 * ```ts
 * const names = readDatoms(db, 'aevt', ':person/name').map((d) => d.v)
 * ```
 */
export function readDatoms(db: Database, index: IndexName, ...components: unknown[]): Datom[] {
  return streamOf(local(db, 'readDatoms').datoms(index, ...components)).readSync();
}

/**
 * The AVET datoms of `attr` with `start <= v < end` (either bound `null` for open), read
 * synchronously: what `db.indexRange(attr, start, end).toArray()` resolves to.
 *
 * @example
 * ```ts
 * const adults = readIndexRange(db, ':person/age', 18, null).map((d) => d.e)
 * ```
 */
export function readIndexRange(db: Database, attr: AttrRef, start: unknown, end: unknown): Datom[] {
  return streamOf(local(db, 'readIndexRange').indexRange(attr, start as never, end as never)).readSync();
}

function compareProbes(x: Probe, y: Probe): number {
  const n = Math.min(x.length, y.length);
  for (let i = 0; i < n; i++) {
    const c = compareValues(x[i], y[i]);
    if (c !== 0) return c;
  }
  return x.length - y.length;
}

/**
 * For each of `keys`, the datoms of `index` that start with `[...prefix, key]`, in index order:
 * `result[i]` holds those of `keys[i]`. On the current state the keys are read in index order in
 * one pass of one cursor, which skips ahead from key to key, so reading the values of one attribute
 * for thousands of entities (`readDatomsOfEach(db, 'aevt', [attr], entities)`) costs about a
 * binary search in a leaf per entity, not a descent of the tree.
 *
 * @example
 * ```ts
 * const [ages1, ages2] = readDatomsOfEach(db, 'aevt', [':person/age'], [1001, 1002])
 * ```
 */
export function readDatomsOfEach(db: Database, index: IndexName, prefix: readonly unknown[], keys: readonly unknown[]): Datom[][] {
  const v = local(db, 'readDatomsOfEach');
  const out: Datom[][] = new Array(keys.length);
  if (!v.unfiltered || keys.length < 2) {
    for (let i = 0; i < keys.length; i++) out[i] = readDatoms(db, index, ...prefix, keys[i]);
    return out;
  }
  const order = index as IndexOrder;
  // The prefix is resolved once; an entity id key (AEVT after the attribute, EAVT) is taken as it is.
  const head = v.probeOf(order, prefix);
  const entityKey = (order === 'aevt' && prefix.length === 1) || (order === 'eavt' && prefix.length === 0);
  const probes: (Probe | null)[] = keys.map((k) => {
    if (head === null) return null;
    if (entityKey && typeof k === 'number') return Number.isSafeInteger(k) && k > 0 ? [...head, k] : null;
    return v.probeOf(order, [...prefix, k]);
  });
  const at: number[] = [];
  for (let i = 0; i < keys.length; i++) {
    const p = probes[i];
    // A key that cannot match (an entity that does not exist, an ident nobody has) reads nothing.
    if (p === null || p === undefined || p.length !== prefix.length + 1) out[i] = [];
    else at.push(i);
  }
  at.sort((x, y) => compareProbes(probes[x] as Probe, probes[y] as Probe));
  const s = v.state;
  const table = s.table;
  const tree = s.trees[order];
  let cur: TreeCursor | null = null;
  // The row the last read stopped at: the first row past its key, which a later key may start with.
  let pending = -1;
  let last: Probe | null = null;
  let lastOut: Datom[] = [];
  for (const i of at) {
    const probe = probes[i] as Probe;
    if (last !== null && compareProbes(last, probe) === 0) {
      out[i] = lastOut.slice();
      continue;
    }
    const pcmp = s.cmp.probe(order, probe);
    const found: Datom[] = [];
    let r: number;
    if (cur === null) {
      cur = new TreeCursor(tree, pcmp);
      r = cur.next();
    } else if (pending !== -1 && pcmp(pending) >= 0) r = pending;
    else {
      // The index ended at the last key: every later key reads nothing.
      if (pending === -1) {
        out[i] = found;
        last = probe;
        lastOut = found;
        continue;
      }
      cur.advanceTo(pcmp);
      r = cur.next();
    }
    while (r !== -1 && pcmp(r) === 0) {
      found.push(table.datom(r));
      r = cur.next();
    }
    pending = r;
    out[i] = found;
    last = probe;
    lastOut = found;
  }
  return out;
}
