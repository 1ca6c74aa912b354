// After the catalog preamble: `source`, a connection to ./data/music, and `dest`, one to the new
// empty database ./data/copy, as globals.
import { connect, createDatabase } from '@datomkit/datom-core';

await createDatabase('file:./data/copy');
Object.assign(globalThis, { source: await connect('file:./data/music'), dest: await connect('file:./data/copy') });
