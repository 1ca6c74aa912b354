// A restore run the crash test kills: `node --conditions=@datomkit/source --import tsx
// test/crash-child.ts <source> <dest> <state>`. Prints "start" when the restore begins.
import { connect } from '@datomkit/datom-core';
import { incrementalRestore } from '../src/index.js';

const [source, dest, state] = process.argv.slice(2) as [string, string, string];
const sourceConn = await connect(source, { readOnly: true });
const destConn = await connect(dest);
const stateConn = await connect(state);
process.stdout.write('start\n');
const r = await incrementalRestore({ sourceConn, destConn, stateConn, maxBatchSize: 25, txParallelism: 3, readParallelism: 4, readChunk: 200 });
process.stdout.write(`done ${r.status} ${r.lastSourceT}\n`);
await Promise.all([sourceConn.close(), destConn.close(), stateConn.close()]);
