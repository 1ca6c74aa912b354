// `sourceConn`, `destConn` and `stateConn`, globals: connections to in-memory databases; the source
// holds customers with :customer/email and :customer/passwordHash, the other two are empty.
import { connect, createDatabase } from '@datomkit/datom-core';

for (const name of ['customers', 'customers-copy', 'customers-state']) await createDatabase(`mem://${name}`);
const sourceConn = await connect('mem://customers');
await sourceConn.transact(`[{:db/ident :customer/email :db/valueType :db.type/string :db/cardinality :db.cardinality/one :db/unique :db.unique/identity}
                            {:db/ident :customer/passwordHash :db/valueType :db.type/string :db/cardinality :db.cardinality/one}]`);
await sourceConn.transact('[{:customer/email "ann@x" :customer/passwordHash "$2b$..."} {:customer/email "bob@x" :customer/passwordHash "$2b$..."}]');
Object.assign(globalThis, { sourceConn, destConn: await connect('mem://customers-copy'), stateConn: await connect('mem://customers-state') });
