// The connections a process keeps to one PostgreSQL server, shared by every PostgreSQL store of
// the process that names it: a small pool for reads and blob writes, one session that holds the
// writer locks and makes the writes they guard, one thread for synchronous page reads, and one
// session that LISTENs for other processes' commits. None of them keeps the process alive when idle.
import { createRequire } from 'node:module';
import { MessageChannel, type MessagePort, receiveMessageOnPort, Worker } from 'node:worker_threads';
import type { Client, Pool, PoolClient, QueryResult, QueryResultRow } from 'pg';
import { DatomError } from '../error/datom-error.js';
import { type QueryReply, type ReadReply, type ReadRequest, type ReadWorkerData, readWorkerSource } from './pg-read-worker.js';
import { isConnectionLoss } from './pg-connection-loss.js';

/** The version of the tables below; a server whose `datomkit_meta` says more is refused. */
export const PG_SCHEMA_VERSION = 1;
/** A blob is stored in rows of this many bytes (the last one shorter). */
export const PG_CHUNK_BYTES = 1 << 20;
/** The channel that commits are announced on; the payload is the database's name. */
export const PG_CHANNEL = 'datomkit';

/**
 * The tables, all keyed by the database's name so that many databases share one PostgreSQL
 * database. Blob chunks are stored uncompressed out of line (STORAGE EXTERNAL), so that a range
 * read fetches only the part of a chunk it needs.
 */
const SCHEMA_SQL = `
CREATE TABLE IF NOT EXISTS datomkit_meta (version integer NOT NULL);
CREATE TABLE IF NOT EXISTS datomkit_roots (
  name text PRIMARY KEY, bytes bytea NOT NULL, written timestamptz NOT NULL DEFAULT now());
CREATE TABLE IF NOT EXISTS datomkit_blobs (
  name text NOT NULL, key text NOT NULL, chunk integer NOT NULL, bytes bytea NOT NULL,
  written timestamptz NOT NULL DEFAULT now(), PRIMARY KEY (name, key, chunk));
ALTER TABLE datomkit_blobs ALTER COLUMN bytes SET STORAGE EXTERNAL;
CREATE TABLE IF NOT EXISTS datomkit_logs (
  name text NOT NULL, key text NOT NULL, pos bigint NOT NULL, bytes bytea NOT NULL,
  written timestamptz NOT NULL DEFAULT now(), PRIMARY KEY (name, key, pos));
CREATE TABLE IF NOT EXISTS datomkit_locks (
  name text PRIMARY KEY, holder text NOT NULL, backend_pid integer NOT NULL,
  generation bigint NOT NULL, since timestamptz NOT NULL DEFAULT now());
`;

/** Taken (per transaction) while the tables are created, so that two processes do not race. */
const SCHEMA_LOCK_KEY = 7_305_912_471;

/** How long asking for a writer lock waits for its holder to let it go. */
export const PG_LOCK_WAIT_MS = 500;
/** How long a synchronous page read waits for its thread (which retries a lost connection for READ_RETRY_MS). */
const READ_TIMEOUT_MS = 30_000;
const READ_RETRY_MS = 10_000;
/**
 * Bytes of the buffer that page reads are answered in, shared with the read thread: a page, or the
 * first blocks of a scan (`PgBlobStore.readRangeSync` reads 256 KiB blocks). A longer range comes
 * in a buffer of its own. Before it, each page read made a buffer in the thread and moved it here:
 * garbage outside V8's heap, which V8 collects late (it counts it apart from its heap), and the
 * reader's memory grew by ~100 MB of freed but resident buffers over 10k random pulls.
 */
const READ_PAGE_BUFFER = 1 << 20;
/** How often a synchronous page read that is still waiting looks whether its thread is alive. */
const READ_WATCH_MS = 50;
/** The read thread's heap limits (MB): it holds a connection and the range in flight, nothing more. */
const READ_THREAD_OLD_MB = 48;
const READ_THREAD_YOUNG_MB = 4;

type PgModule = typeof import('pg').default;
let pgModule: Promise<PgModule> | null = null;

/** `pg`, loaded when a PostgreSQL store is first used (file databases never load it). */
function loadPg(): Promise<PgModule> {
  pgModule ??= import('pg').then((m) => m.default);
  return pgModule;
}

/** A session of the lock connection; `epoch` changes whenever the session is a new one. */
export interface LockSession {
  readonly client: Client;
  readonly epoch: number;
}

/** The read thread and this thread's side of its channels. */
interface ReadThread {
  readonly worker: Worker;
  readonly port: MessagePort;
  /** [0]: replies posted so far by the thread; [1]: 1 once the thread has failed for good. */
  readonly flag: Int32Array;
  /** Where the thread writes the bytes of page reads that fit (see `ReadWorkerData.pageBuffer`). */
  readonly pageBuffer: SharedArrayBuffer;
  /** The number of the first page read posted to this thread (numbers go on across threads). */
  readonly firstSeq: number;
  /** Page-read replies taken off the port so far. */
  received: number;
  readonly queries: MessagePort;
  /** Queries posted and not answered yet, by id. */
  readonly pending: Map<number, { resolve: (rows: Record<string, unknown>[]) => void; reject: (err: Error) => void }>;
  /** Why the thread ended, once its `error` or `exit` event has come; null while it runs. */
  ended: string | null;
}

/** A query's error as the read thread reported it: the message, and the SQLSTATE or socket code. */
class PgReadError extends Error {
  constructor(
    message: string,
    readonly code: string | undefined,
  ) {
    super(message);
  }
}

/**
 * One PostgreSQL server as this process uses it (see the file's comment). Obtained with
 * {@link PgServer.of}, which gives every store naming the same connection string the same one.
 */
export class PgServer {
  static readonly #servers = new Map<string, PgServer>();

  /** The server of `connectionString`, shared by the whole process. */
  static of(connectionString: string): PgServer {
    let s = PgServer.#servers.get(connectionString);
    if (s === undefined) {
      s = new PgServer(connectionString);
      PgServer.#servers.set(connectionString, s);
    }
    return s;
  }

  /** Closes every connection and thread of every server (their locks are released). */
  static async closeAll(): Promise<void> {
    const all = [...PgServer.#servers.values()];
    PgServer.#servers.clear();
    await Promise.all(all.map((s) => s.close()));
  }

  /** Names whose writer lock this process holds through the lock session, with the holder's text. */
  readonly held = new Map<string, string>();
  #pool: Pool | null = null;
  #session: LockSession | null = null;
  #sessionOpening: Promise<LockSession> | null = null;
  #epoch = 0;
  /** Queries under way on the lock session: it keeps the process alive only while some are. */
  #sessionBusy = 0;
  #schema: Promise<boolean> | null = null;
  #reader: ReadThread | null = null;
  readonly #watchers = new Map<string, Set<() => void>>();
  #listener: Client | null = null;
  #closed = false;

  private constructor(readonly connectionString: string) {}

  /** Client options: every session commits synchronously whatever the server's default. */
  #config(): { connectionString: string; options: string } {
    return { connectionString: this.connectionString, options: '-c synchronous_commit=on' };
  }

  async #getPool(): Promise<Pool> {
    if (this.#pool === null) {
      const pg = await loadPg();
      if (this.#pool === null) {
        const pool = new pg.Pool({ ...this.#config(), max: 4, allowExitOnIdle: true });
        // A pooled connection that the server dropped is discarded by the pool; nothing to do here.
        pool.on('error', () => undefined);
        this.#pool = pool;
      }
    }
    return this.#pool;
  }

  /** Runs one statement on a pooled connection (its own transaction). */
  async query<R extends QueryResultRow>(text: string, values: unknown[] = []): Promise<QueryResult<R>> {
    return (await this.#getPool()).query<R>(text, values);
  }

  /** Runs `fn` in one transaction on a pooled connection: committed when it resolves, rolled back when it throws. */
  async transaction<T>(fn: (c: PoolClient) => Promise<T>): Promise<T> {
    const client = await (await this.#getPool()).connect();
    // A connection lost between two statements is reported by the next one; without a listener
    // the 'error' event would end the process.
    const ignore = (): void => undefined;
    client.on('error', ignore);
    let broken: unknown;
    try {
      await client.query('BEGIN');
      const out = await fn(client);
      await client.query('COMMIT');
      return out;
    } catch (err) {
      broken = isConnectionLoss(err) ? err : undefined;
      await client.query('ROLLBACK').catch(() => undefined);
      throw err;
    } finally {
      client.off('error', ignore);
      client.release(broken as Error | undefined);
    }
  }

  /** Creates the tables if they are not there; `storage/format` when they are of a newer version. */
  async ensureSchema(location: string): Promise<void> {
    await this.transaction(async (c) => {
      await c.query('SELECT pg_advisory_xact_lock($1)', [SCHEMA_LOCK_KEY]);
      await c.query(SCHEMA_SQL);
      const r = await c.query<{ version: number }>('SELECT max(version) AS version FROM datomkit_meta');
      const version = r.rows[0]?.version ?? null;
      if (version === null) await c.query('INSERT INTO datomkit_meta (version) VALUES ($1)', [PG_SCHEMA_VERSION]);
      else checkVersion(version, location);
    });
    this.#schema = Promise.resolve(true);
  }

  /** Whether the tables exist (checked once); `storage/format` when they are of a newer version. */
  async hasSchema(location: string): Promise<boolean> {
    this.#schema ??= this.read<{ version: number | null }>('SELECT max(version) AS version FROM datomkit_meta').then(
      (rows) => {
        const version = rows[0]?.version ?? null;
        if (version !== null) checkVersion(version, location);
        return version !== null;
      },
      (err: unknown) => {
        if ((err as { code?: string }).code === '42P01') return false;
        throw err;
      },
    );
    const schema = this.#schema;
    // A failure (a server down) is not remembered; nor is "no tables yet", which create() may change.
    return schema.then(
      (ok) => {
        if (!ok && this.#schema === schema) this.#schema = null;
        return ok;
      },
      (err: unknown) => {
        if (this.#schema === schema) this.#schema = null;
        throw err;
      },
    );
  }

  /** The lock session, opened (again, after a loss) when needed. */
  async session(): Promise<LockSession> {
    if (this.#session !== null) return this.#session;
    this.#sessionOpening ??= (async () => {
      const pg = await loadPg();
      const client = new pg.Client(this.#config());
      const epoch = ++this.#epoch;
      const lost = (): void => {
        if (this.#session?.client === client) this.#session = null;
      };
      client.on('error', lost);
      client.on('end', lost);
      try {
        await client.connect();
      } catch (err) {
        endClient(client);
        throw err;
      }
      hold(client, false);
      const s = { client, epoch };
      this.#session = s;
      return s;
    })().finally(() => {
      this.#sessionOpening = null;
    });
    return this.#sessionOpening;
  }

  /** Whether `epoch`'s session is still the open one (the locks taken in it are still held). */
  sessionAlive(epoch: number): boolean {
    return this.#session?.epoch === epoch;
  }

  /**
   * Runs a statement on the lock session `s`, keeping the process alive while it runs. A statement
   * given a `name` is prepared on the session once and only bound and run after that (the
   * statements of every commit: PostgreSQL skips parsing and planning them each time).
   */
  async onSession<R extends QueryResultRow>(s: LockSession, text: string, values: unknown[] = [], name?: string): Promise<QueryResult<R>> {
    if (this.#sessionBusy++ === 0) hold(s.client, true);
    try {
      return await s.client.query<R>(name === undefined ? { text, values } : { name, text, values });
    } catch (err) {
      // A session that failed to answer is not trusted again: its locks are taken afresh.
      if (isConnectionLoss(err) && this.#session === s) {
        this.#session = null;
        endClient(s.client);
      }
      throw err;
    } finally {
      if (--this.#sessionBusy === 0) hold(s.client, false);
    }
  }

  /** Ends the lock session once no store of this process holds a lock through it. */
  async releaseSessionIfUnused(): Promise<void> {
    const s = this.#session;
    if (this.held.size > 0 || s === null || this.#sessionBusy > 0) return;
    this.#session = null;
    await endClient(s.client);
  }

  /**
   * Reads a byte range of a blob synchronously: the read thread runs the query while this thread
   * waits on a shared flag. The bytes are valid until the next read (a range up to READ_PAGE_BUFFER
   * bytes is read in place, in memory shared with the thread). `storage/missing` for a blob that is
   * not there.
   */
  readSync(req: ReadRequest, location: string): Uint8Array {
    const seq = this.#post(req);
    const reply = this.#take(seq);
    if (reply === undefined) {
      throw new DatomError('storage/io', `Reading ${location}/${req.key} from PostgreSQL took more than ${READ_TIMEOUT_MS / 1000} s; check that the server is up`, {
        data: { location, key: req.key, offset: req.offset },
      });
    }
    return this.#bytesOf(reply, req, location);
  }

  /** The first `n` bytes of the page buffer of the current read thread. */
  #shared(n: number): Uint8Array {
    return new Uint8Array((this.#reader as ReadThread).pageBuffer, 0, n);
  }

  /**
   * Posts a read that the caller will want soon (the next range of a scan) and returns its number
   * at once: the read thread fetches it while this thread goes on. {@link PgServer.claimRead} takes
   * its bytes, {@link PgServer.dropRead} says they are not wanted after all.
   */
  readAhead(req: ReadRequest): number {
    const seq = this.#post({ ...req, ahead: true });
    this.#wanted.add(seq);
    return seq;
  }


  /**
   * The bytes of read `seq` posted by {@link PgServer.readAhead}, waiting for them if they have not
   * come; null when the read failed or its thread was replaced (the caller reads the range itself).
   */
  claimRead(seq: number): Uint8Array | null {
    if (!this.#wanted.delete(seq)) return null;
    const early = this.#early.get(seq);
    this.#early.delete(seq);
    const reply = early ?? this.#take(seq);
    return reply !== undefined && 'bytes' in reply ? reply.bytes : null;
  }

  /** Read `seq` posted by {@link PgServer.readAhead} is not wanted: its reply is dropped when it comes. */
  dropRead(seq: number): void {
    this.#wanted.delete(seq);
    this.#early.delete(seq);
  }

  /** The next read's number, and reads posted ahead that someone still wants, with their replies once taken off the port. */
  #seq = 0;
  readonly #wanted = new Set<number>();
  readonly #early = new Map<number, ReadReply>();

  #post(req: ReadRequest): number {
    const t = this.#reader ?? this.#startReader();
    const seq = ++this.#seq;
    t.port.postMessage({ ...req, seq });
    return seq;
  }

  /**
   * Waits for the reply to read `seq` and takes it off the port, with the replies that come before
   * it (kept when they are wanted, dropped otherwise). Undefined when it did not come in
   * READ_TIMEOUT_MS; a reply marked `died` when the thread ended meanwhile, which is seen within
   * READ_WATCH_MS (see {@link threadEnded}). A thread that failed for good is replaced at the next read.
   */
  #take(seq: number): ReadReply | undefined {
    const t = this.#reader;
    if (t === null || seq < t.firstSeq) return undefined;
    const deadline = Date.now() + READ_TIMEOUT_MS;
    let reply: ReadReply | undefined;
    for (;;) {
      // The thread raises the count after posting a reply, then notifies: each reply counted is on the port.
      const posted = Atomics.load(t.flag, 0);
      if (posted === t.received) {
        const left = deadline - Date.now();
        if (left <= 0) break;
        if (Atomics.wait(t.flag, 0, posted, Math.min(left, READ_WATCH_MS)) === 'timed-out') {
          const why = threadEnded(t);
          if (why !== null) {
            reply = { seq, error: why, missing: false, died: true };
            break;
          }
        }
        continue;
      }
      const msg = receiveMessageOnPort(t.port) as { message: ReadReply } | undefined;
      if (msg === undefined) break;
      const r = msg.message;
      if (r.seq === -1) {
        // The thread failed for good: this reply is its error, for this read.
        reply = r;
        break;
      }
      t.received += 1;
      if (r.seq === seq) {
        reply = r;
        break;
      }
      if (this.#wanted.has(r.seq)) this.#early.set(r.seq, r);
    }
    const died = reply !== undefined && 'error' in reply && reply.died === true ? reply.error : null;
    if (reply === undefined || died !== null || Atomics.load(t.flag, 1) === 1) this.#stopReader(died === null ? undefined : readerDied(died, {}));
    return reply;
  }

  #bytesOf(reply: ReadReply, req: ReadRequest, location: string): Uint8Array {
    if ('bytes' in reply) return reply.bytes;
    if ('shared' in reply) return this.#shared(reply.shared);
    if (reply.died === true) throw readerDied(reply.error, { location, key: req.key, offset: req.offset });
    if (reply.missing) {
      throw new DatomError('storage/missing', `Blob ${location}/${req.key} is missing: the database is damaged`, { data: { location, key: req.key } });
    }
    throw new DatomError('storage/io', `Could not read ${location}/${req.key} from PostgreSQL: ${reply.error}`, { data: { location, key: req.key, offset: req.offset } });
  }

  /**
   * Runs a read-only statement on the read thread's connection (one statement, not retried): the
   * reads of opening and catching up (the root, a directory, a log) go there, so that a read-only
   * connection loads `pg` and connects in that thread only. Byte values come as `Uint8Array`s.
   * Errors carry the SQLSTATE (or the socket error's code) as `code`, as `pg`'s do.
   */
  read<R extends Record<string, unknown>>(text: string, values: readonly unknown[] = []): Promise<R[]> {
    const t = this.#reader ?? this.#startReader();
    const id = ++this.#queryId;
    return new Promise<R[]>((resolve, reject) => {
      if (t.pending.size === 0) t.queries.ref();
      t.pending.set(id, { resolve: resolve as (rows: Record<string, unknown>[]) => void, reject });
      t.queries.postMessage({ id, text, values });
    });
  }

  #queryId = 0;

  #answer(t: ReadThread, reply: QueryReply): void {
    if (reply.id === 0 && 'error' in reply) {
      // The thread failed for good: every query waiting on it fails, and the next read starts another.
      this.#failQueries(t, readerDied(reply.error, {}));
      if (this.#reader === t) this.#stopReader();
      return;
    }
    const p = t.pending.get(reply.id);
    if (p === undefined) return;
    t.pending.delete(reply.id);
    if (t.pending.size === 0) t.queries.unref();
    if ('rows' in reply) p.resolve(reply.rows);
    else p.reject(new PgReadError(reply.error, reply.code));
  }

  #failQueries(t: ReadThread, err: Error): void {
    const waiting = [...t.pending.values()];
    t.pending.clear();
    t.queries.unref();
    for (const p of waiting) p.reject(err);
  }

  /** Starts the read thread (which connects at once) if it is not running. */
  startReader(): void {
    if (this.#reader === null) this.#startReader();
  }

  #startReader(): ReadThread {
    const { port1, port2 } = new MessageChannel();
    const queries = new MessageChannel();
    const flag = new SharedArrayBuffer(8);
    const pageBuffer = new SharedArrayBuffer(READ_PAGE_BUFFER);
    const data: ReadWorkerData = {
      pgPath: createRequire(import.meta.url).resolve('pg'),
      connectionString: this.connectionString,
      port: port2,
      queries: queries.port2,
      flag,
      pageBuffer,
      chunkBytes: PG_CHUNK_BYTES,
      retryMs: READ_RETRY_MS,
    };
    // The thread holds a connection and the page in flight, nothing more: a small heap keeps the
    // garbage of its replies (text decoded to bytes) from adding to the process's memory.
    const worker = new Worker(readWorkerSource(), {
      eval: true,
      workerData: data,
      transferList: [port2, queries.port2],
      resourceLimits: { maxOldGenerationSizeMb: READ_THREAD_OLD_MB, maxYoungGenerationSizeMb: READ_THREAD_YOUNG_MB },
    });
    worker.unref();
    const t: ReadThread = { worker, port: port1, flag: new Int32Array(flag), pageBuffer, firstSeq: this.#seq + 1, received: 0, queries: queries.port1, pending: new Map(), ended: null };
    // A thread that ends while this one is not blocked: the queries waiting on it fail now, with why.
    const gone = (why: string): void => {
      t.ended ??= why;
      if (this.#reader === t) this.#reader = null;
      this.#failQueries(t, readerDied(t.ended, {}));
    };
    worker.on('error', (err: Error & { code?: string }) =>
      gone(err.code === 'ERR_WORKER_OUT_OF_MEMORY' ? `it ran out of memory (its heap is limited to ${READ_THREAD_OLD_MB} MB)` : `it failed: ${err.stack ?? err.message}`),
    );
    worker.on('exit', (code) => gone(`it exited with code ${code}`));
    port1.unref();
    t.queries.on('message', (reply: QueryReply) => this.#answer(t, reply));
    t.queries.unref();
    this.#reader = t;
    return t;
  }

  /** Stops the read thread; the queries waiting on it fail with `err` (by default, that it was stopped). */
  #stopReader(err?: Error): void {
    const t = this.#reader;
    this.#reader = null;
    // Reads posted ahead to it will not be answered.
    this.#wanted.clear();
    this.#early.clear();
    if (t !== null) {
      t.port.close();
      t.queries.close();
      this.#failQueries(t, err ?? new PgReadError('the read thread was stopped', undefined));
      void t.worker.terminate();
    }
  }

  /**
   * Calls `fn` when a commit to database `name` is announced (LISTEN), and once as soon as
   * listening has started or restarted after a lost connection (for what was missed meanwhile).
   * Returns a function that stops it.
   */
  watch(name: string, fn: () => void): () => void {
    let set = this.#watchers.get(name);
    if (set === undefined) {
      set = new Set();
      this.#watchers.set(name, set);
    }
    const wrapped = (): void => fn();
    set.add(wrapped);
    if (this.#listener === null) void this.#listen();
    else setImmediate(wrapped);
    return () => {
      set.delete(wrapped);
      if (set.size === 0) this.#watchers.delete(name);
      if (this.#watchers.size === 0 && this.#listener !== null) {
        const c = this.#listener;
        this.#listener = null;
        endClient(c);
      }
    };
  }

  async #listen(): Promise<void> {
    const pg = await loadPg();
    const client = new pg.Client(this.#config());
    this.#listener = client;
    const again = (): void => {
      if (this.#listener !== client) return;
      this.#listener = null;
      endClient(client);
      if (this.#watchers.size > 0 && !this.#closed) setTimeout(() => void this.#listen(), 100).unref();
    };
    client.on('error', again);
    client.on('end', again);
    client.on('notification', (n) => {
      for (const fn of this.#watchers.get(n.payload ?? '') ?? []) fn();
    });
    try {
      await client.connect();
      await client.query(`LISTEN ${PG_CHANNEL}`);
    } catch {
      again();
      return;
    }
    hold(client, false);
    if (this.#listener !== client) {
      endClient(client);
      return;
    }
    for (const set of this.#watchers.values()) for (const fn of set) fn();
  }

  async close(): Promise<void> {
    this.#closed = true;
    this.held.clear();
    this.#stopReader();
    const ends: Promise<unknown>[] = [];
    if (this.#listener !== null) ends.push(endClient(this.#listener));
    this.#listener = null;
    if (this.#session !== null) ends.push(endClient(this.#session.client));
    this.#session = null;
    if (this.#pool !== null) ends.push(this.#pool.end());
    this.#pool = null;
    await Promise.allSettled(ends);
  }
}

/** Whether `client`'s socket keeps the process alive (`pg` has these methods; its types lack them). */
function hold(client: Client, on: boolean): void {
  const c = client as Client & { ref(): void; unref(): void };
  if (on) c.ref();
  else c.unref();
}

/** Ends `client`, keeping the process alive until it has (an unreferenced socket would not wait). */
function endClient(client: Client): Promise<void> {
  hold(client, true);
  return client.end().catch(() => undefined);
}

/**
 * Why read thread `t` has ended, or null while it runs. Its `exit` event cannot come while this
 * thread is blocked in a synchronous read, so a worker whose event loop has stopped is also seen
 * directly: Node reports a stopped worker's idle time as -1 (`eventLoopUtilization`, once the worker
 * has come online). A thread stopped that way ran no JavaScript to say why: in practice it ran out
 * of memory in its small heap (an exception, or `process.exit`, is reported by the thread itself).
 */
function threadEnded(t: ReadThread): string | null {
  if (t.ended !== null) return t.ended;
  if (t.worker.performance.eventLoopUtilization().idle < 0) {
    return `it stopped without a word (most likely out of memory: its heap is limited to ${READ_THREAD_OLD_MB} MB)`;
  }
  return null;
}

/**
 * The error of every read that was waiting for a read thread that ended: `storage/reader-died`,
 * saying why (`how`). The next read starts a new thread.
 */
function readerDied(how: string, data: Record<string, unknown>): DatomError {
  return new DatomError('storage/reader-died', `The thread that reads pages from PostgreSQL ended: ${how}. The reads waiting for it failed; the next read starts a new one`, {
    data: { ...data, why: how },
  });
}

function checkVersion(version: number, location: string): void {
  if (version > PG_SCHEMA_VERSION) {
    throw new DatomError('storage/format', `The datomkit tables at ${location} are of version ${version}; this version of datomkit reads version ${PG_SCHEMA_VERSION}`, {
      data: { location, format: version, expected: PG_SCHEMA_VERSION },
    });
  }
}
