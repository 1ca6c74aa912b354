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
  const dirs = new WeakMap<Connection, string>();
  describeConformance(
    name,
    async () => {
      const dir = join(root, `db-${++counter}`);
      if (!(await createDatabase(`file:${dir}`))) throw new Error(`${dir} already exists`);
      const conn = await connect(`file:${dir}`, options);
      dirs.set(conn, dir);
      return conn;
    },
    {
      reconnect: async (conn) => {
        const dir = dirs.get(conn);
        if (dir === undefined) throw new Error('not a connection of this suite');
        await conn.close();
        const next = await connect(`file:${dir}`, options);
        dirs.set(next, dir);
        return next;
      },
    },
  );
}
