import { DatomError } from '../error/datom-error.js';
import { emptyDbState } from '../db/db-state.js';
import { Uuid } from '../model/uuid.js';
import type { Connection, ConnectOptions } from './connection.js';
import { LocalConnection, SharedDatabase } from './local-connection.js';

/** A parsed database URI. */
export interface DatabaseUri {
  readonly kind: 'mem';
  readonly name: string;
}

/**
 * Parses a database URI: `mem://name` for a database held in this process. (File and PostgreSQL
 * storage plug in here.)
 *
 * @example
 * ```ts
 * parseDatabaseUri('mem://music') // { kind: 'mem', name: 'music' }
 * ```
 */
export function parseDatabaseUri(uri: string): DatabaseUri {
  if (typeof uri !== 'string' || uri.length === 0) throw new DatomError('db/uri', 'A database URI must be a non-empty string', { data: { uri: String(uri) } });
  if (uri.startsWith('mem://')) {
    const name = uri.slice('mem://'.length);
    if (name.length === 0) throw new DatomError('db/uri', `A mem URI needs a name: mem://name`, { data: { uri } });
    return { kind: 'mem', name };
  }
  throw new DatomError('db/uri', `Unsupported database URI ${uri}: use mem://name`, { data: { uri } });
}

const memDatabases = new Map<string, SharedDatabase>();

/**
 * Creates an empty database at `uri`. Resolves to `true` when it was created and `false` when it
 * already existed (the existing one is left as it is).
 *
 * @example
 * ```ts
 * await createDatabase('mem://music')
 * ```
 */
export async function createDatabase(uri: string): Promise<boolean> {
  const u = parseDatabaseUri(uri);
  if (memDatabases.has(u.name)) return false;
  memDatabases.set(u.name, new SharedDatabase(emptyDbState(Uuid.random().text)));
  return true;
}

/**
 * Connects to the database at `uri`, which must exist. Connections to the same `mem://` name in
 * one process share the database.
 *
 * @example
 * ```ts
 * const conn = await connect('mem://music', { txFns: { 'my/inc': async (db, e) => [] } })
 * ```
 */
export async function connect(uri: string, options: ConnectOptions = {}): Promise<Connection> {
  const u = parseDatabaseUri(uri);
  const shared = memDatabases.get(u.name);
  if (shared === undefined) {
    throw new DatomError('db/not-found', `No database at ${uri}: create it with createDatabase first`, { data: { uri } });
  }
  return new LocalConnection(shared, options.txFns);
}

/**
 * Deletes the database at `uri`. Open connections to it fail from then on. Resolves to `true` when
 * there was a database to delete.
 *
 * @example
 * ```ts
 * await deleteDatabase('mem://music')
 * ```
 */
export async function deleteDatabase(uri: string): Promise<boolean> {
  const u = parseDatabaseUri(uri);
  const shared = memDatabases.get(u.name);
  if (shared === undefined) return false;
  shared.deleted = true;
  memDatabases.delete(u.name);
  return true;
}
