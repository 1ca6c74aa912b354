import { hostname } from 'node:os';
import { DatomError } from '../error/datom-error.js';
import type { BlobStore } from './blob-store.js';
import { type LockSession, PG_CHANNEL, PG_CHUNK_BYTES, PG_LOCK_WAIT_MS, PgServer } from './pg-server.js';
import { isConnectionLoss } from './pg-connection-loss.js';

/** A PostgreSQL database URI taken apart: where the server is, and which datomkit database. */
export interface PostgresUri {
  /** The connection string for `pg`, without the `name` parameter. */
  readonly connectionString: string;
  /** The datomkit database's name (the `name` parameter). */
  readonly name: string;
  /** The URI without its password, for messages. */
  readonly location: string;
}

/**
 * Parses `postgres://user:password@host:port/dbname?name=music` (or `postgresql://`): the
 * datomkit database `music`, kept in tables of the PostgreSQL database `dbname`. Other parameters
 * (`sslmode`, ...) are passed on to the connection. A URI without a `name` is a `db/uri` error.
 *
 * @example
 * ```ts
 * parsePostgresUri('postgres://app@db.local:5432/prod?name=music').name // 'music'
 * ```
 */
export function parsePostgresUri(uri: string): PostgresUri {
  let url: URL;
  try {
    url = new URL(uri);
  } catch (err) {
    throw new DatomError('db/uri', `Invalid PostgreSQL URI ${redact(uri)}`, { data: { uri: redact(uri) }, cause: err });
  }
  const name = url.searchParams.get('name');
  if (name === null || name.length === 0 || name.length > 200) {
    throw new DatomError('db/uri', `A PostgreSQL URI needs the database's name (up to 200 characters): postgres://user@host:5432/dbname?name=music, not ${redact(uri)}`, {
      data: { uri: redact(uri) },
    });
  }
  url.searchParams.delete('name');
  const connectionString = url.toString();
  const shown = new URL(connectionString);
  shown.password = '';
  shown.searchParams.set('name', name);
  return { connectionString, name, location: shown.toString() };
}

function redact(uri: string): string {
  return uri.replace(/\/\/([^:@/]*):[^@/]*@/, '//$1@');
}

/**
 * A {@link BlobStore} in PostgreSQL tables (see the package README for the tables): blobs in rows of
 * 1 MiB chunks, written in one transaction each; a log as one row per append; the root as one
 * row, replaced by one statement. Appends are durable when they return (every session commits with
 * `synchronous_commit` on) and announce themselves with NOTIFY. The writer lock is a session
 * advisory lock, so a writer that dies or loses its connection releases it; its holder is named
 * in a row. Writes under the lock (appends, truncations, root switches) go through the session
 * that holds it; after that session is lost the lock is taken again before the next write, and
 * only if no other writer held it meanwhile (a generation number in the lock's row says so).
 * Pages are read synchronously through a thread (see `PgServer.readSync`).
 *
 * @example
 * <!-- not-run: needs a PostgreSQL server (the conformance suite runs against one when DATOMKIT_TEST_PG is set) -->
 * ```ts
 * const store = new PgBlobStore('postgres://app@db.local/prod', 'music')
 * const conn = await connectStore(store)
 * ```
 */
export class PgBlobStore implements BlobStore {
  readonly location: string;
  readonly server: PgServer;
  /** The lock this store holds: in which lock session, and its generation in the lock's row. */
  #lock: { epoch: number; generation: number } | null = null;

  constructor(
    connectionString: string,
    readonly name: string,
  ) {
    this.server = PgServer.of(connectionString);
    const shown = new URL(connectionString);
    shown.password = '';
    shown.searchParams.set('name', name);
    this.location = shown.toString();
  }

  /** The store a `postgres://...?name=...` URI names. */
  static fromUri(uri: string): PgBlobStore {
    const u = parsePostgresUri(uri);
    return new PgBlobStore(u.connectionString, u.name);
  }

  /** Closes this process's connections to every PostgreSQL server (releasing its writer locks). */
  static closeAll(): Promise<void> {
    return PgServer.closeAll();
  }

  #error(what: string, err: unknown, data: Record<string, unknown> = {}): DatomError {
    if (err instanceof DatomError) return err;
    const sqlState = (err as { code?: unknown })?.code;
    const hint = isConnectionLoss(err) ? ' (the connection to PostgreSQL was lost; nothing was written unless the call succeeded)' : '';
    return new DatomError('storage/io', `Could not ${what} ${this.location}: ${(err as Error)?.message ?? String(err)}${hint}`, {
      data: { location: this.location, sqlState, ...data },
      cause: err,
    });
  }

  async #query<R extends Record<string, unknown>>(what: string, text: string, values: unknown[], data?: Record<string, unknown>): Promise<R[]> {
    try {
      return (await this.server.query<R>(text, values)).rows;
    } catch (err) {
      throw this.#error(what, err, data);
    }
  }

  /** A read-only statement, run by the read thread (see `PgServer.read`). */
  async #read<R extends Record<string, unknown>>(what: string, text: string, values: unknown[], data?: Record<string, unknown>): Promise<R[]> {
    try {
      return await this.server.read<R>(text, values);
    } catch (err) {
      throw this.#error(what, err, data);
    }
  }

  async exists(): Promise<boolean> {
    // Opening a database asks this first and reads pages soon after: the read thread starts
    // (loading `pg` and connecting) alongside the root's and directory's reads.
    this.server.startReader();
    try {
      if (!(await this.server.hasSchema(this.location))) return false;
    } catch (err) {
      throw this.#error('reach', err);
    }
    return (await this.#read('read the root of', 'SELECT 1 FROM datomkit_roots WHERE name = $1', [this.name])).length > 0;
  }

  async create(): Promise<void> {
    try {
      await this.server.ensureSchema(this.location);
    } catch (err) {
      throw this.#error('create the tables of', err);
    }
  }

  async destroy(): Promise<void> {
    try {
      await this.server.transaction(async (c) => {
        for (const table of ['datomkit_roots', 'datomkit_blobs', 'datomkit_logs']) await c.query(`DELETE FROM ${table} WHERE name = $1`, [this.name]);
      });
    } catch (err) {
      throw this.#error('delete', err);
    }
    await this.unlock();
  }

  async readRoot(): Promise<Uint8Array | null> {
    this.server.startReader();
    if (!(await this.server.hasSchema(this.location).catch((err: unknown) => Promise.reject(this.#error('reach', err))))) return null;
    const rows = await this.#read<{ bytes: Uint8Array }>('read the root of', "SELECT encode(bytes, 'base64') AS b64 FROM datomkit_roots WHERE name = $1", [this.name]);
    return rows[0]?.bytes ?? null;
  }

  async writeRoot(bytes: Uint8Array): Promise<void> {
    if (this.#lock === null) {
      // Creating a database: a root that another process wrote first is kept.
      await this.#query('write the root of', `WITH w AS (INSERT INTO datomkit_roots (name, bytes) VALUES ($1, $2) ON CONFLICT (name) DO NOTHING RETURNING 1) SELECT pg_notify('${PG_CHANNEL}', $1) FROM w`, [this.name, Buffer.from(bytes.buffer, bytes.byteOffset, bytes.length)]);
      return;
    }
    await this.#fenced('write the root of', {}, (s) =>
      this.server.onSession(
        s,
        `WITH w AS (INSERT INTO datomkit_roots (name, bytes) VALUES ($1, $2) ON CONFLICT (name) DO UPDATE SET bytes = excluded.bytes, written = now() RETURNING 1) SELECT pg_notify('${PG_CHANNEL}', $1) FROM w`,
        [this.name, Buffer.from(bytes.buffer, bytes.byteOffset, bytes.length)],
      ),
    );
  }

  async putBlob(key: string, bytes: Uint8Array): Promise<void> {
    if (bytes.length > PG_CHUNK_BYTES) return this.writeBlob(key, (async function* () {
      yield bytes;
    })());
    await this.#query(
      'write a blob to',
      'INSERT INTO datomkit_blobs (name, key, chunk, bytes) VALUES ($1, $2, 0, $3) ON CONFLICT (name, key, chunk) DO UPDATE SET bytes = excluded.bytes, written = now()',
      [this.name, key, Buffer.from(bytes.buffer, bytes.byteOffset, bytes.length)],
      { key },
    );
  }

  async writeBlob(key: string, chunks: AsyncIterable<Uint8Array>): Promise<void> {
    try {
      await this.server.transaction(async (c) => {
        await c.query('DELETE FROM datomkit_blobs WHERE name = $1 AND key = $2', [this.name, key]);
        let chunk = 0;
        let buf = Buffer.allocUnsafe(PG_CHUNK_BYTES);
        let used = 0;
        const flush = async (): Promise<void> => {
          await c.query('INSERT INTO datomkit_blobs (name, key, chunk, bytes) VALUES ($1, $2, $3, $4)', [this.name, key, chunk++, buf.subarray(0, used)]);
          buf = Buffer.allocUnsafe(PG_CHUNK_BYTES);
          used = 0;
        };
        for await (const part of chunks) {
          let at = 0;
          while (at < part.length) {
            const n = Math.min(PG_CHUNK_BYTES - used, part.length - at);
            buf.set(part.subarray(at, at + n), used);
            used += n;
            at += n;
            if (used === PG_CHUNK_BYTES) await flush();
          }
        }
        if (used > 0 || chunk === 0) await flush();
      });
    } catch (err) {
      throw this.#error('write a blob to', err, { key });
    }
  }

  async getBlob(key: string): Promise<Uint8Array> {
    const rows = await this.#read<{ bytes: Uint8Array }>('read a blob of', "SELECT encode(bytes, 'base64') AS b64 FROM datomkit_blobs WHERE name = $1 AND key = $2 ORDER BY chunk", [this.name, key], { key });
    if (rows.length === 0) throw new DatomError('storage/missing', `Blob ${this.location}/${key} is missing: the database is damaged`, { data: { location: this.location, key } });
    return rows.length === 1 ? (rows[0] as { bytes: Uint8Array }).bytes : Buffer.concat(rows.map((r) => r.bytes));
  }

  /** Blocks of blobs read for sequential streams, most recently used first (see {@link readRangeSync}). */
  #blocks: Block[] = [];
  /** Blocks that the read thread is fetching ahead of sequential streams, newest first. */
  #ahead: Ahead[] = [];
  /** Where the last few reads ended, most recent first, with how many reads in a row led there (see {@link readRangeSync}). */
  #ends: { key: string; end: number; run: number }[] = [];
  /** The length of blobs whose end a read has found. */
  #sizes = new Map<string, number>();

  /**
   * Reads a page synchronously, through the read thread. Scans read pages in the order they lie in
   * a pack, so the READ_RUN-th read in a row that starts where one of the last few reads of that
   * blob ended (within READ_GAP), or a read in a block fetched ahead, is taken for a sequential
   * stream: it is served from aligned blocks of READ_BLOCK bytes, read whole, and the READ_AHEAD
   * blocks after it are fetched by the thread (on a connection of its own) while this thread
   * decodes. Blocks are shared by every stream (a scan reads tree pages and table pages of one pack
   * in turn, often in the same block), so no byte is fetched twice while it is kept. A read
   * elsewhere fetches the page alone, so random lookups move no more bytes than they need: a pull
   * reads a tree page and a row page that often lie one after the other, and taking two reads in
   * a row for a stream had each pull of the 10M catalog fetch ~130 KB ahead for nothing (1013
   * blocks ahead in 2000 pulls), which tripled its time and added ~90 MB of freed buffers to the
   * process. The bytes returned are valid until the next read, as a file store's are.
   */
  readRangeSync(key: string, offset: number, length: number): Uint8Array {
    const end = offset + length;
    const first = Math.floor(offset / READ_BLOCK);
    const last = Math.floor((Math.max(end, offset + 1) - 1) / READ_BLOCK);
    const run = this.#noteRead(key, offset, end);
    const stream = run >= READ_RUN || this.#ahead.some((a) => a.key === key && a.index === first);
    if (!stream) return this.#keptRange(key, offset, length) ?? this.server.readSync({ name: this.name, key, offset, length }, this.location);
    const size = this.#sizes.get(key) ?? Number.POSITIVE_INFINITY;
    // The blocks of the range: kept, fetched ahead (waited for), or read now (the missing ones at once).
    const parts: Uint8Array[] = [];
    for (let i = first; i <= last && i * READ_BLOCK < size; ) {
      const kept = this.#block(key, i) ?? this.#claim(key, i);
      if (kept !== null) {
        parts.push(kept);
        i += 1;
        continue;
      }
      let j = i;
      while (j < last && this.#block(key, j + 1) === null && !this.#ahead.some((a) => a.key === key && a.index === j + 1)) j += 1;
      const bytes = this.server.readSync({ name: this.name, key, offset: i * READ_BLOCK, length: (j - i + 1) * READ_BLOCK }, this.location);
      for (let k = i; k <= j; k++) {
        // Copied: the bytes a read returns are valid only until the next read.
        const b = bytes.slice((k - i) * READ_BLOCK, (k - i + 1) * READ_BLOCK);
        if (b.length < READ_BLOCK) this.#sizes.set(key, k * READ_BLOCK + b.length);
        if (b.length === 0) break;
        this.#keep(key, k, b);
        parts.push(b);
      }
      i = j + 1;
    }
    this.#fetchAhead(key, last + 1);
    const from = offset - first * READ_BLOCK;
    if (parts.length === 1) return (parts[0] as Uint8Array).subarray(from, from + length);
    const all = Buffer.concat(parts);
    return all.subarray(from, Math.min(from + length, all.length));
  }

  /**
   * Notes a read of `key` from `offset` to `end`, and returns how many reads in a row it makes:
   * one more than the recent read whose end it starts at (or at most READ_GAP past), else 1.
   */
  #noteRead(key: string, offset: number, end: number): number {
    const ends = this.#ends;
    const i = ends.findIndex((e) => e.key === key && offset >= e.end && offset <= e.end + READ_GAP);
    const run = i === -1 ? 1 : (ends[i] as { run: number }).run + 1;
    if (i !== -1) ends.splice(i, 1);
    else if (ends.length >= READ_STREAMS) ends.pop();
    ends.unshift({ key, end, run });
    return run;
  }

  /** The bytes of a range that lies in one kept block, or null. */
  #keptRange(key: string, offset: number, length: number): Uint8Array | null {
    const index = Math.floor(offset / READ_BLOCK);
    if (Math.floor((offset + length - 1) / READ_BLOCK) !== index) return null;
    const b = this.#blocks.find((x) => x.key === key && x.index === index);
    if (b === undefined || offset + length > index * READ_BLOCK + b.bytes.length) return null;
    return b.bytes.subarray(offset - index * READ_BLOCK, offset - index * READ_BLOCK + length);
  }

  /** Block `index` of `key` if it is kept (made the most recently used), or null. */
  #block(key: string, index: number): Uint8Array | null {
    const blocks = this.#blocks;
    for (let i = 0; i < blocks.length; i++) {
      const b = blocks[i] as Block;
      if (b.key === key && b.index === index) {
        if (i > 0) {
          blocks.splice(i, 1);
          blocks.unshift(b);
        }
        return b.bytes;
      }
    }
    return null;
  }

  /** Block `index` of `key` fetched ahead, waited for and kept; null when none was asked for, or it failed. */
  #claim(key: string, index: number): Uint8Array | null {
    const i = this.#ahead.findIndex((a) => a.key === key && a.index === index);
    if (i === -1) return null;
    const a = this.#ahead[i] as Ahead;
    this.#ahead.splice(i, 1);
    const bytes = this.server.claimRead(a.seq);
    if (bytes === null) return null;
    if (bytes.length < READ_BLOCK) this.#sizes.set(key, index * READ_BLOCK + bytes.length);
    if (bytes.length === 0) return null;
    this.#keep(key, index, bytes);
    return bytes;
  }

  #keep(key: string, index: number, bytes: Uint8Array): void {
    if (this.#blocks.length >= READ_BLOCKS_KEPT) this.#blocks.pop();
    this.#blocks.unshift({ key, index, bytes });
  }

  /** Has the thread fetch the READ_AHEAD blocks of `key` from `index` that are neither kept nor asked for. */
  #fetchAhead(key: string, index: number): void {
    const size = this.#sizes.get(key) ?? Number.POSITIVE_INFINITY;
    for (let i = index; i < index + READ_AHEAD && i * READ_BLOCK < size; i++) {
      if (this.#ahead.some((a) => a.key === key && a.index === i) || this.#blocks.some((b) => b.key === key && b.index === i)) continue;
      // The oldest fetch ahead is let go when there are too many (its stream has moved on or ended).
      if (this.#ahead.length >= READ_AHEAD_MAX) this.server.dropRead((this.#ahead.pop() as Ahead).seq);
      this.#ahead.unshift({ seq: this.server.readAhead({ name: this.name, key, offset: i * READ_BLOCK, length: READ_BLOCK }), key, index: i });
    }
  }

  closeReads(): void {
    this.#blocks = [];
    this.#ends = [];
    this.#sizes.clear();
    for (const a of this.#ahead) this.server.dropRead(a.seq);
    this.#ahead = [];
  }

  async list(): Promise<{ key: string; mtimeMs: number }[]> {
    const rows = await this.#query<{ key: string; ms: number }>(
      'list',
      'SELECT key, extract(epoch FROM max(written)) * 1000 AS ms FROM datomkit_blobs WHERE name = $1 GROUP BY key ' +
        'UNION ALL SELECT key, extract(epoch FROM max(written)) * 1000 AS ms FROM datomkit_logs WHERE name = $1 GROUP BY key',
      [this.name],
    );
    return rows.map((r) => ({ key: r.key, mtimeMs: Number(r.ms) }));
  }

  async remove(key: string): Promise<void> {
    await this.#query(
      'remove a blob or log from',
      'WITH b AS (DELETE FROM datomkit_blobs WHERE name = $1 AND key = $2) DELETE FROM datomkit_logs WHERE name = $1 AND key = $2',
      [this.name, key],
      { key },
    );
  }

  async readLog(key: string, offset: number): Promise<Uint8Array> {
    // From the append that holds `offset` on, in order.
    const rows = await this.#read<{ pos: number; bytes: Uint8Array }>(
      'read a log of',
      "SELECT pos::float8 AS pos, encode(bytes, 'base64') AS b64 FROM datomkit_logs WHERE name = $1 AND key = $2 AND pos >= " +
        'coalesce((SELECT max(pos) FROM datomkit_logs WHERE name = $1 AND key = $2 AND pos <= $3), 0) ORDER BY pos',
      [this.name, key, offset],
      { key },
    );
    // A log is created (by an empty append) before a root names it: one without rows is gone.
    if (rows.length === 0) throw new DatomError('storage/missing', `Log ${this.location}/${key} is missing: the database is damaged`, { data: { location: this.location, key } });
    const parts: Uint8Array[] = [];
    let end = rows[0]?.pos ?? offset;
    const start = end;
    for (const r of rows) {
      // Appends follow each other; a gap would be a damaged log, which ends where it starts.
      if (r.pos !== end) break;
      parts.push(r.bytes);
      end += r.bytes.length;
    }
    if (end <= offset || start > offset) return new Uint8Array(0);
    return Buffer.concat(parts).subarray(offset - start);
  }

  async appendLog(key: string, offset: number, bytes: Uint8Array): Promise<void> {
    const row = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.length);
    try {
      // A row left at `offset` by an append whose outcome was never learnt (and not cut off since) is replaced.
      await this.#fenced('append to a log of', { key }, (s) =>
        this.server.onSession(
          s,
          `WITH a AS (INSERT INTO datomkit_logs (name, key, pos, bytes) VALUES ($1, $2, $3, $4) ON CONFLICT (name, key, pos) DO UPDATE SET bytes = excluded.bytes, written = now() RETURNING 1) SELECT pg_notify('${PG_CHANNEL}', $1) FROM a`,
          [this.name, key, offset, row],
          'datomkit_append',
        ),
      );
    } catch (err) {
      // The connection was lost: the append may have committed all the same. Find out.
      if (!lostConnection(err) || !(await this.#landed(key, offset, row))) throw err;
    }
  }

  /**
   * Whether an append whose answer was lost is in the log: asked on a new session (the lock taken
   * again), retrying while the server restarts, for up to PG_RESOLVE_MS. Its old session is gone,
   * so an append not there now never will be. False when it cannot be known in time.
   */
  async #landed(key: string, offset: number, row: Buffer): Promise<boolean> {
    const deadline = Date.now() + PG_RESOLVE_MS;
    for (;;) {
      try {
        const r = await this.#fenced('check an append to', { key }, (s) =>
          this.server.onSession<{ bytes: Buffer }>(s, 'SELECT bytes FROM datomkit_logs WHERE name = $1 AND key = $2 AND pos = $3', [this.name, key, offset]),
        );
        return r.rows[0]?.bytes.equals(row) ?? false;
      } catch (err) {
        if (!lostConnection(err) || Date.now() > deadline) return false;
        // A pause between attempts to reach a restarting server.
        await new Promise((r) => setTimeout(r, 50));
      }
    }
  }

  async truncateLog(key: string, length: number): Promise<void> {
    // The row at position 0 stays, emptied when the log is cut back to nothing: a log without rows
    // reads as missing (see readLog), and a writer cuts a fresh log back to 0 when the answer to its
    // first append was lost.
    await this.#fenced('cut back a log of', { key }, (s) =>
      this.server.onSession(
        s,
        'WITH d AS (DELETE FROM datomkit_logs WHERE name = $1 AND key = $2 AND pos >= $3 AND pos > 0) ' +
          'UPDATE datomkit_logs SET bytes = substring(bytes FROM 1 FOR ($3 - pos)::int) ' +
          'WHERE name = $1 AND key = $2 AND ((pos < $3 AND pos + length(bytes) > $3) OR (pos = 0 AND $3 = 0))',
        [this.name, key, length],
      ),
    );
  }

  /**
   * Runs a write that the writer lock guards on the lock session. When the session the lock was
   * taken in is gone, the lock is taken again first, and only if its generation is still ours:
   * otherwise another writer had it meanwhile, and this one must not write (`db/locked`).
   */
  async #fenced<T>(what: string, data: Record<string, unknown>, write: (s: LockSession) => Promise<T>): Promise<T> {
    const lock = this.#lock;
    if (lock === null) throw new DatomError('db/locked', `Cannot ${what} ${this.location} without holding its writer lock`, { data: { location: this.location } });
    try {
      let s = await this.server.session();
      if (s.epoch !== lock.epoch) s = await this.#relock(lock.generation);
      return await write(s);
    } catch (err) {
      throw this.#error(what, err, data);
    }
  }

  async #relock(generation: number): Promise<LockSession> {
    const s = await this.server.session();
    await this.#takeAdvisoryLock(s);
    const moved = await this.server.onSession<{ generation: string }>(
      s,
      'UPDATE datomkit_locks SET generation = generation + 1, backend_pid = pg_backend_pid(), since = now() WHERE name = $1 AND generation = $2 RETURNING generation',
      [this.name, generation],
    );
    const next = moved.rows[0];
    if (next === undefined) {
      await this.server.onSession(s, 'SELECT pg_advisory_unlock(hashtextextended($1, 0))', [`datomkit/${this.name}`]).catch(() => undefined);
      throw new DatomError('db/locked', `Another writer opened ${this.location} while this one was disconnected from PostgreSQL; reconnect to go on`, {
        data: { location: this.location },
      });
    }
    this.#lock = { epoch: s.epoch, generation: Number(next.generation) };
    return s;
  }

  /**
   * Takes the advisory lock in session `s`, waiting a moment for it (PG_LOCK_WAIT_MS): a writer
   * killed just now holds it until its server process notices that the connection is gone, a few
   * milliseconds later. `db/locked` naming the holder when it stays held.
   */
  async #takeAdvisoryLock(s: LockSession): Promise<void> {
    await this.server.onSession(s, `SET lock_timeout = ${PG_LOCK_WAIT_MS}`);
    try {
      await this.server.onSession(s, 'SELECT pg_advisory_lock(hashtextextended($1, 0))', [`datomkit/${this.name}`]);
    } catch (err) {
      if ((err as { code?: string }).code === '55P03') throw await this.#locked(s);
      throw err;
    } finally {
      await this.server.onSession(s, 'SET lock_timeout = 0').catch(() => undefined);
    }
  }

  async #locked(s: LockSession): Promise<DatomError> {
    const r = await this.server.onSession<{ holder: string }>(s, 'SELECT holder FROM datomkit_locks WHERE name = $1', [this.name]).catch(() => null);
    const owner = r?.rows[0]?.holder ?? 'unknown';
    return locked(this.location, owner);
  }

  async lock(): Promise<void> {
    if (this.#lock !== null) return;
    const me = `${process.pid}@${hostname()}`;
    const other = this.server.held.get(this.name);
    if (other !== undefined) throw locked(this.location, other);
    // Claimed in this process before the first await, so that two stores here cannot both ask.
    this.server.held.set(this.name, me);
    try {
      const s = await this.server.session();
      await this.#takeAdvisoryLock(s);
      const r = await this.server.onSession<{ generation: string }>(
        s,
        'INSERT INTO datomkit_locks (name, holder, backend_pid, generation) VALUES ($1, $2, pg_backend_pid(), 1) ' +
          'ON CONFLICT (name) DO UPDATE SET holder = excluded.holder, backend_pid = excluded.backend_pid, generation = datomkit_locks.generation + 1, since = now() RETURNING generation',
        [this.name, me],
      );
      this.#lock = { epoch: s.epoch, generation: Number(r.rows[0]?.generation) };
    } catch (err) {
      this.server.held.delete(this.name);
      throw this.#error('lock', err);
    }
  }

  async unlock(): Promise<void> {
    const lock = this.#lock;
    if (lock === null) return;
    this.#lock = null;
    this.server.held.delete(this.name);
    if (this.server.sessionAlive(lock.epoch)) {
      const s = await this.server.session();
      await this.server.onSession(s, 'SELECT pg_advisory_unlock(hashtextextended($1, 0))', [`datomkit/${this.name}`]).catch(() => undefined);
    }
    await this.server.releaseSessionIfUnused();
  }

  watch(onChange: () => void): () => void {
    return this.server.watch(this.name, onChange);
  }
}

/** Block `index` (bytes from `index * READ_BLOCK`) of blob `key`, read for a sequential stream. */
interface Block {
  readonly key: string;
  readonly index: number;
  readonly bytes: Uint8Array;
}

/** A block that the read thread is fetching ahead of a stream: `seq` is its read's number. */
interface Ahead {
  readonly seq: number;
  readonly key: string;
  readonly index: number;
}

/** A read that starts at most this far from where a recent read of the same blob ended continues its stream. */
const READ_GAP = 64 << 10;
/** Sequential streams are read in aligned blocks of this many bytes. */
const READ_BLOCK = 256 << 10;
/** Blocks fetched ahead of a stream's read. */
const READ_AHEAD = 3;
/** Blocks fetched ahead at most (of all streams), and blocks kept. */
const READ_AHEAD_MAX = 12;
const READ_BLOCKS_KEPT = 16;
/** How many recent reads' ends are looked at to follow a stream. */
const READ_STREAMS = 8;
/**
 * The read that makes this many in a row is taken for a stream's. Three still let a random pull
 * (a tree page, then its row pages) start a stream now and then: 48 blocks fetched ahead in 2000
 * pulls of the 10M catalog, 256 KiB buffers each that V8 frees late, ~30 MB of the process.
 */
const READ_RUN = 4;

/** How long a writer tries to learn whether an append whose answer was lost committed. */
const PG_RESOLVE_MS = 5_000;

/** Whether `err` (a store error or its cause) is a lost connection rather than a refusal. */
function lostConnection(err: unknown): boolean {
  if (err instanceof DatomError) return err.cause !== undefined && isConnectionLoss(err.cause);
  return isConnectionLoss(err);
}

function locked(location: string, owner: string): DatomError {
  // The holder is written as pid@host (see lock()); data names both as the file store's lock does.
  const at = owner.indexOf('@');
  const pid = at > 0 ? Number(owner.slice(0, at)) : undefined;
  const host = at > 0 ? owner.slice(at + 1) : undefined;
  return new DatomError('db/locked', `The database at ${location} is open for writing by process ${owner}; open it read-only, or close the other writer`, {
    data: { location, owner, pid: Number.isInteger(pid) ? pid : undefined, host },
  });
}
