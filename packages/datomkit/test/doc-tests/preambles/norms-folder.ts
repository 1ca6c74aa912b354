// ./migrations: an application's norms folder with two norms (001 and 002, schema only) and its
// checksums.edn.
import { mkdirSync, writeFileSync } from 'node:fs';
import { updateChecksums } from '@datomkit/norm';

mkdirSync('migrations');
writeFileSync('migrations/001-artists.edn', '{:tx-data [{:db/ident :artist/name :db/valueType :db.type/string :db/cardinality :db.cardinality/one}]}\n');
writeFileSync('migrations/002-releases.edn', '{:tx-data [{:db/ident :release/title :db/valueType :db.type/string :db/cardinality :db.cardinality/one}]}\n');
await updateChecksums('migrations');
