// After the catalog preamble: `conn`, a connection to ./data/music, as a global.
import { connect } from '@datomkit/datom-core';

Object.assign(globalThis, { conn: await connect('file:./data/music') });
