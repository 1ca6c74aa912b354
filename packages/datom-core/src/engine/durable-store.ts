import type { DbState } from '../db/db-state.js';
import type { BlobStore } from '../storage/blob-store.js';
import { catchUp } from './catch-up.js';
import { finishCheckpoint, rollLog, startCheckpoint, writeCheckpoint } from './checkpoint.js';
import { collectGarbage } from './gc.js';
import { LogRecordWriter } from './log-record.js';
import { type LoadedDatabase, openDatabase } from './open-database.js';
import type { PageCache } from './page-cache.js';
import type { PackResult } from './paged-index.js';
import { openForRepair, type RepairScan, rewriteRoot } from './repair.js';
import { createLog, encodeRoot, type LogRef, type Root, storageKey } from './root-record.js';
import { newStoreState, type StoreState } from './store-state.js';

/** Commits of at most this many datoms encode their records in the writer the store keeps... */
const SMALL_COMMIT_DATOMS = 256;
/** ...as long as its buffer stays within this many bytes. */
const SMALL_COMMIT_BYTES = 64 << 10;

/**
 * A database kept in a {@link BlobStore}: index pages in packs named by a directory, plus the
 * transaction log since that directory. Opening reads the directory and replays the log after it
 * (`open-database.ts`); pages load when first read, through a page cache bounded in bytes. Each
 * transaction is appended to the log (`log-record.ts`) and synced before it counts as committed; a
 * checkpoint (`checkpoint.ts`) writes the pages that changed into a new pack, a new directory, and
 * switches the root (`root-record.ts`) to them and to a fresh log. This class owns the state those
 * files share.
 */
export class DurableStore {
  readonly #st: StoreState;
  /** The log record writer that small commits reuse (see {@link DurableStore.appendAll}). */
  #small = new LogRecordWriter(SMALL_COMMIT_DATOMS);

  constructor(
    readonly store: BlobStore,
    readonly readOnly: boolean,
    cacheBytes?: number,
  ) {
    this.#st = newStoreState(store, readOnly, cacheBytes);
  }

  /** Transactions appended since the last checkpoint. */
  get transactionsSinceSnapshot(): number {
    return this.#st.sinceSnapshot;
  }

  /** The cache that index pages load into. */
  get cache(): PageCache {
    return this.#st.cache;
  }

  /** Creates a new, empty database in the store (the store must hold none). */
  static async create(store: BlobStore, bootstrap: () => LoadedDatabase): Promise<boolean> {
    if (await store.exists()) return false;
    await store.create();
    const db = bootstrap();
    const st = newStoreState(store, false);
    const names = { dir: storageKey('dir', 0), pack: storageKey('pack', 0) };
    const log = storageKey('log', 0);
    // Creating the log is a write to it, which a store may allow only to the lock's holder.
    await store.lock();
    try {
      await createLog(store, log);
      const { root } = await writeCheckpoint(st, db, names, [{ name: log }]);
      await store.writeRoot(encodeRoot(root));
    } finally {
      await store.unlock();
      store.closeReads?.();
    }
    return true;
  }

  /** Opens the database: the root's directory, then every record of its logs (see {@link openDatabase}). */
  open(): Promise<LoadedDatabase> {
    return openDatabase(this.#st);
  }

  /** Opens a damaged database as far as it is whole (see {@link openForRepair}). */
  openForRepair(): Promise<RepairScan> {
    return openForRepair(this.#st);
  }

  /** Makes `db` (opened by {@link DurableStore.openForRepair}) the database, with a fresh log. */
  rewriteRoot(db: LoadedDatabase): Promise<void> {
    return rewriteRoot(this.#st, db);
  }

  /** Appends one committed transaction to the current log, durably. */
  append(t: number, state: DbState, rows: readonly number[]): Promise<void> {
    return this.appendAll([{ t, state, rows }]);
  }

  /**
   * Appends consecutive committed transactions to the current log with one write and one sync
   * (group commit). Each keeps its own record, so a crash during the write leaves a prefix of them
   * whole in the log, the rest torn or absent; none half-written.
   */
  async appendAll(txs: readonly { readonly t: number; readonly state: DbState; readonly rows: readonly number[] }[]): Promise<void> {
    const st = this.#st;
    const root = st.root as Root;
    const log = (root.logs[root.logs.length - 1] as LogRef).name;
    let count = 0;
    for (const tx of txs) count += tx.rows.length;
    // Small commits (most of them) reuse one writer: appends run one at a time, and the store is
    // done with the bytes once appendLog settles. A large commit gets a buffer of its own, which
    // goes with it.
    let w = this.#small;
    if (count <= SMALL_COMMIT_DATOMS) w.reset();
    else w = new LogRecordWriter(count);
    for (const { t, state, rows } of txs) {
      const tb = state.table;
      w.begin(t, rows.length);
      for (const r of rows) w.datom(tb.e(r), tb.a(r), tb.v(r), tb.added(r));
      w.end();
    }
    const rec = w.bytes();
    try {
      await this.store.appendLog(log, st.logLength, rec);
    } catch (err) {
      // Leave no partial record behind (zeroed, as the store keeps the space); the next append starts at the same place.
      await this.store.truncateLog(log, st.logLength).catch(() => undefined);
      throw err;
    }
    st.logLength += rec.length;
    st.sinceSnapshot += txs.length;
    // A small commit with large values grew the kept writer: let that buffer go with it.
    if (w === this.#small && w.capacity > SMALL_COMMIT_BYTES) this.#small = new LogRecordWriter(SMALL_COMMIT_DATOMS);
  }

  /** First half of a checkpoint at t (see {@link startCheckpoint}). */
  startCheckpoint(t: number): Promise<void> {
    return startCheckpoint(this.#st, t);
  }

  /**
   * A writer that opened a database of format 3 goes on in a fresh log of the current format (the
   * root is rewritten in the current format, promising the old log's length).
   */
  async upgradeLog(t: number): Promise<void> {
    const root = this.#st.root as Root;
    if ((root.logs[root.logs.length - 1] as LogRef).legacy === true) await rollLog(this.#st, t);
  }

  /** Second half of a checkpoint (see {@link finishCheckpoint}). */
  finishCheckpoint(db: LoadedDatabase): Promise<PackResult> {
    return finishCheckpoint(this.#st, db);
  }

  /** Catches a read-only view up with the writer (see {@link catchUp}). */
  catchUp(db: LoadedDatabase): Promise<LoadedDatabase> {
    return catchUp(this.#st, db);
  }

  /** Releases open read handles. */
  close(): void {
    this.store.closeReads?.();
  }

  /** Removes storage no root names, last written before `olderThanMs` (see {@link collectGarbage}). */
  gc(olderThanMs: number): Promise<{ removed: string[] }> {
    return collectGarbage(this.#st, olderThanMs);
  }
}
