// One database in PostgreSQL, shared by processes that could be on different machines: this process
// writes, a second one (started here as a child, as another app server would be) is refused as a
// second writer, then reads the database and is told of each new transaction by LISTEN/NOTIFY,
// without polling.
//
//   eval "$(bash .ci/start-postgres.sh)"   # a throwaway server on 127.0.0.1, if you have none
//   DATABASE_URL=$DATOMKIT_TEST_PG pnpm --filter @datomkit/example-shared-postgres start
import { fork } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { connect, createDatabase, deleteDatabase, isDatomError, kw } from 'datomkit';

const server = process.env.DATABASE_URL;
if (server === undefined || server === '') {
  console.error('Set DATABASE_URL to a PostgreSQL server, e.g. postgres://postgres@127.0.0.1:5432/postgres');
  process.exit(2);
}
const uri = process.argv[2] ?? `${server}${server.includes('?') ? '&' : '?'}name=example-${process.pid}`;

if (process.argv[3] === 'reader') {
  // Another process (another machine, with the same URI). The writer lock is PostgreSQL's: a
  // second writer anywhere is refused, naming the holder.
  const refused = await connect(uri).then(
    async (c) => {
      await c.close();
      return 'NOT REFUSED';
    },
    (err: unknown) => (isDatomError(err, 'db/locked') ? `refused (db/locked): ${(err as Error).message}` : `failed otherwise: ${String(err)}`),
  );
  process.send?.({ refused });
  const conn = await connect(uri, { readOnly: true });
  conn.listen((report) => {
    for (const d of report.txData) {
      if (d.a === conn.db().attribute('artist/name')?.id) process.send?.({ heard: d.v });
    }
  });
  process.send?.({ ready: conn.db().basisT });
  process.on('message', async () => {
    await conn.close();
    process.exit(0);
  });
} else {
  await createDatabase(uri);
  const writer = await connect(uri);
  await writer.transact([{ 'db/ident': kw('artist/name'), 'db/valueType': kw('db.type/string'), 'db/cardinality': kw('db.cardinality/one') }]);

  const reader = fork(fileURLToPath(import.meta.url), [uri, 'reader'], { execArgv: process.execArgv });
  const from = (key: 'refused' | 'ready' | 'heard') =>
    new Promise<unknown>((resolve) => reader.on('message', (m: Record<string, unknown>) => key in m && resolve(m[key])));
  const [refused, ready, heard] = [from('refused'), from('ready'), from('heard')];
  console.log(`a second writer, in the other process: ${String(await refused)}`);
  await ready;
  const t0 = performance.now();
  await writer.transact([{ 'artist/name': 'Nina Simone' }]);
  console.log(`the reader process heard "${await heard}" ${(performance.now() - t0).toFixed(0)} ms after the commit`);

  reader.send('stop');
  await new Promise((resolve) => reader.once('exit', resolve));
  await writer.close();
  await deleteDatabase(uri);
  if (!String(await refused).startsWith('refused')) process.exit(1);
}
