// Run by gc-deopt.test.ts in a node of its own (--expose-gc --trace-deopt): restores one backup file
// into one new database after another, with full collections between them (as a process that
// restores or imports several databases does, and the bench for each sample).
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connect, createDatabase, deleteDatabase } from '@datomkit/datom-core';
import { catalogSchema, generateCatalog } from '@datomkit/testkit';
import { afterCollections } from '../../../../test-support/after-collections.js';
import { backupDb, restoreDb } from '../../src/index.js';

const dir = mkdtempSync(join(tmpdir(), 'gc-deopt-restore-'));
const file = join(dir, 'catalog.backup.edn');
try {
  // The catalog, then card-one changes ten per transaction (the restores' segments of changes).
  const source = await connect(await created('source'));
  await source.transact(catalogSchema());
  for (const tx of generateCatalog({ datoms: 4000, seed: 5, batchEntities: 50 })) await source.transact(tx);
  const artists = (await source.db().datoms('aevt', 'artist/name').toArray()).map((d) => d.e);
  for (let i = 0; i < 40; i++) await source.transact(artists.slice(0, 10).map((e, j) => ['db/add', e, 'artist/name', `artist ${i}.${j}`]) as never);
  await backupDb({ source, backupFile: file });
  await source.close();

  let n = 0;
  const restore = async (): Promise<void> => {
    const uri = await created(`dest-${n++}`);
    const conn = await connect(uri);
    await restoreDb({ source: file, destConn: conn });
    await conn.close();
    await deleteDatabase(uri);
  };
  for (let i = 0; i < 4; i++) await restore();
  await afterCollections(restore);
} finally {
  rmSync(dir, { recursive: true, force: true });
}

async function created(name: string): Promise<string> {
  const uri = `file:${join(dir, name)}`;
  await createDatabase(uri);
  return uri;
}
