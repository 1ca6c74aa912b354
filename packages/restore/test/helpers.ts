import { type Connection, connect, createDatabase, deleteDatabase } from '@datomkit/datom-core';
import { catalogSchema, generateCatalog } from '@datomkit/testkit';

let n = 0;
const opened: string[] = [];

/** A fresh, empty in-memory database. */
export async function freshConn(name = 'db'): Promise<Connection> {
  const uri = `mem://restore-test-${process.pid}-${name}-${n++}`;
  await createDatabase(uri);
  opened.push(uri);
  return connect(uri);
}

/** Deletes every database the helpers created. */
export async function dropAll(): Promise<void> {
  for (const uri of opened.splice(0)) await deleteDatabase(uri);
}

/** A database holding the sample music catalog of about `datoms` datoms. */
export async function catalogConn(datoms: number, seed = 1, batchEntities = 200): Promise<Connection> {
  const conn = await freshConn('catalog');
  await conn.transact(catalogSchema());
  for (const tx of generateCatalog({ datoms, seed, batchEntities })) await conn.transact(tx);
  return conn;
}

/**
 * A connection whose writes (`transact` and `bulkLoad`, counted together) run `hook(n)` before (and
 * `after(n)` after) the n-th call (from 1).
 */
export function instrumented(
  conn: Connection,
  hooks: { readonly before?: (n: number) => void | Promise<void>; readonly after?: (n: number) => void | Promise<void> },
): Connection {
  let n = 0;
  const hooked =
    <A, R>(write: (arg: A) => Promise<R>) =>
    async (arg: A): Promise<R> => {
      const k = ++n;
      await hooks.before?.(k);
      const result = await write(arg);
      await hooks.after?.(k);
      return result;
    };
  return new Proxy(conn, {
    get(target, prop) {
      const v = Reflect.get(target, prop, target);
      if (typeof v !== 'function') return v;
      const bound = v.bind(target);
      return prop === 'transact' || prop === 'bulkLoad' ? hooked(bound) : bound;
    },
  });
}

/** How many entities hold each value of `attr` more than once (a natural key copied twice). */
export async function duplicatesOf(conn: Connection, attr: string): Promise<number> {
  const seen = new Map<string, number>();
  for (const d of await conn.db().datoms('aevt', attr).toArray()) {
    const k = String(d.v);
    seen.set(k, (seen.get(k) ?? 0) + 1);
  }
  return [...seen.values()].filter((n) => n > 1).length;
}
