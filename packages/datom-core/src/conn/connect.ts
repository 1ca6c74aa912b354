import * as path from 'node:path';
import { TxLog } from '../log/tx-log.js';
import { fileURLToPath } from 'node:url';
import { DatomError } from '../error/datom-error.js';
import { emptyDbState } from '../db/db-state.js';
import { Uuid } from '../model/uuid.js';
import { DurableStore } from '../engine/durable-store.js';
import { STORAGE_SAFETY_WINDOW_MS } from '../engine/gc.js';
import type { LoadedDatabase } from '../engine/open-database.js';
import type { BlobStore } from '../storage/blob-store.js';
import { FileBlobStore } from '../storage/file-blob-store.js';
import { PgBlobStore, parsePostgresUri } from '../storage/pg-blob-store.js';
import type { Connection, ConnectOptions } from './connection.js';
import { LocalConnection, SharedDatabase } from './local-connection.js';

/** A parsed database URI. */
export type DatabaseUri =
  | { readonly kind: 'mem'; readonly name: string }
  | { readonly kind: 'file'; readonly path: string }
  | { readonly kind: 'postgres'; readonly connectionString: string; readonly name: string; readonly location: string };

/**
 * Parses a database URI: `mem://name` for a database held in this process only; `file:./dir`,
 * `file:///abs/dir` or a plain path for a durable database in a local directory (the default);
 * `postgres://user@host:5432/dbname?name=music` (or `postgresql://`) for a durable database kept
 * in PostgreSQL, shared by every machine that reaches it.
 *
 * @example
 * ```ts
 * parseDatabaseUri('mem://music') // { kind: 'mem', name: 'music' }
 * parseDatabaseUri('./data/music') // { kind: 'file', path: '/abs/data/music' }
 * parseDatabaseUri('postgres://app@db.local/prod?name=music').kind // 'postgres'
 * ```
 */
export function parseDatabaseUri(uri: string): DatabaseUri {
  if (typeof uri !== 'string' || uri.length === 0) throw new DatomError('db/uri', 'A database URI must be a non-empty string', { data: { uri: String(uri) } });
  if (uri.startsWith('mem://')) {
    const name = uri.slice('mem://'.length);
    if (name.length === 0) throw new DatomError('db/uri', 'A mem URI needs a name: mem://name', { data: { uri } });
    return { kind: 'mem', name };
  }
  if (uri.startsWith('file://')) {
    try {
      return { kind: 'file', path: path.resolve(fileURLToPath(uri)) };
    } catch (err) {
      throw new DatomError('db/uri', `Invalid file URI ${uri}`, { data: { uri }, cause: err });
    }
  }
  if (uri.startsWith('file:')) return { kind: 'file', path: path.resolve(decodeURIComponent(uri.slice('file:'.length))) };
  if (uri.startsWith('postgres://') || uri.startsWith('postgresql://')) return { kind: 'postgres', ...parsePostgresUri(uri) };
  if (/^[a-zA-Z][a-zA-Z0-9+.-]*:\/\//.test(uri)) {
    throw new DatomError('db/uri', `Unsupported database URI ${uri}: use file:./dir, a plain path, postgres://user@host/dbname?name=db, or mem://name`, { data: { uri } });
  }
  return { kind: 'file', path: path.resolve(uri) };
}

const memDatabases = new Map<string, SharedDatabase>();
/** The store of a durable database's URI. */
function storeOf(u: Exclude<DatabaseUri, { kind: 'mem' }>): BlobStore {
  return u.kind === 'file' ? new FileBlobStore(u.path) : new PgBlobStore(u.connectionString, u.name);
}

/** Durable databases this process has open for writing, by their store's location. */
const fileWriters = new Map<string, Promise<SharedDatabase>>();

function freshDatabase(): LoadedDatabase {
  const state = emptyDbState(Uuid.random().text);
  return { state, bootRows: Array.from({ length: state.table.size }, (_, i) => i), log: new TxLog() };
}

/**
 * Creates an empty database at `uri`. Resolves to `true` when it was created and `false` when it
 * already existed (the existing one is left as it is).
 *
 * @example
 * ```ts
 * await createDatabase('file:./data/music')
 * ```
 */
export async function createDatabase(uri: string): Promise<boolean> {
  const u = parseDatabaseUri(uri);
  if (u.kind === 'mem') {
    if (memDatabases.has(u.name)) return false;
    memDatabases.set(u.name, new SharedDatabase(freshDatabase()));
    return true;
  }
  return createStoreDatabase(storeOf(u));
}

async function openWriter(store: BlobStore, cacheBytes: number | undefined): Promise<SharedDatabase> {
  const dir = store.location;
  if (!(await store.exists())) {
    throw new DatomError('db/not-found', `No database at ${dir}: create it with createDatabase first`, { data: { uri: dir } });
  }
  await store.lock();
  const durable = new DurableStore(store, false, cacheBytes);
  try {
    const loaded = await durable.open();
    // A database of an older format goes on in a log of this one.
    await durable.upgradeLog(loaded.state.basisT);
    await collectOld(durable);
    const shared: SharedDatabase = new SharedDatabase(loaded, durable, async () => {
      fileWriters.delete(dir);
      try {
        if (!shared.deleted) {
          await shared.maybeCheckpoint(true);
          await collectOld(durable);
        } else await shared.checkpointing;
      } finally {
        durable.close();
        await store.unlock();
      }
    });
    // What the log holds past the snapshot counts as novelty: a checkpoint will absorb it.
    for (let i = Math.max(0, loaded.log.length - durable.transactionsSinceSnapshot); i < loaded.log.length; i++) shared.noveltyRows += loaded.log.count(i);
    return shared;
  } catch (err) {
    // A failed open releases what it took: the read handles of the pages it read, the log
    // handles and the lock.
    durable.close();
    await store.unlock();
    throw err;
  }
}

/**
 * Connects to the database at `uri`, which must exist. Connections to one database in one process
 * share it. A durable database has one writer at a time (a second process gets `db/locked`); open
 * it with `readOnly: true` from any number of other processes and call `sync()` to see new
 * transactions.
 *
 * @example
 * ```ts
 * const conn = await connect('file:./data/music')
 * const reader = await connect('file:./data/music', { readOnly: true })
 * ```
 */
export async function connect(uri: string, options: ConnectOptions = {}): Promise<Connection> {
  const u = parseDatabaseUri(uri);
  if (u.kind === 'mem') {
    const shared = memDatabases.get(u.name);
    if (shared === undefined) throw new DatomError('db/not-found', `No database at ${uri}: create it with createDatabase first`, { data: { uri } });
    return new LocalConnection(shared, options.txFns, options.maxClockSkewMs);
  }
  return connectStore(storeOf(u), options);
}

/**
 * Connects to a durable database kept in `store`, any implementation of the {@link BlobStore}
 * storage interface. `connect` uses this with a store in a local directory.
 *
 * @example
 * ```ts
 * const conn = await connectStore(new FileBlobStore('./data/music'))
 * await conn.close() // when done: the writer lock is released
 * ```
 */
export async function connectStore(store: BlobStore, options: ConnectOptions = {}): Promise<Connection> {
  const key = store.location;
  if (options.readOnly === true) {
    if (!(await store.exists())) throw new DatomError('db/not-found', `No database at ${key}: create it with createDatabase first`, { data: { uri: key } });
    const durable = new DurableStore(store, true, options.cacheBytes);
    const release = async (): Promise<void> => durable.close();
    // A failed open releases the read handles of the pages it read.
    const loaded = await durable.open().catch((err: unknown) => {
      durable.close();
      throw err;
    });
    return new LocalConnection(new SharedDatabase(loaded, durable, release), options.txFns, options.maxClockSkewMs);
  }
  let opening = fileWriters.get(key);
  if (opening === undefined) {
    opening = openWriter(store, options.cacheBytes);
    fileWriters.set(key, opening);
    opening.catch(() => fileWriters.delete(key));
  }
  const shared = await opening;
  if (options.checkpointRows !== undefined) shared.checkpointRows = options.checkpointRows;
  return new LocalConnection(shared, options.txFns, options.maxClockSkewMs);
}

/**
 * Creates an empty durable database in `store`; `false` when one is there already.
 *
 * @example
 * ```ts
 * await createStoreDatabase(new FileBlobStore('./data/music'))
 * ```
 */
export async function createStoreDatabase(store: BlobStore): Promise<boolean> {
  return DurableStore.create(store, freshDatabase);
}

/**
 * Deletes the database at `uri`. Connections of this process to it fail from then on; a database
 * that another process has open for writing is refused with `db/locked`. Resolves to `true` when
 * there was a database to delete.
 *
 * @example
 * ```ts
 * await deleteDatabase('mem://music')
 * ```
 */
export async function deleteDatabase(uri: string): Promise<boolean> {
  const u = parseDatabaseUri(uri);
  if (u.kind === 'mem') {
    const shared = memDatabases.get(u.name);
    if (shared === undefined) return false;
    shared.deleted = true;
    memDatabases.delete(u.name);
    return true;
  }
  const store = storeOf(u);
  if (!(await store.exists())) return false;
  const open = fileWriters.get(store.location);
  if (open !== undefined) {
    const shared = await open.catch(() => null);
    if (shared !== null) {
      shared.deleted = true;
      await shared.onRelease?.();
    }
  } else {
    await store.lock();
  }
  await store.destroy();
  return true;
}

/** A writer's own clean-up: what no root names and is older than the safety window. Best effort. */
async function collectOld(durable: DurableStore): Promise<void> {
  await durable.gc(Date.now() - STORAGE_SAFETY_WINDOW_MS).catch(() => undefined);
}

/** What {@link repairDatabase} did. */
export interface RepairReport {
  /** The basis t of the repaired database: its last good transaction. */
  readonly basisT: number;
  /** Transactions dropped (found after the damage, or promised by the root beyond it); 0 when nothing was wrong. */
  readonly dropped: number;
  /** The first t dropped, or null. */
  readonly droppedFrom: number | null;
  /** Logs the root named that were missing. */
  readonly missing: readonly string[];
  /** Logs found cut short or damaged (left in place until gc removes them). */
  readonly damaged: readonly string[];
}

/**
 * Repairs a durable database that refuses to open because a log is missing, cut short or damaged:
 * keeps everything up to the last good transaction, drops the rest, and says how much it dropped.
 * The database is then whole again and opens as usual; the next transaction follows its last good
 * one. Takes the writer lock. A database with nothing wrong is left as it is (`dropped: 0`).
 *
 * @example
 * ```ts
 * const { basisT, dropped } = await repairDatabase('file:./data/music')
 * ```
 */
export async function repairDatabase(uri: string): Promise<RepairReport> {
  const u = parseDatabaseUri(uri);
  if (u.kind === 'mem') throw new DatomError('db/arg', `${uri} is held in memory: there is nothing to repair`, { data: { uri } });
  return repairStore(storeOf(u));
}

/**
 * {@link repairDatabase} for a database in any {@link BlobStore}.
 *
 * @example
 * ```ts
 * const report = await repairStore(new FileBlobStore('./data/music'))
 * ```
 */
export async function repairStore(store: BlobStore): Promise<RepairReport> {
  const key = store.location;
  if (fileWriters.has(key)) throw new DatomError('db/locked', `The database at ${key} is open for writing in this process: close it before repairing it`, { data: { location: key } });
  if (!(await store.exists())) throw new DatomError('db/not-found', `No database at ${key}`, { data: { uri: key } });
  await store.lock();
  try {
    const durable = new DurableStore(store, false);
    const { db, dropped, missing, damaged } = await durable.openForRepair();
    const basisT = db.state.basisT;
    if (dropped > 0 || missing.length > 0 || damaged.length > 0) await durable.rewriteRoot(db);
    durable.close();
    return { basisT, dropped, droppedFrom: dropped > 0 ? basisT + 1 : null, missing, damaged };
  } finally {
    await store.unlock();
  }
}

/**
 * Removes storage that no root can reach (old directories, packs and logs) and that was last written
 * before `olderThan`. Safe while a writer runs, as long as `olderThan` lies before any checkpoint still being
 * written (the default keeps the last 10 minutes).
 *
 * @example
 * ```ts
 * const { removed } = await gcStorage('file:./data/music', new Date(Date.now() - 3_600_000))
 * ```
 */
export async function gcStorage(uri: string, olderThan: Date = new Date(Date.now() - 10 * 60_000)): Promise<{ removed: string[] }> {
  const u = parseDatabaseUri(uri);
  if (u.kind === 'mem') return { removed: [] };
  // The writer of this process knows the snapshot it may be writing right now: let it collect.
  const store = storeOf(u);
  const open = await fileWriters.get(store.location)?.catch(() => undefined);
  if (open?.durable) return open.durable.gc(olderThan.getTime());
  if (!(await store.exists())) throw new DatomError('db/not-found', `No database at ${uri}`, { data: { uri } });
  return new DurableStore(store, true).gc(olderThan.getTime());
}
