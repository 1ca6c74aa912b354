// The thread that serves a PostgreSQL store's synchronous page reads. Index searches are
// synchronous and a page is read when first needed, so the main thread posts a request and blocks
// on Atomics.wait; this thread, which owns its own connection, runs the query, posts the bytes back
// and wakes it. The function below is the whole of the thread: it runs from its source text
// (`new Worker(src, { eval: true })`), so it must use nothing from outside it but `wt`, `require`
// and the data it is given.
import type { MessagePort } from 'node:worker_threads';

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
   * Two Int32s: the first is set to 1 (and notified) when a reply is posted, the second to 1 when
   * the thread has failed for good (its error is posted as a reply).
   */
  readonly flag: SharedArrayBuffer;
  /** Bytes per chunk row of a blob. */
  readonly chunkBytes: number;
  /** How long a read may try to reconnect after losing its connection. */
  readonly retryMs: number;
}

/** A range read: `length` bytes of blob `key` of database `name`, from `offset`. */
export interface ReadRequest {
  readonly name: string;
  readonly key: string;
  readonly offset: number;
  readonly length: number;
}

/** The reply: the bytes, or why there are none (`missing` for a blob that is not there). */
export type ReadReply = { readonly bytes: Uint8Array } | { readonly error: string; readonly missing: boolean };

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
 * thread that fails (while starting or later) to the waiting main thread instead of leaving it to
 * time out. `__name` is defined because some transpilers (tsx, keepNames) wrap functions in it.
 */
export function readWorkerSource(): string {
  return `
const wt = require('node:worker_threads');
const flag = new Int32Array(wt.workerData.flag);
const fail = (e) => {
  const error = 'the read thread failed: ' + String((e && e.stack) || e);
  try { wt.workerData.port.postMessage({ error, missing: false }); } catch {}
  try { wt.workerData.queries.postMessage({ id: 0, error, code: undefined }); } catch {}
  Atomics.store(flag, 1, 1);
  Atomics.store(flag, 0, 1);
  Atomics.notify(flag, 0);
};
process.on('uncaughtException', fail);
process.on('unhandledRejection', fail);
var __name = (f) => f;
try { (${readWorkerMain.toString()})(wt, require); } catch (e) { fail(e); }
`;
}

/**
 * The read thread's body. Requests are served one at a time, in order; a connection lost mid-read
 * is reopened and the read tried again until `retryMs` has passed (a server restart takes a second).
 * A page read's reply is posted before the flag is set: the main thread, which waits for the flag,
 * then finds it on the port. Its bytes are moved, not copied, when they are a buffer of their own.
 */
export function readWorkerMain(wt: typeof import('node:worker_threads'), require: NodeJS.Require): void {
  const data = wt.workerData as ReadWorkerData;
  const pg = require(data.pgPath) as typeof import('pg');
  const flag = new Int32Array(data.flag);
  const C = data.chunkBytes;
  let client: import('pg').Client | null = null;
  let connecting: Promise<import('pg').Client> | null = null;
  const connected = (): Promise<import('pg').Client> => {
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
  };
  // The chunks that hold the range, each cut to its part of the range, in order. Bytes come in
  // base64, which `pg` hands over as text: a third larger than the bytes, where bytea's own text
  // form (hex) is twice as large and several times slower to make and to decode.
  const SQL =
    "SELECT encode(substring(bytes FROM (greatest($3::bigint - chunk::bigint * $5, 0) + 1)::int FOR (least($3::bigint + $4 - chunk::bigint * $5, $5) - greatest($3::bigint - chunk::bigint * $5, 0))::int), 'base64') AS b64 " +
    'FROM datomkit_blobs WHERE name = $1 AND key = $2 AND chunk BETWEEN $6 AND $7 ORDER BY chunk';
  const read = async (req: ReadRequest): Promise<ReadReply> => {
    const first = Math.floor(req.offset / C);
    const last = Math.floor((req.offset + Math.max(req.length, 1) - 1) / C);
    const deadline = Date.now() + data.retryMs;
    for (;;) {
      try {
        const c = await connected();
        const r = await c.query<{ b64: string }>(SQL, [req.name, req.key, req.offset, req.length, C, first, last]);
        if (r.rows.length === 0) return { error: `blob ${req.key} is missing`, missing: true };
        const bytes = r.rows.length === 1 ? Buffer.from((r.rows[0] as { b64: string }).b64, 'base64') : Buffer.concat(r.rows.map((x) => Buffer.from(x.b64, 'base64')));
        return { bytes };
      } catch (err) {
        // SQLSTATE classes 08 (connection) and 57P (shutdown), or a socket error: the connection is gone.
        const code = String((err as { code?: unknown }).code ?? '');
        const lost = !/^[0-9A-Z]{5}$/.test(code) || code.startsWith('08') || code.startsWith('57P');
        if (!lost || Date.now() > deadline) return { error: (err as Error).message ?? String(err), missing: false };
        if (client !== null) {
          const c = client;
          client = null;
          c.end().catch(() => undefined);
        }
        await new Promise((r) => setTimeout(r, 50));
      }
    }
  };
  const query = async (req: QueryRequest): Promise<QueryReply> => {
    try {
      const c = await connected();
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
      const lost = !/^[0-9A-Z]{5}$/.test(String(code ?? '')) || String(code).startsWith('08') || String(code).startsWith('57P');
      if (lost && client !== null) {
        const c = client;
        client = null;
        c.end().catch(() => undefined);
      }
      return { id: req.id, error: (err as Error).message ?? String(err), code: code === undefined ? undefined : String(code) };
    }
  };
  // A buffer that is a whole ArrayBuffer of its own is moved to the main thread instead of copied.
  const movable = (b: Uint8Array): ArrayBuffer[] => (b.byteOffset === 0 && b.byteLength === b.buffer.byteLength && b.buffer instanceof ArrayBuffer ? [b.buffer] : []);
  // Connect now: the first read is usually on its way.
  connected().catch(() => undefined);
  data.port.on('message', (req: ReadRequest) => {
    read(req).then((reply) => {
      data.port.postMessage(reply, 'bytes' in reply ? movable(reply.bytes) : []);
      Atomics.store(flag, 0, 1);
      Atomics.notify(flag, 0);
    });
  });
  data.queries.on('message', (req: QueryRequest) => {
    query(req).then((reply) => {
      const moved: ArrayBuffer[] = [];
      if ('rows' in reply) for (const row of reply.rows) for (const v of Object.values(row)) if (v instanceof Uint8Array) moved.push(...movable(v));
      data.queries.postMessage(reply, moved);
    });
  });
}
