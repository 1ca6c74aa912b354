import type { Database } from '../db/database.js';
import type { Datom } from '../model/datom.js';
import type { BulkBatch, BulkLoadResult } from '../tx/bulk-load.js';
import type { TxData, TxFunction, TxReport } from '../tx/tx-data.js';

/** Options of `connect`. */
export interface ConnectOptions {
  /** Transaction functions callable as `['name', ...args]`. */
  readonly txFns?: Readonly<Record<string, TxFunction>>;
  /** Open without taking the writer lock; `transact` is refused, `sync` catches up. */
  readonly readOnly?: boolean;
  /**
   * Durable databases: write the index pages that changed once this many datoms have been logged
   * since the last checkpoint (and at least a quarter of the database, up to a million). Default
   * 200,000.
   */
  readonly checkpointRows?: number;
  /**
   * Durable databases: how many bytes of index pages to keep in memory; pages beyond it are
   * dropped, least recently used first, and read again from storage when needed. Default 32 MiB
   * for a read-only connection and 256 MiB for the writer.
   * Fixed by the first connection of a process to the database.
   */
  readonly cacheBytes?: number;
  /**
   * How far ahead of this machine's clock an explicit `db/txInstant` may be, in ms: one further
   * ahead is `transact/tx-instant` (txInstants never go back, so every later transaction would
   * carry it). Default 10 minutes.
   */
  readonly maxClockSkewMs?: number;
}

/** One transaction as read from the log. */
export interface TxLogEntry {
  readonly t: number;
  readonly tx: number;
  readonly data: readonly Datom[];
}

/**
 * A connection to a database: the way to transact and to get current database values.
 *
 * @example
 * ```ts
 * const conn = await connect('mem://music')
 * const { tempids } = await conn.transact([{ 'db/id': 'a', 'artist/name': 'Nina' }])
 * ```
 */
export interface Connection {
  /** The database's durable identity. */
  readonly id: string;
  /** The current database value. */
  db(): Database;
  /** Commits `txData` (JS forms or EDN text) as one transaction. */
  transact(txData: TxData | string): Promise<TxReport>;
  /**
   * Commits a block of new entities and their datoms, already resolved to attribute and entity
   * ids, as one transaction: the fast path for copying and importing. No tempids and no upserts
   * (a unique value held by another entity is a `transact/unique` error); otherwise the rules,
   * checks and durability of `transact`. Optional: connections that cannot bulk load omit it.
   *
   * @example
   * ```ts
   * const name = conn.db().attribute('artist/name')!.id
   * const { firstEid } = await conn.bulkLoad!({ newEntities: 2, e: [-1, -2], a: [name, name], v: ['Nina', 'Miles'] })
   * ```
   */
  bulkLoad?(batch: BulkBatch): Promise<BulkLoadResult>;
  /**
   * Commits several bulk batches (see `bulkLoad`) as consecutive transactions, each against the
   * state the one before it left, with one write and one sync for all of them (group commit, for
   * restores and imports that write many small transactions). All are committed or none; after a
   * crash during the write, a prefix of them is in the database, each whole. A batch names the new
   * entities of earlier batches of the same call through its `earlierEntities`. Optional.
   *
   * @example
   * ```ts
   * const name = conn.db().attribute('artist/name')!.id
   * const [nina, miles] = await conn.bulkLoadAll!([
   *   { newEntities: 1, e: [-1], a: [name], v: ['Nina'] },
   *   { newEntities: 1, e: [-1], a: [name], v: ['Miles'] },
   * ])
   * ```
   */
  bulkLoadAll?(batches: readonly BulkBatch[]): Promise<BulkLoadResult[]>;
  /** Calls `fn` with the report of every transaction committed from now on; returns an unsubscribe. */
  listen(fn: (report: TxReport) => void): () => void;
  /** Registers (or replaces) a transaction function. */
  registerTxFn(name: string, fn: TxFunction): void;
  /** The transactions with `start <= t < end`, in order (both bounds optional). */
  txRange(range?: { readonly start?: number | null; readonly end?: number | null }): AsyncIterable<TxLogEntry>;
  /** Catches up with transactions committed by another process and returns the latest value. */
  sync(): Promise<Database>;
  /** Releases the connection. Further calls fail with `db/closed`. */
  close(): Promise<void>;
}
