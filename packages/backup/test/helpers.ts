import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type Connection, connect, createDatabase, deleteDatabase } from '@datomkit/datom-core';
import { catalogSchema, generateCatalog } from '@datomkit/testkit';

let n = 0;
const opened: string[] = [];
const dirs: string[] = [];

/** A fresh, empty in-memory database. */
export async function freshConn(name = 'db'): Promise<Connection> {
  const uri = `mem://backup-test-${process.pid}-${name}-${n++}`;
  await createDatabase(uri);
  opened.push(uri);
  return connect(uri);
}

/** A fresh temporary folder, removed by {@link dropAll}. */
export function tempDir(): string {
  const d = mkdtempSync(join(tmpdir(), 'datomkit-backup-'));
  dirs.push(d);
  return d;
}

/** Deletes every database and folder the helpers created. */
export async function dropAll(): Promise<void> {
  for (const uri of opened.splice(0)) await deleteDatabase(uri);
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
}

/** The sample music catalog of about `datoms` datoms, loaded into `conn`. */
export async function loadCatalog(conn: Connection, datoms: number, seed = 1, batchEntities = 200): Promise<Connection> {
  await conn.transact(catalogSchema());
  for (const tx of generateCatalog({ datoms, seed, batchEntities })) await conn.transact(tx);
  return conn;
}
