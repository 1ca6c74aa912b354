// Run by gc-deopt.test.ts in a node of its own (--expose-gc --trace-deopt): replays one source's log
// into one new database after another, a transaction at a time, with full collections between them
// (as a process that catches several copies up does, and the bench's log replay for each sample).
import { connect, createDatabase, deleteDatabase } from '@datomkit/datom-core';
import { catalogSchema, generateCatalog } from '@datomkit/testkit';
import { afterCollections } from '../../../../test-support/after-collections.js';
import { LogReplay, SourceSchema, openReplaySession, readLog } from '../../src/index.js';

let n = 0;
const created = async (name: string): Promise<string> => {
  const uri = `mem://gc-deopt-replay-${name}-${n++}`;
  await createDatabase(uri);
  return uri;
};

// The catalog, then card-one changes ten per transaction.
const source = await connect(await created('source'));
await source.transact(catalogSchema());
for (const tx of generateCatalog({ datoms: 3000, seed: 5, batchEntities: 50 })) await source.transact(tx);
const artists = (await source.db().datoms('aevt', 'artist/name').toArray()).map((d) => d.e);
for (let i = 0; i < 40; i++) await source.transact(artists.slice(0, 10).map((e, j) => ['db/add', e, 'artist/name', `artist ${i}.${j}`]) as never);

const replayAll = async (): Promise<void> => {
  const uri = await created('dest');
  const dest = await connect(uri);
  const session = await openReplaySession(dest, 'gc-deopt-source');
  const replay = new LogReplay({ destConn: dest, schema: await SourceSchema.load(dest.db(), 0), session });
  for await (const entry of readLog({ sourceConn: source, fromT: 1 })) await replay.replay(entry);
  await dest.close();
  await deleteDatabase(uri);
};
for (let i = 0; i < 4; i++) await replayAll();
await afterCollections(replayAll);
await source.close();
