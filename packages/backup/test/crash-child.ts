// A process the crash tests kill: `node --conditions=@datomkit/source --import tsx test/crash-child.ts`.
// It loads its modules, prints "ready", then waits for one line on standard input,
// `restore-db <file> <destUri>` or `backup <sourceUri> <dir>`, prints "start" and does it.
import { createInterface } from 'node:readline';
import { connect } from '@datomkit/datom-core';
import { backupDatabase, restoreDb } from '../src/index.js';

const lines = createInterface({ input: process.stdin });
process.stdout.write('ready\n');
for await (const line of lines) {
  const [cmd, a, b] = line.split(' ') as [string, string, string];
  if (cmd === 'restore-db') {
    const destConn = await connect(b);
    process.stdout.write('start\n');
    const r = await restoreDb({ source: a, destConn });
    process.stdout.write(`done ${r.lastSourceT}\n`);
    await destConn.close();
  }
  if (cmd === 'backup') {
    process.stdout.write('start\n');
    const r = await backupDatabase({ source: a, dir: b });
    process.stdout.write(`done ${r.t}\n`);
  }
  break;
}
lines.close();
