import { execFile } from 'node:child_process';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { connect, createDatabase, deleteDatabase } from '@datomkit/datom-core';
import { describe, expect, it } from 'vitest';
import { readMarkers, updateChecksums } from '../src/index.js';
import { tempFolder } from './helpers/temp-folder.js';

const run = promisify(execFile);
const tsxCli = createRequire(import.meta.url).resolve('tsx/cli');
const child = fileURLToPath(new URL('./helpers/ensure-norms-child.ts', import.meta.url));

/** True once datom-core opens `file:` URIs; until then this test is skipped. */
async function fileUrisSupported(): Promise<boolean> {
  const probe = `file:${join(await tempFolder(), 'probe')}`;
  try {
    await createDatabase(probe);
    await deleteDatabase(probe).catch(() => false);
    return true;
  } catch {
    return false;
  }
}
const supported = await fileUrisSupported();

describe('two processes running ensureNorms at once', () => {
  it.skipIf(!supported)('apply each norm exactly once (file: storage)', async () => {
    const dir = await tempFolder({
      '001-name.edn': '{:tx-data [{:db/ident :artist/name :db/valueType :db.type/string :db/cardinality :db.cardinality/one}]}',
      '002-nina.edn': '{:tx-data [{:artist/name "Nina"}]}',
      '003-fill.edn': '{:tx-fn my.app/fill}',
    });
    await updateChecksums(dir);
    const uri = `file:${join(await tempFolder(), 'db')}`;
    await createDatabase(uri);
    const args = [tsxCli, '--conditions=@datomkit/source', child, uri, dir];
    const outputs = await Promise.all([run(process.execPath, args), run(process.execPath, args)]);
    const results = outputs.map((o) => JSON.parse(o.stdout) as { id: string; status: string }[]);
    // Both processes ran the whole folder; each norm was applied by exactly one of them. (With file
    // storage the writer lock already serializes the two; the unique marker would refuse a second
    // application anyway.)
    for (const id of ['001-name.edn', '002-nina.edn', '003-fill.edn']) {
      const statuses = results.map((r) => r.find((s) => s.id === id)?.status);
      expect(statuses.filter((s) => s === 'applied'), id).toHaveLength(1);
      expect(statuses.filter((s) => s === 'skipped' || s === 'applied-elsewhere'), id).toHaveLength(1);
    }
    const conn = await connect(uri);
    try {
      const db = conn.db();
      const names = (await db.datoms('aevt', 'artist/name').toArray()).map((d) => d.v).sort();
      expect(names).toEqual(['Ada', 'Nina']);
      expect([...(await readMarkers(db)).values()].filter((m) => m.complete)).toHaveLength(3);
    } finally {
      await conn.close();
      await deleteDatabase(uri);
    }
  });
});
