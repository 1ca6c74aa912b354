import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll } from 'vitest';
import { type Connection, connect, createDatabase } from '../src/index.js';
import { describeConformance } from './conformance/index.js';

// The same conformance suite as on memory, on durable file databases; `reconnect` closes the
// connection and opens the directory again, so every read after it comes back from disk.
const root = mkdtempSync(join(tmpdir(), 'datomkit-conformance-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

let counter = 0;
const dirs = new WeakMap<Connection, string>();

describeConformance(
  'file',
  async () => {
    const dir = join(root, `db-${++counter}`);
    if (!(await createDatabase(`file:${dir}`))) throw new Error(`${dir} already exists`);
    const conn = await connect(`file:${dir}`, { checkpointRows: 50 });
    dirs.set(conn, dir);
    return conn;
  },
  {
    reconnect: async (conn) => {
      const dir = dirs.get(conn);
      if (dir === undefined) throw new Error('not a connection of this suite');
      await conn.close();
      const next = await connect(`file:${dir}`);
      dirs.set(next, dir);
      return next;
    },
  },
);
