// `conn` and `db`, globals: a connection to the in-memory database mem://people and its value. People
// have :person/name, :person/email (unique identity), :person/age, :person/tags (keywords, many),
// :person/friends (refs, many) and :person/address (a component); Ann (ann@x, 30) is friends with
// Bob (bob@x, 25), Cat (cat@x, 17) with Ann.
import { connect, createDatabase } from '@datomkit/datom-core';

await createDatabase('mem://people');
const conn = await connect('mem://people');
await conn.transact(`[{:db/ident :person/name :db/valueType :db.type/string :db/cardinality :db.cardinality/one :db/index true}
                      {:db/ident :person/email :db/valueType :db.type/string :db/cardinality :db.cardinality/one :db/unique :db.unique/identity}
                      {:db/ident :person/age :db/valueType :db.type/long :db/cardinality :db.cardinality/one :db/index true}
                      {:db/ident :person/tags :db/valueType :db.type/keyword :db/cardinality :db.cardinality/many}
                      {:db/ident :person/friends :db/valueType :db.type/ref :db/cardinality :db.cardinality/many}
                      {:db/ident :person/address :db/valueType :db.type/ref :db/cardinality :db.cardinality/one :db/isComponent true}
                      {:db/ident :address/city :db/valueType :db.type/string :db/cardinality :db.cardinality/one}]`);
await conn.transact(`[{:db/id "bob" :person/name "Bob" :person/email "bob@x" :person/age 25}
                      {:person/name "Ann" :person/email "ann@x" :person/age 30 :person/tags #{:admin :dev}
                       :person/friends ["bob"] :person/address {:address/city "Lyon"}}]`);
await conn.transact(`[{:person/name "Cat" :person/email "cat@x" :person/age 17 :person/friends [[:person/email "ann@x"]]}]`);
Object.assign(globalThis, { conn, db: conn.db() });
