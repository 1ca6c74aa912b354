// ./data/music: a durable database holding a small sample music catalog (@datomkit/testkit, about
// 3,000 datoms), with no connection left open; ./migrations and ./examples/migrations: copies of the
// repository's examples/migrations (the catalog's norms, with checksums.edn).
import { cpSync } from 'node:fs';
import { join } from 'node:path';
import { connect, createDatabase } from '@datomkit/datom-core';
import { catalogSchema, generateCatalog } from '@datomkit/testkit';

await createDatabase('file:./data/music');
const conn = await connect('file:./data/music');
await conn.transact(catalogSchema());
for (const tx of generateCatalog({ datoms: 3_000, seed: 7 })) await conn.transact(tx);
await conn.close();
const examples = join(process.env.DATOMKIT_REPO as string, 'examples', 'migrations');
cpSync(examples, 'migrations', { recursive: true });
cpSync(examples, join('examples', 'migrations'), { recursive: true });
