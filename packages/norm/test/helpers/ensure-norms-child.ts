// Run by two-process.test.ts in a child process: applies a migrations folder to a database and
// prints the steps as JSON on stdout.
import { connect, isDatomError } from '@datomkit/datom-core';
import { ensureNorms } from '../../src/index.js';

const [uri, dir] = process.argv.slice(2);
if (uri === undefined || dir === undefined) throw new Error('usage: ensure-norms-child <uri> <dir>');

async function connectWhenFree() {
  // Another process may hold the database's writer lock for a moment.
  for (let attempt = 0; ; attempt++) {
    try {
      return await connect(uri as string);
    } catch (err) {
      if (!isDatomError(err, 'db/locked') || attempt > 200) throw err;
      await new Promise((r) => setTimeout(r, 25));
    }
  }
}

const conn = await connectWhenFree();
try {
  const result = await ensureNorms(conn, dir, { txFns: { 'my.app/fill': () => [{ 'artist/name': 'Ada' }] } });
  process.stdout.write(JSON.stringify(result.steps.map((s) => ({ id: s.id, status: s.status }))));
} finally {
  await conn.close();
}
