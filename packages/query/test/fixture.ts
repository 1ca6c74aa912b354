import { type Connection, type Database, connect, createDatabase } from '@datomkit/datom-core';

let n = 0;

/** A fresh in-memory connection with `schema` and `data` transacted (EDN text). */
export async function fixture(schema: string, ...data: string[]): Promise<{ conn: Connection; db: Database }> {
  const uri = `mem://query-test-${process.pid}-${n++}`;
  await createDatabase(uri);
  const conn = await connect(uri);
  await conn.transact(schema);
  for (const d of data) await conn.transact(d);
  return { conn, db: conn.db() };
}

/** People with names, ages, friends (a ref, many) and an enum of sex. */
export const PEOPLE_SCHEMA = `[
  {:db/ident :person/name :db/valueType :db.type/string :db/cardinality :db.cardinality/one :db/unique :db.unique/identity}
  {:db/ident :person/age :db/valueType :db.type/long :db/cardinality :db.cardinality/one}
  {:db/ident :person/friend :db/valueType :db.type/ref :db/cardinality :db.cardinality/many}
  {:db/ident :person/sex :db/valueType :db.type/ref :db/cardinality :db.cardinality/one}
  {:db/ident :person/tags :db/valueType :db.type/keyword :db/cardinality :db.cardinality/many}
  {:db/ident :sex/male} {:db/ident :sex/female}]`;

export const PEOPLE_DATA = `[
  {:db/id "ann" :person/name "Ann" :person/age 30 :person/sex :sex/female :person/friend ["bob" "cid"] :person/tags [:a :b]}
  {:db/id "bob" :person/name "Bob" :person/age 20 :person/sex :sex/male :person/friend ["cid"]}
  {:db/id "cid" :person/name "Cid" :person/age 40 :person/sex :sex/male :person/friend ["dan"]}
  {:db/id "dan" :person/name "Dan" :person/age 20}]`;

/** Sorts a relation result so tests can compare it with an expected set of tuples. */
export function sorted(rows: unknown): unknown[][] {
  return [...(rows as unknown[][])].sort((a, b) => (JSON.stringify(a) < JSON.stringify(b) ? -1 : 1));
}
