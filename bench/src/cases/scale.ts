// Scale (issue 4): a large file database from the sample catalog, opened in a fresh process.
// Default 10 million datoms, the figure (BENCH_SCALE_DATOMS lowers it for a quicker run).
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { backupDatabase } from '@datomkit/backup';
import * as core from '@datomkit/datom-core';
import { generateCatalog, catalogSchema } from '@datomkit/testkit';
import { type BenchCase, DATOMKIT, side } from '../harness.js';

const GROUP = 'scale';
const DATOMS = Number(process.env.BENCH_SCALE_DATOMS ?? 10_000_000);
const PULLS = 10_000;
const CHILD = fileURLToPath(new URL('../scale-child.mjs', import.meta.url));

let built: { dir: string; datoms: number; maxEid: number } | null = null;

/** Builds the database once per run: the catalog in batches, then closed (a final snapshot). */
async function database(): Promise<{ dir: string; datoms: number; maxEid: number }> {
  if (built !== null) return built;
  const dir = join(mkdtempSync(join(tmpdir(), 'datomkit-bench-scale-')), 'db');
  process.on('exit', () => rmSync(join(dir, '..'), { recursive: true, force: true }));
  await core.createDatabase(`file:${dir}`);
  const conn = await core.connect(`file:${dir}`);
  await conn.transact(catalogSchema());
  // The largest entity id, from the transactions' tempids: the pulls pick entities up to it.
  let maxEid = 0;
  for (const batch of generateCatalog({ datoms: DATOMS, seed: 1, batchEntities: 5000 })) {
    const { tempids } = await conn.transact(batch);
    for (const e of Object.values(tempids)) if (e < core.TX_BASE && e > maxEid) maxEid = e;
  }
  const datoms = await conn.db().datoms('eavt').count();
  await conn.close();
  // What a user would do after a load: drop the snapshots that later ones replaced.
  await core.gcStorage(`file:${dir}`, new Date(Date.now() + 1000));
  built = { dir, datoms, maxEid };
  return built;
}

interface Measured {
  openMs: number;
  pullMs: number;
  found: number;
  rssMb: number;
}

function measure(dir: string, maxEid: number): Measured {
  const out = execFileSync(process.execPath, [CHILD, dir, String(PULLS), String(maxEid)], { encoding: 'utf8' });
  return JSON.parse(out.trim().split('\n').pop() as string) as Measured;
}

function diskBytes(dir: string): number {
  return readdirSync(dir).reduce((n, f) => n + statSync(join(dir, f)).size, 0);
}

let backupRate = '';
/** A full physical backup of the database into an empty folder: ms per 100 MB written. */
async function physicalBackup(db: { dir: string }): Promise<number> {
  const folder = mkdtempSync(join(tmpdir(), 'datomkit-bench-scale-backup-'));
  try {
    const r = await backupDatabase({ source: `file:${db.dir}`, dir: folder });
    const mbs = r.bytesWritten / 1e6 / (r.elapsedMs / 1000);
    backupRate = `. Last run: ${(r.bytesWritten / 1e6).toFixed(0)} MB in ${r.elapsedMs.toFixed(0)} ms = ${mbs.toFixed(0)} MB/s`;
    console.log(`    ${r.bytesWritten} bytes in ${r.elapsedMs.toFixed(0)} ms = ${mbs.toFixed(0)} MB/s`);
    return (r.elapsedMs * 100e6) / r.bytesWritten;
  } finally {
    rmSync(folder, { recursive: true, force: true });
  }
}

/** The scale cases. */
export function scaleCases(): BenchCase[] {
  const label = `${(DATOMS / 1e6).toFixed(DATOMS % 1e6 === 0 ? 0 : 1)}M`;
  return [
    {
      group: GROUP,
      name: `open-${label}`,
      description: `opening a file database of ${label} catalog datoms read-only in a fresh process (issue target: 10M in under 300 ms)`,
      metric: 'ms-reported',
      target: { kind: 'at-most', max: 300 },
      sides: [side({ name: DATOMKIT, setup: database, run: async (db: { dir: string; maxEid: number }) => measure(db.dir, db.maxEid).openMs })],
    },
    {
      group: GROUP,
      name: `rss-after-pulls-${label}`,
      description: `resident memory of that process after ${PULLS} random pulls (issue target: under 300 MB at 10M)`,
      metric: 'MB',
      target: { kind: 'at-most', max: 300 },
      sides: [side({ name: DATOMKIT, setup: database, run: async (db: { dir: string; maxEid: number }) => measure(db.dir, db.maxEid).rssMb })],
    },
    {
      group: GROUP,
      name: `disk-per-datom-${label}`,
      description: 'bytes on disk per datom, history included (issue target: at most 60)',
      metric: 'bytes/datom',
      target: { kind: 'at-most', max: 60 },
      sides: [side({ name: DATOMKIT, setup: database, run: async (db: { dir: string; datoms: number }) => diskBytes(db.dir) / db.datoms })],
    },
    {
      group: GROUP,
      name: `physical-backup-${label}`,
      get description() {
        return `a full physical backup (@datomkit/backup's backupDatabase, every file fsynced) of that database into an empty folder on the same disk, as ms per 100 MB (issue 16's target: at most 1000, i.e. at least 100 MB/s)${backupRate}`;
      },
      metric: 'ms-reported',
      target: { kind: 'at-most', max: 1000 },
      sides: [side({ name: DATOMKIT, setup: database, run: physicalBackup })],
    },
  ];
}
