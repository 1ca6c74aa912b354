import { cpSync, mkdtempSync, readFileSync, rmSync, truncateSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import { connect, isDatomError, PgBlobStore } from '../src/index.js';
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

/**
 * A copy of `dir` with a log removed (odd rounds: the first the root names) or cut to 2000 bytes
 * (even rounds: the last) refuses to open with a `storage/*` error: it never opens with a smaller basis.
 */
async function expectRefusedWhenDamaged(dir: string, i: number): Promise<void> {
  const copy = `${dir}-damaged-${i}`;
  cpSync(dir, copy, { recursive: true });
  rmSync(join(copy, 'LOCK'), { force: true });
  const logs = (JSON.parse(readFileSync(join(copy, 'root'), 'utf8')) as { logs: { name: string }[] }).logs;
  const removing = (i / 10) % 2 === 1;
  if (removing) rmSync(join(copy, (logs[0] as { name: string }).name));
  else truncateSync(join(copy, (logs[logs.length - 1] as { name: string }).name), 2000);
  for (const readOnly of [false, true]) {
    const got = await connect(`file:${copy}`, { readOnly }).then(
      async (c) => {
        const basis = c.db().basisT;
        await c.close();
        return `opened with basis t ${basis}`;
      },
      (e: unknown) => e,
    );
    expect(isDatomError(got, 'storage/'), `kill ${i}: a ${removing ? 'removed' : 'truncated'} log gave ${String(got)}`).toBe(true);
  }
  rmSync(copy, { recursive: true, force: true });
}

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
      // Every 10th kill, a copy of a file database with a log removed or cut short is refused.
      if (i % 10 === 9 && uri.startsWith('file:')) await expectRefusedWhenDamaged(uri.slice('file:'.length), i);
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
