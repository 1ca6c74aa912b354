// The thread that serves a PostgreSQL store's synchronous page reads. Index searches are
// synchronous and a page is read when first needed, so the main thread posts a request and blocks
// on Atomics.wait; this thread, which owns its own connection, runs the query, posts the bytes back
// and wakes it. The function below is the whole of the thread: it runs from its source text
// (`new Worker(src, { eval: true })`), so it must use nothing from outside it but `wt`, `require`,
// the data it is given and the connection-loss rule, passed in by its source text as well.
import type { MessagePort } from 'node:worker_threads';
import { isConnectionLoss } from './pg-connection-loss.js';

/** What the main thread gives the read thread. */
export interface ReadWorkerData {
  /** Where `pg` is, resolved by the main thread. */
  readonly pgPath: string;
  readonly connectionString: string;
  /** The thread's end of the channel of synchronous page reads. */
  readonly port: MessagePort;
  /** The thread's end of the channel of other reads, answered asynchronously ({@link QueryRequest}). */
  readonly queries: MessagePort;
  /**
   * Two Int32s: the first counts the replies posted (each one added after its reply is posted, and
   * notified; set far past any count when the thread fails for good), the second is set to 1 when
   * the thread has failed for good (its error is posted as a reply).
   */
  readonly flag: SharedArrayBuffer;
  /**
   * Where the bytes of page reads (not reads ahead) are written when they fit: the main thread
   * reads them there until its next read, so a page read allocates no buffer on either side.
   */
  readonly pageBuffer: SharedArrayBuffer;
  /** Bytes per chunk row of a blob. */
  readonly chunkBytes: number;
  /** How long a read may try to reconnect after losing its connection. */
  readonly retryMs: number;
}

/** A range read: `length` bytes of blob `key` of database `name`, from `offset`. */
export interface ReadRequest {
  /** Numbers the request; its reply carries it (set by the main thread as it posts). */
  readonly seq?: number;
  /** A read ahead of a scan, served on a connection of its own after the reads ahead before it. */
  readonly ahead?: boolean;
  readonly name: string;
  readonly key: string;
  readonly offset: number;
  readonly length: number;
}

/**
 * The reply to the request numbered `seq`: the bytes, or how many were written at the start of
 * the page buffer (`shared`), or why there are none (`missing` for a blob that is not there;
 * `died` when the thread itself failed for good, and `error` says how). Reads ahead and the
 * others are answered each in the order they were posted.
 */
export type ReadReply =
  | { readonly seq: number; readonly bytes: Uint8Array }
  | { readonly seq: number; readonly shared: number }
  | { readonly seq: number; readonly error: string; readonly missing: boolean; readonly died?: boolean };

/**
 * A read-only statement that the main thread awaits (the root, a directory, a log): run once, not
 * retried. A text column `b64` of the result is decoded from base64 into a column `bytes`.
 */
export interface QueryRequest {
  readonly id: number;
  readonly text: string;
  readonly values: readonly unknown[];
}

/**
 * The answer to a {@link QueryRequest}: its rows (byte values as `Uint8Array`), or its error's
 * message and SQLSTATE (or socket error code). `id` 0 with an error: the thread failed for good.
 */
export type QueryReply = { readonly id: number; readonly rows: Record<string, unknown>[] } | { readonly id: number; readonly error: string; readonly code: string | undefined };

/**
 * The source text that a read thread runs: {@link readWorkerMain}, with a guard that reports a
 * thread that fails (while starting or later, by an exception or `process.exit`) to the waiting
 * main thread instead of leaving it to time out. A thread stopped where no JavaScript runs (out of
 * memory in its heap, terminated) is seen by the main thread itself (see `PgServer`). `__name` is defined because some transpilers (tsx, keepNames) wrap functions in it.
 */
export function readWorkerSource(): string {
  return `
const wt = require('node:worker_threads');
const flag = new Int32Array(wt.workerData.flag);
let failed = false;
const fail = (e) => {
  if (failed) return;
  failed = true;
  const error = 'it failed: ' + String((e && e.stack) || e);
  try { wt.workerData.port.postMessage({ seq: -1, error, missing: false, died: true }); } catch {}
  try { wt.workerData.queries.postMessage({ id: 0, error, code: undefined }); } catch {}
  Atomics.store(flag, 1, 1);
  Atomics.store(flag, 0, 0x3fffffff);
  Atomics.notify(flag, 0);
};
process.on('uncaughtException', fail);
process.on('unhandledRejection', fail);
process.on('exit', (code) => fail('it exited with code ' + code));
var __name = (f) => f;
try { (${readWorkerMain.toString()})(wt, require, ${isConnectionLoss.toString()}); } catch (e) { fail(e); }
`;
}

/**
 * The read thread's body. Requests are served one at a time, in order; a connection lost mid-read
 * is reopened and the read tried again until `retryMs` has passed (a server restart takes a second).
 * A page read's reply is posted before the flag's count is raised: the main thread, which waits for
 * the count to reach its request's number, then finds it on the port. Requests posted ahead (reads
 * ahead of a scan) are served while the main thread goes on. Bytes are moved, not copied, when they
 * are a buffer of their own.
 */
export function readWorkerMain(wt: typeof import('node:worker_threads'), require: NodeJS.Require, connectionLost: (err: unknown) => boolean): void {
  const data = wt.workerData as ReadWorkerData;
  const pg = require(data.pgPath) as typeof import('pg');
  const flag = new Int32Array(data.flag);
  const C = data.chunkBytes;
  // A connection that is opened when first needed and again after it is lost.
  const link = () => {
    let client: import('pg').Client | null = null;
    let connecting: Promise<import('pg').Client> | null = null;
    return {
      connected(): Promise<import('pg').Client> {
        if (client !== null) return Promise.resolve(client);
        connecting ??= (async () => {
          const c = new pg.Client({ connectionString: data.connectionString });
          c.on('error', () => {
            if (client === c) client = null;
          });
          await c.connect();
          client = c;
          return c;
        })().finally(() => {
          connecting = null;
        });
        return connecting;
      },
      drop(): void {
        if (client !== null) {
          const c = client;
          client = null;
          c.end().catch(() => undefined);
        }
      },
    };
  };
  // Page reads that the main thread waits for, and the other queries, on one connection; reads
  // ahead of a scan on another, so that a page read never waits behind a long read ahead.
  const now = link();
  const later = link();
  // The chunks that hold the range, each cut to its part of the range, in order. Bytes come in
  // base64, which `pg` hands over as text: a third larger than the bytes, where bytea's own text
  // form (hex) is twice as large and several times slower to make and to decode.
  const SQL =
    "SELECT encode(substring(bytes FROM (greatest($3::bigint - chunk::bigint * $5, 0) + 1)::int FOR (least($3::bigint + $4 - chunk::bigint * $5, $5) - greatest($3::bigint - chunk::bigint * $5, 0))::int), 'base64') AS b64 " +
    'FROM datomkit_blobs WHERE name = $1 AND key = $2 AND chunk BETWEEN $6 AND $7 ORDER BY chunk';
  // A large range (a block read for a scan) comes by COPY in binary form instead: the bytes as they
  // are, which spares PostgreSQL the encoding and this thread the decoding (a 1 MiB range in
  // 10-17 ms against 14-26 ms in base64, load ~10). COPY takes no parameters, so the values are
  // written into its text; small ranges (random page reads) stay with the prepared statement,
  // which is cheaper for them (0.2-0.4 ms against 0.3-1.1 ms for 8 KiB).
  const COPY_FROM = 64 << 10;
  const copyRange = (c: import('pg').Client, req: ReadRequest, first: number, last: number, into: Buffer | null): Promise<Buffer | null> => {
    const o = req.offset;
    const n = req.length;
    const text =
      `COPY (SELECT substring(bytes FROM (greatest(${o} - chunk::bigint * ${C}, 0) + 1)::int FOR (least(${o + n} - chunk::bigint * ${C}, ${C}) - greatest(${o} - chunk::bigint * ${C}, 0))::int) ` +
      `FROM datomkit_blobs WHERE name = ${c.escapeLiteral(req.name)} AND key = ${c.escapeLiteral(req.key)} AND chunk BETWEEN ${first} AND ${last} ORDER BY chunk) TO STDOUT (FORMAT binary)`;
    return new Promise((resolve, reject) => {
      // COPY's binary form: a 19-byte header, then per row a field count (int16) and the field's
      // length (int32) and bytes, then -1 as a field count. Messages may cut it anywhere.
      const out = into ?? Buffer.allocUnsafe(n);
      let at = 0;
      let skip = 19;
      let need = 0;
      let rows = 0;
      const head: number[] = [];
      let ended = false;
      let settled = false;
      const settle = (err: Error | null): void => {
        if (settled) return;
        settled = true;
        if (err !== null) reject(err);
        else resolve(rows === 0 ? null : out.subarray(0, at));
      };
      const q = {
        submit(con: { query(text: string): void }): void {
          con.query(text);
        },
        handleCopyData(msg: { chunk: Buffer }): void {
          const b = msg.chunk;
          let i = 0;
          while (i < b.length && !ended) {
            if (skip > 0) {
              const k = Math.min(skip, b.length - i);
              skip -= k;
              i += k;
            } else if (need > 0) {
              const k = Math.min(need, b.length - i, n - at);
              if (k <= 0) {
                settle(new Error('COPY sent more bytes than the range holds'));
                return;
              }
              b.copy(out, at, i, i + k);
              at += k;
              need -= k;
              i += k;
            } else {
              head.push(b[i++] as number);
              if (head.length === 2 && head[0] === 0xff && head[1] === 0xff) ended = true;
              else if (head.length === 6) {
                need = (((head[2] as number) << 24) | ((head[3] as number) << 16) | ((head[4] as number) << 8) | (head[5] as number)) >>> 0;
                head.length = 0;
                rows += 1;
              }
            }
          }
        },
        handleCommandComplete(): void {},
        handleRowDescription(): void {},
        handleDataRow(): void {},
        handleEmptyQuery(): void {},
        handleError(err: Error): void {
          settle(err);
        },
        handleReadyForQuery(): void {
          settle(null);
        },
      };
      c.query(q as unknown as import('pg').QueryConfig);
    });
  };
  // The page buffer, as a Buffer (a view: nothing is copied).
  const page = Buffer.from(data.pageBuffer);
  // A page read's bytes go to the page buffer when they fit (`into`), elsewhere to a buffer of their own.
  const read = async (req: ReadRequest, on: ReturnType<typeof link>, into: Buffer | null): Promise<ReadReply> => {
    const seq = req.seq ?? 0;
    const first = Math.floor(req.offset / C);
    const last = Math.floor((req.offset + Math.max(req.length, 1) - 1) / C);
    const deadline = Date.now() + data.retryMs;
    for (;;) {
      try {
        const c = await on.connected();
        if (req.length >= COPY_FROM) {
          const bytes = await copyRange(c, req, first, last, into);
          if (bytes === null) return { seq, error: `blob ${req.key} is missing`, missing: true };
          return into === null ? { seq, bytes } : { seq, shared: bytes.length };
        }
        // Prepared once per connection: a page read is then only bound and run.
        const r = await c.query<{ b64: string }>({ name: 'datomkit_range', text: SQL, values: [req.name, req.key, req.offset, req.length, C, first, last] });
        if (r.rows.length === 0) return { seq, error: `blob ${req.key} is missing`, missing: true };
        if (into !== null) {
          let n = 0;
          for (const row of r.rows) n += into.write(row.b64, n, 'base64');
          return { seq, shared: n };
        }
        const bytes = r.rows.length === 1 ? Buffer.from((r.rows[0] as { b64: string }).b64, 'base64') : Buffer.concat(r.rows.map((x) => Buffer.from(x.b64, 'base64')));
        return { seq, bytes };
      } catch (err) {
        if (!connectionLost(err) || Date.now() > deadline) return { seq, error: (err as Error).message ?? String(err), missing: false };
        on.drop();
        await new Promise((r) => setTimeout(r, 50));
      }
    }
  };
  const query = async (req: QueryRequest): Promise<QueryReply> => {
    try {
      const c = await now.connected();
      const r = await c.query<Record<string, unknown>>(req.text, req.values as unknown[]);
      for (const row of r.rows) {
        if (typeof row.b64 === 'string') {
          row.bytes = Buffer.from(row.b64, 'base64');
          delete row.b64;
        }
      }
      return { id: req.id, rows: r.rows };
    } catch (err) {
      const code = (err as { code?: unknown }).code;
      if (connectionLost(err)) now.drop();
      return { id: req.id, error: (err as Error).message ?? String(err), code: code === undefined ? undefined : String(code) };
    }
  };
  // A buffer that is a whole ArrayBuffer of its own is moved to the main thread instead of copied.
  const movable = (b: Uint8Array): ArrayBuffer[] => (b.byteOffset === 0 && b.byteLength === b.buffer.byteLength && b.buffer instanceof ArrayBuffer ? [b.buffer] : []);
  // Connect now: the first read is usually on its way.
  now.connected().catch(() => undefined);
  // One read at a time on each connection (a read is retried on the connection it was asked on).
  let served: Promise<void> = Promise.resolve();
  let servedAhead: Promise<void> = Promise.resolve();
  const answer = async (req: ReadRequest, on: ReturnType<typeof link>): Promise<void> => {
    const reply = await read(req, on, req.ahead !== true && req.length <= page.length ? page.subarray(0, req.length) : null);
    data.port.postMessage(reply, 'bytes' in reply ? movable(reply.bytes) : []);
    Atomics.add(flag, 0, 1);
    Atomics.notify(flag, 0);
  };
  data.port.on('message', (req: ReadRequest) => {
    if (req.ahead === true) servedAhead = servedAhead.then(() => answer(req, later));
    else served = served.then(() => answer(req, now));
  });
  data.queries.on('message', (req: QueryRequest) => {
    query(req).then((reply) => {
      const moved: ArrayBuffer[] = [];
      if ('rows' in reply) for (const row of reply.rows) for (const v of Object.values(row)) if (v instanceof Uint8Array) moved.push(...movable(v));
      data.queries.postMessage(reply, moved);
    });
  });
}
