import { randomUUID } from 'node:crypto';
import { type Connection, connect, createDatabase, deleteDatabase } from '@datomkit/datom-core';
import { afterEach } from 'vitest';

const opened: { uri: string; conn: Connection }[] = [];

afterEach(async () => {
  for (const { uri, conn } of opened.splice(0)) {
    await conn.close();
    await deleteDatabase(uri);
  }
});

/** A connection to a fresh empty in-memory database, closed and deleted after the test. */
export async function freshConn(): Promise<Connection> {
  const uri = `mem://norm-${randomUUID()}`;
  await createDatabase(uri);
  const conn = await connect(uri);
  opened.push({ uri, conn });
  return conn;
}
