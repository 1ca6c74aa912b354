import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import { connect, PgBlobStore } from '../src/index.js';
import { checkBatches, startWriter } from './durable-helpers.js';
import { cleanUpPgAfterAll, PG_URL, pgUri } from './pg-helpers.js';

const root = mkdtempSync(join(tmpdir(), 'datomkit-crash-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));
cleanUpPgAfterAll();
afterAll(() => PgBlobStore.closeAll());

// The same kills on every durable backend: files, and PostgreSQL when a test server is set.
const backends = [
  { name: 'files', uri: `file:${join(root, 'db')}`, kills: Number(process.env.DATOMKIT_CRASH_KILLS ?? 50) },
  ...(PG_URL === undefined ? [] : [{ name: 'PostgreSQL', uri: pgUri('crash'), kills: Number(process.env.DATOMKIT_PG_CRASH_KILLS ?? 30) }]),
];

describe.each(backends)('kill -9 of a writer on $name', ({ uri, kills }) => {
  it(`keeps every acknowledged transaction, none in part, indexes agreeing with the log (${kills} kills)`, async () => {
    // Random delays before each kill, from a fixed seed so a failure can be replayed.
    const seed = Number(process.env.DATOMKIT_CRASH_SEED ?? 20261125);
    const delays = fc.sample(fc.integer({ min: 0, max: 400 }), { seed, numRuns: kills });
    let batches = 0;
    for (let i = 0; i < kills; i++) {
      const w = startWriter(uri, 'run');
      await w.ready;
      const start = w.acked();
      await new Promise((r) => setTimeout(r, delays[i]));
      w.child.kill('SIGKILL');
      await w.exited;
      const acked = w.acked();
      const conn = await connect(uri);
      try {
        const m = await checkBatches(conn.db());
        expect(m, `kill ${i} (seed ${seed}): acknowledged ${acked}, found ${m}`).toBeGreaterThanOrEqual(acked);
        expect(m).toBeGreaterThanOrEqual(batches);
        expect(start).toBeLessThanOrEqual(m);
        batches = m;
      } finally {
        await conn.close();
      }
    }
    // The runs together did real work: the kills landed in the middle of it.
    expect(batches).toBeGreaterThan(kills);
  }, 600_000);
});
