// `conn`, a global: a connection to the in-memory database mem://artists with :artist/name (unique
// identity) and :artist/influencedBy (refs, many).
import { connect, createDatabase } from '@datomkit/datom-core';

await createDatabase('mem://artists');
const conn = await connect('mem://artists');
await conn.transact(`[{:db/ident :artist/name :db/valueType :db.type/string :db/cardinality :db.cardinality/one :db/unique :db.unique/identity}
                      {:db/ident :artist/influencedBy :db/valueType :db.type/ref :db/cardinality :db.cardinality/many}]`);
Object.assign(globalThis, { conn });
