import { DatomError } from '../error/datom-error.js';
import type { Datom } from '../model/datom.js';
import type { AttrRef, Database, IndexName } from './database.js';
import { rowsOfEach } from './column-read.js';
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
  if (index !== 'eavt' && index !== 'aevt' && index !== 'avet' && index !== 'vaet') return keys.map(() => readDatoms(db, index, ...prefix));
  const out: Datom[][] = keys.map(() => []);
  const table = v.state.table;
  rowsOfEach(v, index, prefix, keys, (r, i) => (out[i] as Datom[]).push(table.datom(r)));
  return out;
}
