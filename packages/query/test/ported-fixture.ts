import { type Connection, connect, createDatabase, type Database } from '@datomkit/datom-core';
import { afterAll } from 'vitest';

/**
 * Shared set-up of the ported tests (DataScript's query suite and Datomic's documented examples):
 * in-memory databases built from EDN, and result comparison as sets.
 */

let counter = 0;
const open: Connection[] = [];
afterAll(async () => {
  for (const c of open.splice(0)) await c.close();
});

/** A new in-memory connection with `schema` and then each of `txs` transacted (EDN text). */
export async function connWith(schema: string, ...txs: string[]): Promise<{ conn: Connection; ids: Record<string, number> }> {
  const uri = `mem://query-ported-${process.pid}-${++counter}`;
  await createDatabase(uri);
  const conn = await connect(uri);
  open.push(conn);
  await conn.transact(schema);
  const ids: Record<string, number> = {};
  for (const tx of txs) Object.assign(ids, (await conn.transact(tx)).tempids);
  return { conn, ids };
}

/** Like {@link connWith}, for when only the latest database value is needed. */
export async function dbWith(schema: string, ...txs: string[]): Promise<{ db: Database; ids: Record<string, number> }> {
  const { conn, ids } = await connWith(schema, ...txs);
  return { db: conn.db(), ids };
}

/** One attribute's schema map in EDN. */
export function attr(ident: string, type: string, more = ''): string {
  const many = more.includes('many');
  const rest = more.replace('many', '').trim();
  return `{:db/ident :${ident} :db/valueType :db.type/${type} :db/cardinality :db.cardinality/${many ? 'many' : 'one'} ${rest}}`;
}

/** A relation (or collection) as a sorted list of row texts: compares results as sets. */
export function asSet(result: unknown): string[] {
  if (!Array.isArray(result)) throw new Error(`expected a relation or a collection, got ${String(result)}`);
  return result.map((row) => JSON.stringify(row, (_, v) => (typeof v === 'bigint' ? `${v}n` : v))).sort();
}
