// ./migrations: one norm with the artist and release schema the root README's snippet uses, and its
// checksums.edn, as an application's own migrations folder would be.
import { mkdirSync, writeFileSync } from 'node:fs';
import { updateChecksums } from 'datomkit/norm';

mkdirSync('migrations');
writeFileSync(
  'migrations/001-music.edn',
  `{:tx-data [{:db/ident :artist/name :db/valueType :db.type/string :db/cardinality :db.cardinality/one :db/unique :db.unique/identity}
            {:db/ident :artist/releases :db/valueType :db.type/ref :db/cardinality :db.cardinality/many}
            {:db/ident :release/title :db/valueType :db.type/string :db/cardinality :db.cardinality/one}]}
`,
);
await updateChecksums('migrations');
