import { PassThrough } from 'node:stream';
import { createWriteStream } from 'node:fs';
import { join } from 'node:path';
import { currentStateRestore, verifyRestore } from '@datomkit/restore';
import { test } from '@fast-check/vitest';
import { afterAll, describe, expect } from 'vitest';
import { backupDb, backupDbNoHistory, exportDatoms, importDatoms, restoreDb } from '../src/index.js';
import { dropAll, freshConn, tempDir } from './helpers.js';
import { RandomSource, randomScenario } from '@datomkit/testkit';

const scenario = randomScenario();

afterAll(dropAll);

const NUM_RUNS = Number(process.env.BACKUP_PROP_RUNS ?? 25);

async function exportTo(path: string, run: (out: PassThrough) => Promise<unknown>): Promise<void> {
  const out = new PassThrough();
  const file = createWriteStream(path);
  const done = new Promise<void>((resolve, reject) => {
    file.on('finish', resolve);
    file.on('error', reject);
  });
  out.pipe(file);
  await run(out);
  out.end();
  await done;
}

describe('random schema, random history', () => {
  test.prop([scenario], { numRuns: NUM_RUNS })(
    'backup file (in two calls) -> restoreDb, no-history backup, EDN and JSON-lines exports all verify equal to the source',
    async (s) => {
      const src = new RandomSource(await freshConn('prop-src'));
      for (const spec of s.schema) await src.addAttr(spec);
      const split = s.split % (s.history.length + 1);
      const dir = tempDir();
      const file = join(dir, 'b.edn');
      const now = join(dir, 'now.edn');
      for (const o of s.history.slice(0, split)) await src.apply(o);
      await backupDb({ source: src.conn, backupFile: file });
      await backupDbNoHistory({ source: src.conn, backupFile: now, removeEmptyTransactions: true });
      const dest = await freshConn('prop-dest');
      await restoreDb({ source: file, destConn: dest });
      for (const o of s.history.slice(split)) await src.apply(o);
      await backupDb({ source: src.conn, backupFile: file });
      await backupDbNoHistory({ source: src.conn, backupFile: now, removeEmptyTransactions: true });
      await restoreDb({ source: file, destConn: dest });
      expect((await verifyRestore(src.conn.db(), dest.db())).differences).toEqual([]);

      const fromNow = await freshConn('prop-now');
      await restoreDb({ source: now, destConn: fromNow });
      expect((await verifyRestore(src.conn.db(), fromNow.db())).differences).toEqual([]);
      const snapshot = await freshConn('prop-snap');
      await currentStateRestore({ sourceDb: src.conn.db(), destConn: snapshot });
      // A current-state copy has no source transactions to put transaction metadata on.
      expect((await verifyRestore(src.conn.db(), snapshot.db(), { ignore: ['meta/note'] })).differences).toEqual([]);

      for (const format of ['edn', 'jsonl'] as const) {
        for (const history of [false, true]) {
          const path = join(dir, `x-${history}.${format}`);
          await exportTo(path, (out) => exportDatoms({ source: src.conn, out, format, history }));
          const imported = await freshConn('prop-import');
          await importDatoms({ source: path, destConn: imported });
          expect({ format, history, differences: (await verifyRestore(src.conn.db(), imported.db())).differences }).toEqual({ format, history, differences: [] });
        }
      }
    },
  );
});
