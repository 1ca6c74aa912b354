import { readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { type Connection, connect, createDatabase, type Database, type DatomErrorCode, isDatomError, kw } from '@datomkit/datom-core';
import { fc, test } from '@fast-check/vitest';
import { afterAll, describe, expect, it } from 'vitest';
import { backupDatabase, listBackups, restoreBackup, verifyBackup } from '../src/index.js';
import { dropAll, loadCatalog, tempDir } from './helpers.js';
import { RandomSource, randomScenario } from '@datomkit/testkit';

const scenario = randomScenario();

afterAll(dropAll);

/** Every datom of the database's history, as text: equal for the same database at the same t. */
async function history(db: Database): Promise<string[]> {
  return (await db.history().datoms('eavt').toArray()).map((d) => `${d.e} ${d.a} ${String(d.v)} ${d.tx} ${d.added}`);
}

let n = 0;
async function fileConn(dir: string, checkpointRows: number): Promise<{ uri: string; conn: Connection }> {
  const uri = join(dir, `db${n++}`);
  await createDatabase(uri);
  return { uri, conn: await connect(uri, { checkpointRows }) };
}

/** Restores each listed point at its t, at its checkpoint's t and between; each equals the source as of that t. */
async function checkEveryPoint(dir: string, source: Database, scratch: string): Promise<number> {
  let restored = 0;
  for (const p of await listBackups(dir)) {
    for (const t of new Set([p.t, p.dirT, Math.floor((p.t + p.dirT) / 2)])) {
      const dest = join(scratch, `restore${n++}`);
      const r = await restoreBackup({ dir, dest, t });
      expect(r.t).toBe(t);
      const copy = await connect(dest, { readOnly: true });
      expect(copy.db().basisT).toBe(t);
      expect(await history(copy.db())).toEqual(await history(source.asOf(t)));
      await copy.close();
      restored++;
    }
  }
  return restored;
}

/** A file database loaded by `load`, then closed and opened again with no checkpoint in sight: its checkpoints are done. */
async function settled(scratch: string, load: (conn: Connection) => Promise<unknown>): Promise<{ uri: string; conn: Connection }> {
  const { uri, conn } = await fileConn(scratch, 2_000);
  await load(conn);
  await conn.close();
  return { uri, conn: await connect(uri, { checkpointRows: 1e9 }) };
}

async function refused(p: Promise<unknown>, code: DatomErrorCode): Promise<Error> {
  const err = await p.then(
    () => null,
    (e: unknown) => e,
  );
  expect(isDatomError(err, code), String(err)).toBe(true);
  return err as Error;
}

describe('physical backups to a folder', () => {
  it('the catalog: differential backups, list, verify, and a restore at every listed t equal to the source as of it', { timeout: 60_000 }, async () => {
    const scratch = tempDir();
    const dir = join(scratch, 'backups');
    const { uri, conn } = await settled(scratch, (c) => loadCatalog(c, 6_000, 7, 50));
    const first = await backupDatabase({ source: uri, dir });
    expect(first.created).toBe(true);
    expect(first.t).toBe(conn.db().basisT);
    expect(first.bytesWritten).toBe(first.bytesTotal);
    // Nothing new: no second point at the same t.
    expect((await backupDatabase({ source: uri, dir })).created).toBe(false);
    const names = await conn.db().datoms('aevt', 'artist/name').toArray();
    for (const d of names.slice(0, 30)) await conn.transact([[kw('db/add'), d.e, kw('artist/name'), `${String(d.v)} (live)`]]);
    const second = await backupDatabase({ source: uri, dir });
    expect(second.t).toBe(conn.db().basisT);
    expect(second.bytesWritten).toBeLessThan(second.bytesTotal / 20);
    // A checkpoint in between (the close), then more transactions.
    await conn.close();
    const reopened = await connect(uri, { checkpointRows: 1e9 });
    for (const d of names.slice(30, 40)) await reopened.transact([[kw('db/retractEntity'), d.e]]);
    const third = await backupDatabase({ source: uri, dir });
    // The checkpoint rewrote pages; the point is the second one plus a log of the ten transactions since.
    expect(third.dirT).toBe(second.dirT);
    expect(third.filesWritten).toBe(1);
    expect(third.bytesWritten).toBeLessThan(third.bytesTotal / 20);
    const points = await listBackups(dir);
    expect(points.map((p) => p.t)).toEqual([first.t, second.t, third.t]);
    expect(points.every((p) => p.database === reopened.db().id)).toBe(true);
    const verified = await verifyBackup({ dir });
    expect(verified.ok).toBe(true);
    expect(verified.points.map((p) => p.ok)).toEqual([true, true, true]);
    expect(await checkEveryPoint(dir, reopened.db(), scratch)).toBeGreaterThanOrEqual(4);
    await reopened.close();
  });

  it('after a checkpoint and many changes, the point copies the new pages rather than a long log to replay', { timeout: 60_000 }, async () => {
    const scratch = tempDir();
    const dir = join(scratch, 'backups');
    const { uri, conn } = await settled(scratch, (c) => loadCatalog(c, 3_000, 7, 50));
    const first = await backupDatabase({ source: uri, dir });
    // Every artist renamed ten times: as a log, more than a quarter of the pages' bytes.
    const names = await conn.db().datoms('aevt', 'artist/name').toArray();
    for (let round = 0; round < 10; round++) {
      for (let i = 0; i < names.length; i += 100) {
        await conn.transact(names.slice(i, i + 100).map((d) => [kw('db/add'), d.e, kw('artist/name'), `${String(d.v)} renamed in round ${round}${'.'.repeat(100)}`]));
      }
    }
    await conn.close();
    const reopened = await connect(uri, { checkpointRows: 1e9 });
    const second = await backupDatabase({ source: uri, dir });
    // Its directory is the checkpoint's, after the first point: the pages were copied.
    expect(second.dirT).toBeGreaterThan(first.t);
    expect((await verifyBackup({ dir })).points.flatMap((p) => p.problems)).toEqual([]);
    await checkEveryPoint(dir, reopened.db(), scratch);
    await reopened.close();
  });

  it('a backup taken while a writer commits restores equal to the source as of its point', { timeout: 30_000 }, async () => {
    const scratch = tempDir();
    const dir = join(scratch, 'backups');
    const { uri, conn } = await fileConn(scratch, 300);
    await conn.transact([{ 'db/ident': kw('item/n'), 'db/valueType': kw('db.type/long'), 'db/cardinality': kw('db.cardinality/one') }]);
    let writing = true;
    const writer = (async () => {
      for (let i = 0; writing; i++) await conn.transact([{ 'item/n': i }, { 'item/n': -i }]);
    })();
    try {
      for (let i = 0; i < 4; i++) await backupDatabase({ source: uri, dir });
    } finally {
      writing = false;
      await writer;
    }
    expect((await verifyBackup({ dir })).ok).toBe(true);
    await checkEveryPoint(dir, conn.db(), scratch);
    await conn.close();
  });

  it('refuses another database, a folder of other files, a t no point covers, a destination in use, and a database in memory', async () => {
    const scratch = tempDir();
    const dir = join(scratch, 'backups');
    const a = await fileConn(scratch, 1_000);
    const b = await fileConn(scratch, 1_000);
    await a.conn.transact([{ 'db/doc': 'a' }]);
    const p = await backupDatabase({ source: a.uri, dir });
    const claim = await refused(backupDatabase({ source: b.uri, dir }), 'backup/claim-failed');
    expect(claim.message).toContain(p.database);
    writeFileSync(join(scratch, 'notes.txt'), 'x');
    await refused(backupDatabase({ source: a.uri, dir: scratch }), 'backup/claim-failed');
    await refused(restoreBackup({ dir, dest: join(scratch, 'x'), t: p.t + 1 }), 'backup/not-found');
    await refused(restoreBackup({ dir, dest: b.uri }), 'db/exists');
    await refused(backupDatabase({ source: 'mem://nothing', dir }), 'backup/arg');
    await refused(listBackups(join(scratch, 'none')), 'backup/not-found');
    await refused(verifyBackup({ dir, t: p.t + 5 }), 'backup/not-found');
    await a.conn.close();
    await b.conn.close();
  });

  it('verify names a damaged or missing file and the points that need it; a restore from it fails and leaves no database', async () => {
    const scratch = tempDir();
    const dir = join(scratch, 'backups');
    const { uri, conn } = await settled(scratch, (c) => loadCatalog(c, 1_500, 2, 20));
    const first = await backupDatabase({ source: uri, dir });
    await conn.transact([{ 'db/doc': 'later' }]);
    const second = await backupDatabase({ source: uri, dir });
    const blobs = join(dir, 'blobs');
    const manifest = (t: number): { blobs: { kind: string; parts: { file: string }[] }[] } => JSON.parse(readFileSync(join(dir, 'points', `${String(t).padStart(12, '0')}.json`), 'utf8'));
    const pack = manifest(first.t).blobs.find((b) => b.kind === 'pack')?.parts[0]?.file as string;
    const bytes = readFileSync(join(blobs, pack));
    const mid = bytes.length >> 1;
    bytes[mid] = (bytes[mid] ?? 0) ^ 0xff;
    writeFileSync(join(blobs, pack), bytes);
    const inFirst = new Set(manifest(first.t).blobs.flatMap((b) => b.parts.map((x) => x.file)));
    const lastLog = readdirSync(blobs).find((f) => f.startsWith('log-') && !inFirst.has(f) && manifest(second.t).blobs.some((b) => b.parts.some((x) => x.file === f)));
    expect(lastLog).toBeDefined();
    rmSync(join(blobs, lastLog as string));
    const v = await verifyBackup({ dir });
    expect(v.ok).toBe(false);
    const [p1, p2] = v.points;
    expect(p1?.problems.map((x) => [x.file, x.code])).toEqual([[pack, 'backup/checksum']]);
    expect(p2?.problems.map((x) => x.code).sort()).toEqual(['backup/checksum', 'backup/missing']);
    expect((await verifyBackup({ dir, t: second.t })).points.map((p) => p.t)).toEqual([second.t]);
    const dest = join(scratch, 'dest');
    await refused(restoreBackup({ dir, dest }), 'backup/checksum');
    await refused(connect(dest), 'db/not-found');
    await conn.close();
  });
});

describe('random schema, random history', () => {
  test.prop([scenario, fc.integer({ min: 20, max: 400 })], { numRuns: Number(process.env.BACKUP_PROP_RUNS ?? 6) })(
    'backups at two points of the history restore, at every listed t, equal to the source as of it',
    async (s, checkpointRows) => {
      const scratch = tempDir();
      const dir = join(scratch, 'backups');
      const { uri, conn } = await fileConn(scratch, checkpointRows);
      const src = new RandomSource(conn);
      for (const spec of s.schema) await src.addAttr(spec);
      const split = s.split % (s.history.length + 1);
      for (const o of s.history.slice(0, split)) await src.apply(o);
      await backupDatabase({ source: uri, dir });
      for (const o of s.history.slice(split)) await src.apply(o);
      await backupDatabase({ source: uri, dir });
      expect((await verifyBackup({ dir })).ok).toBe(true);
      await checkEveryPoint(dir, conn.db(), scratch);
      await conn.close();
    },
  );
});
