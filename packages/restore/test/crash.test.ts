import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { type Connection, connect, createDatabase, deleteDatabase, kw } from '@datomkit/datom-core';
import { Prng, catalogSchema, generateCatalog } from '@datomkit/testkit';
import { afterAll, describe, expect, it } from 'vitest';
import { incrementalRestore, verifyRestore } from '../src/index.js';
import { dropAll, duplicatesOf, freshConn, instrumented } from './helpers.js';
import { childScript } from '../../../test-support/child-script.js';

afterAll(dropAll);

const SEED = Number(process.env.RESTORE_CRASH_SEED ?? 20261125);

/** Small source transactions in the style of an application: updates, new entities, retractions. */
async function appWrites(src: Connection, rnd: Prng, count: number): Promise<void> {
  const artists = (await src.db().datoms('aevt', 'artist/name').toArray()).map((d) => d.e);
  for (let i = 0; i < count; i++) {
    const e = artists[rnd.range(0, artists.length - 1)] as number;
    const other = artists[rnd.range(0, artists.length - 1)] as number;
    const k = rnd.range(0, 3);
    if (k === 0) await src.transact([['db/add', e, 'artist/name', `renamed ${i}`]]);
    else if (k === 1) await src.transact([{ 'db/id': 'n', 'artist/name': `new ${i}`, 'artist/influencedBy': [e, 'n'] }]);
    else if (k === 2) await src.transact([['db/add', e, 'artist/influencedBy', other]]);
    else await src.transact([{ 'db/id': 'c', 'credit/artist': e }]);
  }
}

async function verifyEqual(src: Connection, dest: Connection): Promise<void> {
  const v = await verifyRestore(src.db(), dest.db());
  expect(v.differences).toEqual([]);
  expect(v.equal).toBe(true);
  expect(await duplicatesOf(dest, 'artist/gid')).toBe(0);
}

describe('crash safety (in process: a transaction fails before or after it commits)', () => {
  it('30 crashes at random points of the copy, the replay and the state write; each re-run ends equal to the source', async () => {
    const rnd = new Prng(SEED);
    const src = await freshConn();
    await src.transact(catalogSchema());
    for (const tx of generateCatalog({ datoms: 1_500, seed: 5, batchEntities: 50 })) await src.transact(tx);
    let dest = await freshConn();
    let state = await freshConn();
    let crashes = 0;
    for (let round = 0; crashes < 30; round++) {
      if (round % 3 === 0) {
        dest = await freshConn();
        state = await freshConn();
      } else await appWrites(src, rnd, 12);
      // A crash in this run: which connection, at which transaction, before or after the commit.
      const onState = rnd.range(0, 4) === 0;
      const at = onState ? 1 : rnd.range(1, round % 3 === 0 ? 40 : 12);
      const after = rnd.range(0, 1) === 1;
      const crash = (n: number) => {
        if (n === at) throw new Error(`crash at transaction ${n} ${after ? 'after' : 'before'} commit`);
      };
      const hooks = after ? { after: crash } : { before: crash };
      const crashed = await incrementalRestore({
        sourceConn: src,
        destConn: onState ? dest : instrumented(dest, hooks),
        stateConn: onState ? instrumented(state, hooks) : state,
        maxBatchSize: 20,
        txParallelism: 3,
      }).then(
        () => false,
        (err: unknown) => {
          expect(String((err as Error).message)).toContain('crash at transaction');
          return true;
        },
      );
      if (crashed) crashes++;
      const rerun = await incrementalRestore({ sourceConn: src, destConn: dest, stateConn: state });
      expect(rerun.lastSourceT).toBe(src.db().basisT);
      await verifyEqual(src, dest);
    }
    expect(crashes).toBe(30);
  });
});

async function fileStorageWorks(): Promise<boolean> {
  const dir = await mkdtemp(path.join(tmpdir(), 'restore-probe-'));
  try {
    await createDatabase(`file:${dir}/p`);
    const c = await connect(`file:${dir}/p`);
    await c.close();
    return true;
  } catch {
    return false;
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

const fileStorageAvailable = await fileStorageWorks();
const CHILD = fileURLToPath(new URL('./crash-child.ts', import.meta.url));

function startChild(uris: readonly string[]): { child: ChildProcess; started: Promise<void>; exited: Promise<number | null> } {
  const child = spawn(process.execPath, [childScript(CHILD), ...uris], { stdio: ['ignore', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr?.on('data', (b: Buffer) => {
    stderr += b.toString();
  });
  const started = new Promise<void>((resolve, reject) => {
    child.stdout?.on('data', (b: Buffer) => {
      if (b.toString().includes('start')) resolve();
    });
    child.on('exit', () => reject(new Error(`child exited before starting: ${stderr}`)));
  });
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  started.catch(() => undefined);
  return { child, started, exited };
}

describe.skipIf(!fileStorageAvailable)('crash safety (file databases, the restoring process is killed)', () => {
  it('30 kills at random points; each re-run ends equal to the source, with no duplicates', { timeout: 240_000 }, async () => {
    const rnd = new Prng(SEED + 1);
    const dir = await mkdtemp(path.join(tmpdir(), 'restore-crash-'));
    const uri = (name: string) => `file:${dir}/${name}`;
    try {
      await createDatabase(uri('source'));
      const src = await connect(uri('source'));
      await src.transact(catalogSchema());
      for (const tx of generateCatalog({ datoms: 4_000, seed: 9, batchEntities: 40 })) await src.transact(tx);
      let gen = 0;
      let killedMidRun = 0;
      let killedMidCopy = 0;
      let runMs = 400;
      for (let kill = 0; kill < 30; kill++) {
        if (kill % 3 === 0) {
          gen++;
          await createDatabase(uri(`dest${gen}`));
          await createDatabase(uri(`state${gen}`));
        } else await appWrites(src, rnd, 25);
        const uris = [uri('source'), uri(`dest${gen}`), uri(`state${gen}`)];
        const { child, started, exited } = startChild(uris);
        await started;
        const t0 = performance.now();
        await new Promise((r) => setTimeout(r, rnd.range(0, runMs)));
        if (child.exitCode === null) child.kill('SIGKILL');
        const code = await exited;
        if (code === null) {
          killedMidRun++;
          if (kill % 3 === 0) killedMidCopy++;
        }
        else runMs = Math.max(50, Math.round(performance.now() - t0));
        // The re-run, in this process.
        const dest = await connect(uris[1] as string);
        const state = await connect(uris[2] as string);
        const rerun = await incrementalRestore({ sourceConn: src, destConn: dest, stateConn: state });
        expect(rerun.lastSourceT).toBe(src.db().basisT);
        await verifyEqual(src, dest);
        expect(await dest.db().entid([kw('artist/gid'), (await src.db().datoms('aevt', 'artist/gid').toArray())[0]?.v as never])).not.toBeNull();
        await Promise.all([dest.close(), state.close()]);
      }
      console.log(`file crash test: ${killedMidRun} of 30 kills landed while the restore was running, ${killedMidCopy} during an initial copy`);
      expect(killedMidRun).toBeGreaterThanOrEqual(15);
      expect(killedMidCopy).toBeGreaterThanOrEqual(4);
      await src.close();
    } finally {
      for (const name of ['source']) await deleteDatabase(uri(name)).catch(() => undefined);
      await rm(dir, { recursive: true, force: true });
    }
  });
});
