import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { connect, createDatabase, kw, type TxForm } from '@datomkit/datom-core';
import { Prng } from '@datomkit/testkit';
import { afterAll, describe, expect, it } from 'vitest';
import { backupDatabase, listBackups, restoreBackup, verifyBackup } from '../src/index.js';
import { type CrashChild, killAfter, spawnChild } from './crash.js';
import { dropAll, loadCatalog, tempDir } from './helpers.js';

afterAll(dropAll);

/** How many times the backing-up process is killed. */
const KILLS = Number(process.env.BACKUP_CRASH_KILLS ?? 30);
const SEED = Number(process.env.BACKUP_CRASH_SEED ?? 20261206);

describe('a physical backup killed with SIGKILL', () => {
  it(`${KILLS} kills at random points while the source takes writes: every listed point still verifies, and a re-run backup completes`, { timeout: 300_000 }, async () => {
    const rnd = new Prng(SEED);
    const scratch = tempDir();
    const uri = join(scratch, 'src');
    const dir = join(scratch, 'backups');
    await createDatabase(uri);
    const conn = await connect(uri, { checkpointRows: 3_000 });
    await loadCatalog(conn, 8_000, 5, 50);
    const names = await conn.db().datoms('aevt', 'artist/name').toArray();
    let next: CrashChild = spawnChild();
    let runMs = 100;
    let midRun = 0;
    for (let kill = 0; kill < KILLS; kill++) {
      const c = next;
      await c.go(`backup ${uri} ${dir}`);
      next = spawnChild();
      const { code, ms } = await killAfter(c, rnd.range(0, runMs));
      if (code === null) midRun++;
      else {
        expect(code, c.output()).toBe(0);
        runMs = Math.max(20, Math.round(ms));
      }
      // Every point listed is whole.
      const points = await listBackups(dir).catch(() => []);
      if (points.length > 0) expect((await verifyBackup({ dir })).points.filter((p) => !p.ok)).toEqual([]);
      // The source moves on: renames (new log bytes), and now and then enough for a checkpoint.
      const batch = kill % 7 === 6 ? 400 : 20;
      const tx = new Map<number, TxForm>();
      for (let i = 0; i < batch; i++) {
        const d = names[rnd.range(0, names.length)];
        if (d !== undefined) tx.set(d.e, [kw('db/add'), d.e, kw('artist/name'), `${String(d.v)} ${kill}.${i}`]);
      }
      await conn.transact([...tx.values()]);
    }
    next.child.kill('SIGKILL');
    await next.exited;
    const done = await backupDatabase({ source: uri, dir });
    expect(done.t).toBe(conn.db().basisT);
    // The temporary files of the killed backups are gone.
    expect(readdirSync(join(dir, 'blobs')).filter((f) => f.includes('.tmp-'))).toEqual([]);
    const verified = await verifyBackup({ dir });
    expect(verified.ok).toBe(true);
    const points = await listBackups(dir);
    expect(points[points.length - 1]?.t).toBe(done.t);
    // The first point and the last restore equal to the source as of them.
    for (const p of new Set([points[0], points[points.length - 1]])) {
      if (p === undefined) continue;
      const dest = join(scratch, `restore-${p.t}`);
      await restoreBackup({ dir, dest, t: p.t });
      const copy = await connect(dest, { readOnly: true });
      const rows = async (db: ReturnType<typeof copy.db>) => (await db.history().datoms('eavt').toArray()).length;
      expect(await rows(copy.db())).toBe(await rows(conn.db().asOf(p.t)));
      expect(await copy.db().datoms('aevt', 'artist/name').toArray()).toEqual(await conn.db().asOf(p.t).datoms('aevt', 'artist/name').toArray());
      await copy.close();
    }
    await conn.close();
    // Most kills landed in the middle of a backup, not after it finished.
    expect(midRun).toBeGreaterThan(KILLS / 3);
  });
});
