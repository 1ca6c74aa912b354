import { join } from 'node:path';
import { type Connection, connect, createDatabase } from '@datomkit/datom-core';
import { verifyRestore } from '@datomkit/restore';
import { Prng } from '@datomkit/testkit';
import { afterAll, describe, expect, it } from 'vitest';
import { backupDb, restoreDb } from '../src/index.js';
import { type CrashChild, killAfter, spawnChild } from './crash.js';
import { dropAll, freshConn, loadCatalog, tempDir } from './helpers.js';

afterAll(dropAll);

/** How many times the restoring process is killed. */
const KILLS = Number(process.env.BACKUP_CRASH_KILLS ?? 30);
const SEED = Number(process.env.BACKUP_CRASH_SEED ?? 20261205);

async function duplicateGids(conn: Connection): Promise<number> {
  const seen = new Set<string>();
  let dup = 0;
  for (const d of await conn.db().datoms('aevt', 'artist/gid').toArray()) {
    const k = String(d.v);
    if (seen.has(k)) dup++;
    seen.add(k);
  }
  return dup;
}

describe('restoreDb killed with SIGKILL', () => {
  it(`${KILLS} kills at random points, three per destination; each re-run finishes exactly, equal to the source`, { timeout: 300_000 }, async () => {
    const rnd = new Prng(SEED);
    const dir = tempDir();
    const source = await loadCatalog(await freshConn('src'), 2_000, 3, 10);
    const file = join(dir, 'music.backup.edn');
    const backup = await backupDb({ source, backupFile: file });
    let next: CrashChild = spawnChild();
    let runMs = 300;
    let midRun = 0;
    let dest = '';
    for (let kill = 0; kill < KILLS; kill++) {
      if (kill % 3 === 0) {
        dest = `file:${join(dir, `dest${kill}`)}`;
        await createDatabase(dest);
      }
      const c = next;
      await c.go(`restore-db ${file} ${dest}`);
      next = spawnChild();
      const { code, ms } = await killAfter(c, rnd.range(0, runMs));
      if (code === null) midRun++;
      else {
        expect(code, c.output()).toBe(0);
        runMs = Math.max(50, Math.round(ms));
      }
      if (kill % 3 === 2 || kill === KILLS - 1) {
        const conn = await connect(dest);
        try {
          const r = await restoreDb({ source: file, destConn: conn });
          expect(r.lastSourceT).toBe(backup.lastSourceT);
          expect(r.skipped + r.txCount).toBe(backup.txCount);
          expect((await verifyRestore(source.db(), conn.db())).differences).toEqual([]);
          expect(await duplicateGids(conn)).toBe(0);
          expect((await restoreDb({ source: file, destConn: conn })).txCount).toBe(0);
        } finally {
          await conn.close();
        }
      }
    }
    next.child.kill('SIGKILL');
    await next.exited;
    // Most kills landed in the middle of a restore, not after it finished.
    expect(midRun).toBeGreaterThan(KILLS / 2);
  });
});
