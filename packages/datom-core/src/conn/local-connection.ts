import { DatomError } from '../error/datom-error.js';
import type { Database } from '../db/database.js';
import type { DbState } from '../db/db-state.js';
import { DbValue, type DbHost } from '../db/db-value.js';
import type { Datom } from '../model/datom.js';
import { TX_BASE } from '../schema/bootstrap.js';
import { processTx, type TxEnv, type TxOutcome } from '../tx/process-tx.js';
import type { TxData, TxFunction, TxReport } from '../tx/tx-data.js';
import type { Connection, TxLogEntry } from './connection.js';
import { parsePatternEdn, parseTxEdn } from './parse-input.js';

/** One committed transaction in the in-memory log. */
export interface LogEntry {
  readonly t: number;
  readonly rows: readonly number[];
  /** The state right after this transaction (shares structure with its neighbours). */
  readonly instant: number;
}

/**
 * A database as its connections share it: the latest committed state, the log, and the listeners.
 * Storage backends keep this in step with what they have made durable.
 */
export class SharedDatabase {
  state: DbState;
  readonly log: LogEntry[] = [];
  readonly listeners = new Set<(r: TxReport) => void>();
  /** The tail of the transaction queue: transactions commit one at a time, in call order. */
  queue: Promise<unknown> = Promise.resolve();
  /** Transactions queued and not finished; when 0 a transaction may run at once. */
  pending = 0;
  deleted = false;

  constructor(state: DbState) {
    this.state = state;
  }

  /** The t of the first transaction at or after `ms` (or basisT when none). */
  tAtInstant(state: DbState, ms: number): number {
    // The log is in t order and txInstants never go back, so a binary search finds it.
    let lo = 0;
    let hi = this.log.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if ((this.log[mid] as LogEntry).instant <= ms) lo = mid + 1;
      else hi = mid;
    }
    const entry = this.log[lo - 1];
    return Math.min(entry === undefined ? 0 : entry.t, state.basisT);
  }
}

function datomOf(s: DbState, r: number): Datom {
  const t = s.table;
  return { e: t.e(r), a: t.a(r), v: t.v(r), tx: TX_BASE + t.t(r), added: t.added(r) };
}

/**
 * A connection to a database held in this process. Transactions are processed one at a time in the
 * order `transact` was called; each one's report is built from immutable values.
 */
export class LocalConnection implements Connection {
  readonly #shared: SharedDatabase;
  readonly #fns = new Map<string, TxFunction>();
  readonly #host: DbHost;
  readonly #unsubscribe = new Set<() => void>();
  readonly #env: TxEnv;
  #closed = false;

  constructor(shared: SharedDatabase, txFns: Readonly<Record<string, TxFunction>> = {}) {
    this.#shared = shared;
    for (const [k, f] of Object.entries(txFns)) this.registerTxFn(k, f);
    const env: Omit<TxEnv, 'dbOf'> = { txFns: this.#fns, parseTx: parseTxEdn, now: () => Date.now() };
    this.#env = { ...env, dbOf: (s) => this.valueOf(s) };
    this.#host = {
      env,
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
    const shared = this.#shared;
    if (shared.pending === 0) {
      // Nothing queued: run now; a transaction without transaction functions finishes synchronously.
      try {
        this.#check();
        const before = shared.state;
        const out = processTx(before, txData, this.#env);
        if (!(out instanceof Promise)) return Promise.resolve(this.#commit(before, out));
        return this.#enqueue(() => out.then((o) => this.#commit(before, o)));
      } catch (err) {
        return Promise.reject(err);
      }
    }
    return this.#enqueue(async () => {
      this.#check();
      const before = shared.state;
      return this.#commit(before, await processTx(before, txData, this.#env));
    });
  }

  #enqueue(run: () => Promise<TxReport>): Promise<TxReport> {
    const shared = this.#shared;
    shared.pending += 1;
    const p = shared.queue.then(run, run);
    const done = (): void => {
      shared.pending -= 1;
    };
    shared.queue = p.then(done, done);
    return p;
  }

  #commit(before: DbState, out: TxOutcome): TxReport {
    const shared = this.#shared;
    if (shared.state !== before) throw new DatomError('db/conflict', 'The database changed while a transaction was being processed');
    shared.state = out.state;
    shared.log.push({ t: out.state.basisT, rows: out.rows, instant: out.state.lastInstant });
    const report: TxReport = {
      dbBefore: this.valueOf(before),
      dbAfter: this.valueOf(out.state),
      txData: out.rows.map((r) => datomOf(out.state, r)),
      tempids: out.tempids,
    };
    for (const fn of shared.listeners) {
      try {
        fn(report);
      } catch {
        // A failing listener must not undo or fail a committed transaction.
      }
    }
    return report;
  }

  listen(fn: (report: TxReport) => void): () => void {
    this.#check();
    this.#shared.listeners.add(fn);
    const off = (): void => {
      this.#shared.listeners.delete(fn);
      this.#unsubscribe.delete(off);
    };
    this.#unsubscribe.add(off);
    return off;
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
      const entry = log[i] as LogEntry;
      if (entry.t >= end) break;
      if (entry.t < start) continue;
      yield Object.freeze({ t: entry.t, tx: TX_BASE + entry.t, data: Object.freeze(entry.rows.map((r) => datomOf(state, r))) });
    }
  }

  async sync(): Promise<Database> {
    return this.db();
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    for (const off of [...this.#unsubscribe]) off();
    this.#closed = true;
  }
}

