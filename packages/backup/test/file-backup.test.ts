import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { kw } from '@datomkit/datom-core';
import { currentStateRestore, verifyRestore } from '@datomkit/restore';
import { afterAll, describe, expect, test } from 'vitest';
import { backupDb, backupDbNoHistory, restoreDb } from '../src/index.js';
import { dropAll, freshConn, loadCatalog, tempDir } from './helpers.js';

afterAll(dropAll);

describe('file backup', () => {
  test('catalog: db -> backup file -> restoreDb gives an equal database, history included', async () => {
    const source = await loadCatalog(await freshConn('src'), 3000);
    await source.transact([{ 'db/id': [kw('artist/gid'), (await source.db().datoms('aevt', 'artist/gid').toArray())[0]!.v], 'artist/name': 'Renamed' }]);
    const file = join(tempDir(), 'music.backup.edn');
    const b = await backupDb({ source, backupFile: file });
    expect(b.txCount).toBe(source.db().basisT);
    expect(b.lastSourceT).toBe(source.db().basisT);
    const text = readFileSync(file, 'utf8');
    expect(text.split('\n')[1]).toMatch(/^\(#datom\[\d+ \d+ .+ \d+ true\]/);
    const dest = await freshConn('dest');
    const r = await restoreDb({ source: file, destConn: dest });
    expect(r.txCount).toBe(b.txCount);
    expect(r.lastSourceTx).toBe(b.lastSourceTx);
    const report = await verifyRestore(source.db(), dest.db());
    expect(report.differences).toEqual([]);
    expect(report.equal).toBe(true);
  });

  test('a later backup continues the file, and a later restoreDb replays only what is new', async () => {
    const source = await loadCatalog(await freshConn('src'), 1500);
    const file = join(tempDir(), 'b.edn');
    const first = await backupDb({ source, backupFile: file });
    const dest = await freshConn('dest');
    await restoreDb({ source: file, destConn: dest });
    await source.transact([{ 'artist/name': 'New artist', 'artist/gid': (await import('@datomkit/datom-core')).Uuid.random() }]);
    const second = await backupDb({ source, backupFile: file });
    expect(second.txCount).toBe(1);
    expect(second.lastSourceT).toBe((first.lastSourceT as number) + 1);
    const again = await backupDb({ source, backupFile: file });
    expect(again.txCount).toBe(0);
    const r = await restoreDb({ source: file, destConn: dest });
    expect(r.txCount).toBe(1);
    expect(r.skipped).toBe(first.txCount);
    expect((await verifyRestore(source.db(), dest.db())).equal).toBe(true);
  });

  test('no-history backup restores to what a current-state restore gives', async () => {
    const source = await loadCatalog(await freshConn('src'), 2000);
    const names = await source.db().datoms('aevt', 'artist/name').toArray();
    for (const d of names.slice(0, 20)) await source.transact([['db/retract', d.e, 'artist/name', d.v]]);
    for (const d of names.slice(20, 40)) await source.transact([['db/add', d.e, 'artist/name', `${String(d.v)} (2)`]]);
    const file = join(tempDir(), 'now.edn');
    const b = await backupDbNoHistory({ source, backupFile: file, removeEmptyTransactions: true });
    expect(b.txCount).toBeLessThan(source.db().basisT);
    expect(b.lastSourceT).toBe(source.db().basisT);
    const fromFile = await freshConn('file');
    await restoreDb({ source: file, destConn: fromFile });
    const snapshot = await freshConn('snap');
    await currentStateRestore({ sourceDb: source.db(), destConn: snapshot });
    expect((await verifyRestore(source.db(), fromFile.db())).differences).toEqual([]);
    expect((await verifyRestore(source.db(), snapshot.db())).equal).toBe(true);
    // Continued after more changes: retractions of datoms the file holds are carried.
    for (const d of names.slice(40, 50)) await source.transact([['db/retract', d.e, 'artist/name', d.v]]);
    await backupDbNoHistory({ source, backupFile: file, removeEmptyTransactions: true });
    await restoreDb({ source: file, destConn: fromFile });
    expect((await verifyRestore(source.db(), fromFile.db())).differences).toEqual([]);
  });
});
