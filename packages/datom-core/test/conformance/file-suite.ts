import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll } from 'vitest';
import { type ConnectOptions, type Connection, connect, createDatabase } from '../../src/index.js';
import { describeConformance } from './index.js';

/**
 * The conformance suite on durable file databases opened with `options`; `reconnect` closes the
 * connection and opens the directory again, so every read after it comes back from disk.
 */
export function describeFileConformance(name: string, options: ConnectOptions): void {
  const root = mkdtempSync(join(tmpdir(), 'datomkit-conformance-'));
  afterAll(() => rmSync(root, { recursive: true, force: true }));
  let counter = 0;
  describeUriConformance(name, () => `file:${join(root, `db-${++counter}`)}`, options);
}

/**
 * The conformance suite on durable databases at the URIs `newUri` gives (a new one per call),
 * opened with `options`; `reconnect` closes the connection and opens the database again, so every
 * read after it comes back from storage.
 */
export function describeUriConformance(name: string, newUri: () => string, options: ConnectOptions): void {
  const uris = new Map<Connection, string>();
  // The suite's tests leave their connections open: closed here, before the folder goes (else
  // their log handles stay open until a collection closes them, which Node warns of).
  afterAll(async () => {
    for (const conn of uris.keys()) await conn.close().catch(() => undefined);
    uris.clear();
  });
  describeConformance(
    name,
    async () => {
      const uri = newUri();
      if (!(await createDatabase(uri))) throw new Error(`${uri} already exists`);
      const conn = await connect(uri, options);
      uris.set(conn, uri);
      return conn;
    },
    {
      reconnect: async (conn) => {
        const uri = uris.get(conn);
        if (uri === undefined) throw new Error('not a connection of this suite');
        await conn.close();
        uris.delete(conn);
        const next = await connect(uri, options);
        uris.set(next, uri);
        return next;
      },
    },
  );
}
