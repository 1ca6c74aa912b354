import { DatomError } from '../error/datom-error.js';
import type { Database } from '../db/database.js';
import { DbState, LiveTrees } from '../db/db-state.js';
import { DbValue, type DbHost } from '../db/db-value.js';
import { TX_BASE } from '../schema/bootstrap.js';
import { type BulkBatch, type BulkLoadResult, type BulkOutcome, processBulk } from '../tx/bulk-load.js';
import { processTx, type TxEnv, type TxOutcome } from '../tx/process-tx.js';
import type { TxData, TxFunction, TxReport } from '../tx/tx-data.js';
import { CHECKPOINT_MIN_ROWS, maybeCheckpoint } from '../engine/checkpoint-policy.js';
import { DurableStore } from '../engine/durable-store.js';
import { FileBlobStore } from '../storage/file-blob-store.js';
import type { LoadedDatabase } from '../engine/open-database.js';
import { type LogEntry, TxLog } from '../log/tx-log.js';
import { CommitReport } from './commit-report.js';
import type { Connection, TxLogEntry } from './connection.js';
import { parsePatternEdn, parseTxEdn } from './parse-input.js';

/**
 * A database as its connections in this process share it: the latest committed state, the log,
 * the listeners, and (for durable databases) the store it is kept in. A transaction becomes part of
 * `state` only once the store has made it durable.
 */
export class SharedDatabase {
  /**
   * A live database and connection (see {@link LocalConnection.kept}), kept for the reason
   * `Filler.kept` (db/column-read.ts) gives: a database's own objects die when it is closed, and the
   * next database's commits ran unoptimized until compiled again. Its store is a file store's (the
   * embedded default), made without touching the disk.
   */
  static readonly kept: SharedDatabase = new SharedDatabase({ state: DbState.kept, log: TxLog.kept, bootRows: [] }, new DurableStore(new FileBlobStore(''), false));

  state: DbState;
  log: TxLog;
  readonly bootRows: readonly number[];
  readonly listeners = new Set<(r: TxReport) => void>();
  /** The tail of the transaction queue: transactions commit one at a time, in call order. */
  queue: Promise<unknown> = Promise.resolve();
  /** Transactions queued and not finished; when 0 a transaction may run at once. */
  pending = 0;
  deleted = false;
  /** Open connections; the database is released when the last one closes. */
  refs = 0;
  /** Rows written since the last checkpoint, and in the database at it. */
  noveltyRows = 0;
  snapshotRows = 0;
  checkpointRows = CHECKPOINT_MIN_ROWS;
  /** The live trees of `state`, which commits change in place (see {@link LiveTrees}). */
  readonly live = new LiveTrees((t) => this.log.rowsOf(t));

  constructor(
    loaded: LoadedDatabase,
    /** The store of a durable database, or null for one held only in memory. */
    readonly durable: DurableStore | null = null,
    readonly onRelease: (() => Promise<void>) | null = null,
  ) {
    this.state = loaded.state;
    this.log = loaded.log;
    this.bootRows = loaded.bootRows;
    this.snapshotRows = loaded.state.table.size;
    this.live.adopt(this.state);
  }

  get readOnly(): boolean {
    return this.durable?.readOnly ?? false;
  }

  /** The database as {@link DurableStore} sees it. */
  loaded(): LoadedDatabase {
    return { state: this.state, bootRows: this.bootRows, log: this.log };
  }

  /** The t of the last transaction at or before `ms` (0 when none), never past `state`'s basis. */
  tAtInstant(state: DbState, ms: number): number {
    // The log is in t order and txInstants never go back, so a binary search finds it.
    let lo = 0;
    let hi = this.log.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (this.log.instant(mid) <= ms) lo = mid + 1;
      else hi = mid;
    }
    return Math.min(lo === 0 ? 0 : this.log.t(lo - 1), state.basisT);
  }

  /** When a transaction last let the event loop turn (see {@link YIELD_EVERY_MS}). */
  lastYield = 0;
  /** The checkpoint being written in the background, if any. */
  checkpointing: Promise<void> | null = null;
  /** Why the last background checkpoint failed (it is retried after the next transaction). */
  checkpointError: unknown = null;

  /** Starts a checkpoint when one is due, or when forced (see {@link maybeCheckpoint}). */
  maybeCheckpoint(force = false): Promise<void> {
    return maybeCheckpoint(this, force);
  }
}

/** A durable transaction lets the event loop turn when this long has passed since the last time. */
export const YIELD_EVERY_MS = 20;

/**
 * The clock of every connection's transactions. One function for all of them: a closure made per
 * connection was inlined into the optimized code of the commit path (processBulk calls it), and
 * when the connection was closed and collected, that code was discarded with it, so the next
 * database's commits ran in the interpreter again.
 */
function systemClock(): number {
  return Date.now();
}

/**
 * A connection to a database held in this process. Transactions are processed one at a time in the
 * order `transact` was called; each one's report is built from immutable values.
 */
export class LocalConnection implements Connection {
  /** Kept as {@link SharedDatabase.kept} is. */
  static readonly kept: LocalConnection = new LocalConnection(SharedDatabase.kept);

  readonly #shared: SharedDatabase;
  readonly #fns = new Map<string, TxFunction>();
  readonly #host: DbHost;
  readonly #unsubscribe = new Set<() => void>();
  readonly #env: TxEnv;
  #closed = false;

  constructor(shared: SharedDatabase, txFns: Readonly<Record<string, TxFunction>> = {}, maxClockSkewMs?: number) {
    this.#shared = shared;
    shared.refs += 1;
    for (const [k, f] of Object.entries(txFns)) this.registerTxFn(k, f);
    const env: Omit<TxEnv, 'dbOf'> = { txFns: this.#fns, parseTx: parseTxEdn, now: systemClock, ...(maxClockSkewMs === undefined ? {} : { maxClockSkewMs }) };
    // Commits write the head's trees in place; `db.with` (through `env`) never does.
    this.#env = { ...env, dbOf: (s) => this.valueOf(s), inPlace: true };
    this.#host = {
      processWith: (s, txData, dbOf) => processTx(s, txData, { ...env, dbOf }),
      parsePattern: parsePatternEdn,
      tAtInstant: (s, ms) => shared.tAtInstant(s, ms),
    };
  }

  get id(): string {
    return this.#shared.state.id;
  }

  #check(): void {
    if (this.#closed) throw new DatomError('db/closed', 'The connection is closed');
    if (this.#shared.deleted) throw new DatomError('db/closed', 'The database was deleted');
  }

  /** The database value of `state` through this connection (internal). */
  valueOf(state: DbState): DbValue {
    return new DbValue(state, this.#host);
  }

  db(): Database {
    this.#check();
    return this.valueOf(this.#shared.state);
  }

  registerTxFn(name: string, fn: TxFunction): void {
    if (typeof fn !== 'function') throw new DatomError('db/arg', `Transaction function ${name} must be a function`);
    this.#fns.set(name.startsWith(':') ? name.slice(1) : name, fn);
  }

  transact(txData: TxData | string): Promise<TxReport> {
    return this.#run((before) => processTx(before, txData, this.#env));
  }

  /**
   * Commits a {@link BulkBatch} as one transaction (see {@link processBulk}): the same durability,
   * queueing and listeners as `transact`, without tempids or upserts.
   */
  async bulkLoad(batch: BulkBatch): Promise<BulkLoadResult> {
    let firstEid = 0;
    const report = await this.#run((before) => {
      const out = processBulk(before, batch, this.#env);
      firstEid = out.firstEid;
      return out;
    });
    return { firstEid, entities: batch.newEntities, tx: report.tempids['datomic.tx'] as number, report };
  }

  /**
   * Commits {@link BulkBatch}es as consecutive transactions, each processed against the state the
   * one before it left, with one write to the log and one sync for all of them (group commit).
   * All are committed or none: a batch refused undoes the ones before it, and a failed write undoes
   * them all. A crash during the write keeps a prefix of them in the database, each whole.
   */
  async bulkLoadAll(batches: readonly BulkBatch[]): Promise<BulkLoadResult[]> {
    const shared = this.#shared;
    if (shared.readOnly) throw new DatomError('db/read-only', 'This connection is read-only: connect without readOnly to transact');
    if (batches.length === 0) return [];
    const commit = async (): Promise<BulkLoadResult[]> => {
      this.#check();
      const outs: { before: DbState; out: BulkOutcome }[] = [];
      const undo = (): void => {
        for (let i = outs.length - 1; i >= 0; i--) {
          const { before, out } = outs[i] as (typeof outs)[number];
          if (shared.live.head === out.state) shared.live.rollback(out.state, before);
        }
      };
      let before = shared.state;
      try {
        for (const batch of batches) {
          const out = processBulk(before, batch, this.#env, before.maxEid - shared.state.maxEid);
          outs.push({ before, out });
          before = out.state;
        }
        if (shared.durable !== null) await shared.durable.appendAll(outs.map(({ out }) => ({ t: out.state.basisT, state: out.state, rows: out.rows })));
      } catch (err) {
        // Not all processed, or not durable: nothing is committed, and the live trees go back.
        undo();
        throw err;
      }
      const results = outs.map(({ before, out }, i) => {
        const report = this.#commit(before, out, i === outs.length - 1);
        shared.noveltyRows += out.rows.length;
        return { firstEid: out.firstEid, entities: (batches[i] as BulkBatch).newEntities, tx: report.tempids['datomic.tx'] as number, report };
      });
      if (shared.durable !== null) await this.#checkpointIfDue();
      return results;
    };
    return this.#enqueue(commit);
  }

  /** Processes a transaction with `process` against the latest state and commits it, one at a time. */
  #run(process: (before: DbState) => TxOutcome | Promise<TxOutcome>): Promise<TxReport> {
    const shared = this.#shared;
    if (shared.readOnly) return Promise.reject(new DatomError('db/read-only', 'This connection is read-only: connect without readOnly to transact'));
    if (shared.durable !== null) {
      return this.#enqueue(async () => {
        this.#check();
        const before = shared.state;
        const out = await process(before);
        try {
          await (shared.durable as DurableStore).append(out.state.basisT, out.state, out.rows);
        } catch (err) {
          // Not durable, so not committed: undo it in the live trees, so that commits go on in place.
          if (shared.live.head === out.state) shared.live.rollback(out.state, before);
          throw err;
        }
        const report = this.#commit(before, out);
        shared.noveltyRows += out.rows.length;
        await this.#checkpointIfDue();
        // Appends sync without leaving the microtask queue; a loop of transactions would otherwise
        // starve timers and signal handlers (Ctrl-C) until it ends. Let the event loop turn now and then.
        if (performance.now() - shared.lastYield > YIELD_EVERY_MS) {
          await new Promise((r) => setImmediate(r));
          shared.lastYield = performance.now();
        }
        return report;
      });
    }
    if (shared.pending === 0) {
      // Nothing queued: run now; a transaction without transaction functions finishes synchronously.
      try {
        this.#check();
        const before = shared.state;
        const out = process(before);
        if (!(out instanceof Promise)) return Promise.resolve(this.#commit(before, out));
        return this.#enqueue(() => out.then((o) => this.#commit(before, o)));
      } catch (err) {
        return Promise.reject(err);
      }
    }
    return this.#enqueue(async () => {
      this.#check();
      const before = shared.state;
      return this.#commit(before, await process(before));
    });
  }

  /** Starts a checkpoint when one is due, after a durable commit. */
  async #checkpointIfDue(): Promise<void> {
    try {
      await this.#shared.maybeCheckpoint();
    } catch {
      // The commit is durable in the log; a failed snapshot is retried after the next one.
    }
  }

  /** Runs `run` after everything queued before it, one at a time. */
  #enqueue<T>(run: () => Promise<T>): Promise<T> {
    const shared = this.#shared;
    shared.pending += 1;
    const p = shared.queue.then(run, run);
    const done = (): void => {
      shared.pending -= 1;
    };
    shared.queue = p.then(done, done);
    return p;
  }

  /**
   * Makes `out` the connection's value. `adopt` is false for a bulkLoadAll batch before the last:
   * the live trees have moved past its value (read, it is rebuilt from the head's), and adopting
   * it would make its stale trees the head's.
   */
  #commit(before: DbState, out: TxOutcome, adopt = true): TxReport {
    const shared = this.#shared;
    if (shared.state !== before) {
      if (shared.live.head === out.state) shared.live.rollback(out.state, before);
      throw new DatomError('db/conflict', 'The database changed while a transaction was being processed');
    }
    shared.state = out.state;
    if (adopt) shared.live.adopt(out.state);
    shared.log.pushRows(out.state.basisT, out.rows, out.state.lastInstant);
    const report = new CommitReport(this.#env.dbOf, before, out);
    // Iterating a Set makes an iterator even when it is empty.
    if (shared.listeners.size > 0) this.#tell(report);
    return report;
  }

  /** Hands `report` to every listener; a listener that throws fails neither the others nor the caller. */
  #tell(report: TxReport): void {
    for (const fn of this.#shared.listeners) {
      try {
        fn(report);
      } catch {
        // A failing listener must not undo or fail a committed transaction.
      }
    }
  }

  listen(fn: (report: TxReport) => void): () => void {
    this.#check();
    this.#shared.listeners.add(fn);
    this.#watch();
    const off = (): void => {
      this.#shared.listeners.delete(fn);
      this.#unsubscribe.delete(off);
      if (this.#shared.listeners.size === 0) this.#unwatch?.();
    };
    this.#unsubscribe.add(off);
    return off;
  }

  /** Stops watching the store; set while a read-only connection has listeners and its store can watch. */
  #unwatch: (() => void) | null = null;
  #syncQueued = false;

  /**
   * A read-only connection with listeners catches up by itself when its store reports another
   * process's commit (see `BlobStore.watch`), so listeners hear of it without anyone polling.
   */
  #watch(): void {
    const durable = this.#shared.durable;
    if (!this.#shared.readOnly || durable === null || this.#unwatch !== null || durable.store.watch === undefined) return;
    const stop = durable.store.watch(() => {
      if (this.#syncQueued || this.#closed) return;
      this.#syncQueued = true;
      setImmediate(() => {
        this.#syncQueued = false;
        // A failed catch-up (storage unreachable for a moment) is tried again at the next change or sync.
        if (!this.#closed) this.sync().catch(() => undefined);
      });
    });
    this.#unwatch = () => {
      this.#unwatch = null;
      stop();
    };
  }

  async *txRange(range: { readonly start?: number | null; readonly end?: number | null } = {}): AsyncGenerator<TxLogEntry> {
    this.#check();
    const toT = (x: number | null | undefined, dflt: number): number => (x === null || x === undefined ? dflt : x >= TX_BASE ? x - TX_BASE : x);
    const start = toT(range.start, 1);
    const end = toT(range.end, Number.POSITIVE_INFINITY);
    const log = this.#shared.log;
    const state = this.#shared.state;
    // Entries are in t order: t = index + 1.
    for (let i = Math.max(0, start - 1); i < log.length; i++) {
      const entry = log.at(i) as LogEntry;
      if (entry.t >= end) break;
      if (entry.t < start) continue;
      yield Object.freeze({ t: entry.t, tx: TX_BASE + entry.t, data: Object.freeze(entry.rows.map((r) => state.table.datom(r))) });
    }
  }

  async sync(): Promise<Database> {
    this.#check();
    const shared = this.#shared;
    if (shared.durable !== null && shared.readOnly) {
      await this.#enqueue(async () => {
        const beforeT = shared.state.basisT;
        const next = await (shared.durable as DurableStore).catchUp(shared.loaded());
        shared.log = next.log;
        shared.state = next.state;
        shared.live.adopt(next.state);
        // Listeners of a reader hear about the transactions it has caught up with.
        if (shared.listeners.size > 0) {
          let i = shared.log.length;
          while (i > 0 && shared.log.t(i - 1) > beforeT) i--;
          for (const e of shared.log.slice(i)) this.#notify(e);
        }
      });
    } else await shared.queue;
    return this.db();
  }

  #notify(e: LogEntry): void {
    const state = this.#shared.state;
    const report: TxReport = {
      dbBefore: this.valueOf(state).asOf(e.t - 1),
      dbAfter: this.valueOf(state).asOf(e.t),
      txData: e.rows.map((r) => state.table.datom(r)),
      tempids: {},
    };
    this.#tell(report);
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    for (const off of [...this.#unsubscribe]) off();
    this.#unwatch?.();
    this.#closed = true;
    const shared = this.#shared;
    shared.refs -= 1;
    if (shared.refs === 0 && shared.onRelease !== null) {
      await shared.queue;
      await shared.onRelease();
    }
  }
}

