import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { type Connection, connect, createDatabase, type Database, type DatomErrorCode, FileBlobStore, type SnapshotBlob, type StoreSnapshot, isDatomError, kw, readSnapshotBlob, readStoreSnapshot, writeStoreSnapshot } from '../src/index.js';

const root = mkdtempSync(join(tmpdir(), 'datomkit-snapshot-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

const SCHEMA = [
  { 'db/ident': kw('item/n'), 'db/valueType': kw('db.type/long'), 'db/cardinality': kw('db.cardinality/one'), 'db/unique': kw('db.unique/identity') },
  { 'db/ident': kw('item/label'), 'db/valueType': kw('db.type/string'), 'db/cardinality': kw('db.cardinality/one') },
];

async function rows(db: Database): Promise<string[]> {
  return (await db.history().datoms('eavt').toArray()).map((d) => `${d.e} ${d.a} ${String(d.v)} ${d.tx} ${d.added}`);
}

/** A database with several checkpoints behind it (so several logs and packs), and its connection. */
async function source(name: string, txs: number): Promise<{ uri: string; conn: Connection }> {
  const uri = join(root, name);
  await createDatabase(uri);
  const conn = await connect(uri, { checkpointRows: 40 });
  await conn.transact(SCHEMA);
  for (let i = 1; i <= txs; i++) {
    await conn.transact([{ 'item/n': i % 7, 'item/label': `l${i}` }]);
    if (i % 5 === 0) await conn.transact([[kw('db/retractEntity'), [kw('item/n'), (i + 3) % 7]]]);
  }
  return { uri, conn };
}

/**
 * A snapshot and its blobs, copied into memory. The writer may finish a checkpoint meanwhile and
 * remove a log the snapshot names: then the copy starts over from a fresh snapshot.
 */
async function copyOut(store: FileBlobStore): Promise<{ snap: StoreSnapshot; read: (b: SnapshotBlob) => AsyncIterable<Uint8Array> }> {
  for (;;) {
    const snap = await readStoreSnapshot(store);
    const blobs = new Map<string, Uint8Array[]>();
    try {
      for (const b of snap.blobs) {
        const chunks: Uint8Array[] = [];
        for await (const c of readSnapshotBlob(store, b)) chunks.push(c);
        blobs.set(b.key, chunks);
      }
    } catch (err) {
      if (isDatomError(err, 'storage/missing')) continue;
      throw err;
    }
    return {
      snap,
      async *read(b) {
        yield* blobs.get(b.key) ?? [];
      },
    };
  }
}

describe('readStoreSnapshot / writeStoreSnapshot', () => {
  it('a copy written at any t from the directory to the last transaction equals the source as of that t', async () => {
    const { uri, conn } = await source('src', 60);
    // Transactions after the last checkpoint are in the open log.
    await conn.transact([{ 'item/n': 100 }]);
    const store = new FileBlobStore(uri);
    const { snap, read } = await copyOut(store);
    expect(snap.t).toBe(conn.db().basisT);
    expect(snap.dirT).toBeLessThan(snap.t);
    expect(snap.blobs.map((b) => b.kind)).toContain('pack');
    const src = conn.db();
    // The directory's t, the last one, and a few between (each at a log's end or inside one).
    const step = Math.max(1, Math.ceil((snap.t - snap.dirT) / 6));
    const ts = new Set([snap.dirT, snap.t]);
    for (let t = snap.dirT + 1; t < snap.t; t += step) ts.add(t);
    for (const t of ts) {
      const dest = join(root, `copy-${t}`);
      const r = await writeStoreSnapshot(new FileBlobStore(dest), snap, { t, read });
      expect(r.t).toBe(t);
      const copy = await connect(dest);
      expect(copy.db().basisT).toBe(t);
      expect(copy.db().id).toBe(src.id);
      expect(await rows(copy.db())).toEqual(await rows(src.asOf(t)));
      // The copy is a database like any other: it takes new transactions after t.
      await copy.transact([{ 'db/doc': `after ${t}` }]);
      await copy.close();
      expect((await connect(dest)).db().basisT).toBe(t + 1);
    }
    await conn.close();
  });

  it('a snapshot taken while a writer commits holds whole transactions only, and a t outside it or a destination in use is refused', async () => {
    const { uri, conn } = await source('live', 20);
    const store = new FileBlobStore(uri);
    const writing = (async () => {
      for (let i = 0; i < 40; i++) await conn.transact([{ 'item/label': `w${i}` }]);
    })();
    const copies = [];
    for (let i = 0; i < 5; i++) copies.push(await copyOut(store));
    await writing;
    const { snap, read } = copies[copies.length - 1] as NonNullable<(typeof copies)[number]>;
    const dest = join(root, 'live-copy');
    await writeStoreSnapshot(new FileBlobStore(dest), snap, { read });
    const copy = await connect(dest, { readOnly: true });
    expect(await rows(copy.db())).toEqual(await rows(conn.db().asOf(snap.t)));
    await copy.close();
    const refused = async (p: Promise<unknown>, code: DatomErrorCode) => {
      const err = await p.catch((e: unknown) => e);
      expect(isDatomError(err, code), String(err)).toBe(true);
    };
    await refused(writeStoreSnapshot(new FileBlobStore(dest), snap, { read: read }), 'db/exists');
    await refused(writeStoreSnapshot(new FileBlobStore(join(root, 'x')), snap, { t: snap.t + 1, read: read }), 'db/arg');
    await refused(writeStoreSnapshot(new FileBlobStore(join(root, 'y')), snap, { t: snap.dirT - 1, read: read }), 'db/arg');
    await conn.close();
  });
});
