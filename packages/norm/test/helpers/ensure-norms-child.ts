// Run by two-process.test.ts in a child process: applies a migrations folder to a database and
// prints the steps as JSON on stdout.
import { connect, isDatomError } from '@datomkit/datom-core';
import { ensureNorms } from '../../src/index.js';

const [uri, dir] = process.argv.slice(2);
if (uri === undefined || dir === undefined) throw new Error('usage: ensure-norms-child <uri> <dir>');

async function connectWhenFree() {
  // A durable database has one writer at a time: wait (up to 30 s) while the other process holds
  // the writer lock.
  const deadline = Date.now() + 30_000;
  for (;;) {
    try {
      return await connect(uri as string);
    } catch (err) {
      if (!isDatomError(err, 'db/locked') || Date.now() > deadline) throw err;
      await new Promise((r) => setTimeout(r, 20));
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
