import { type Connection, connect, createDatabase } from '../src/index.js';
import { describeConformance } from './conformance/index.js';

let counter = 0;
const uris = new WeakMap<Connection, string>();

describeConformance(
  'mem',
  async () => {
    // A unique name per test: mem databases live as long as the process.
    const uri = `mem://conformance-${process.pid}-${++counter}`;
    if (!(await createDatabase(uri))) throw new Error(`${uri} already exists`);
    const conn = await connect(uri);
    uris.set(conn, uri);
    return conn;
  },
  {
    reconnect: async (conn) => {
      const uri = uris.get(conn);
      if (uri === undefined) throw new Error('not a connection of this suite');
      return connect(uri);
    },
  },
);
