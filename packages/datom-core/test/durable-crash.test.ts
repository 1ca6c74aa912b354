import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import { connect } from '../src/index.js';
import { checkBatches, startWriter } from './durable-helpers.js';

const root = mkdtempSync(join(tmpdir(), 'datomkit-crash-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

const KILLS = Number(process.env.DATOMKIT_CRASH_KILLS ?? 50);

describe('kill -9 of a writer', () => {
  it(`keeps every acknowledged transaction, none in part, indexes agreeing with the log (${KILLS} kills)`, async () => {
    const dir = join(root, 'db');
    // Random delays before each kill, from a fixed seed so a failure can be replayed.
    const seed = Number(process.env.DATOMKIT_CRASH_SEED ?? 20261125);
    const delays = fc.sample(fc.integer({ min: 0, max: 400 }), { seed, numRuns: KILLS });
    let batches = 0;
    for (let i = 0; i < KILLS; i++) {
      const w = startWriter(dir, 'run');
      await w.ready;
      const start = w.acked();
      await new Promise((r) => setTimeout(r, delays[i]));
      w.child.kill('SIGKILL');
      await w.exited;
      const acked = w.acked();
      const conn = await connect(`file:${dir}`);
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
    expect(batches).toBeGreaterThan(KILLS);
  }, 600_000);
});
