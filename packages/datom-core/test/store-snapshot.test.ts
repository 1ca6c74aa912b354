import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { type Connection, connect, createDatabase, type Database, type DatomErrorCode, encodeLogRecords, FileBlobStore, type TxLogEntry, type SnapshotBlob, type StoreSnapshot, isDatomError, kw, readSnapshotBlob, readStoreSnapshot, writeStoreSnapshot } from '../src/index.js';

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

describe('readSnapshotBlob', () => {
  it('hands out chunks of their own: a later read leaves an earlier chunk, not yet written out, intact', async () => {
    const { uri, conn } = await source('chunks', 40);
    await conn.close();
    const store = new FileBlobStore(uri);
    const snap = await readStoreSnapshot(store);
    const pack = snap.blobs.find((b) => b.kind === 'pack') as SnapshotBlob;
    expect(pack.bytes).toBeGreaterThan(1000);
    const whole = readFileSync(join(uri, pack.key));
    // Two chunks held at once (as a backup's parallel copies hold them): its start, then its second half.
    const first = (await readSnapshotBlob(store, pack).next()).value as Uint8Array;
    const half = Math.floor(pack.bytes / 2);
    const second = (await readSnapshotBlob(store, pack, half).next()).value as Uint8Array;
    expect(Buffer.from(first).equals(whole.subarray(0, first.length))).toBe(true);
    expect(Buffer.from(second).equals(whole.subarray(half, half + second.length))).toBe(true);
    store.closeReads?.();
  });
});

describe('encodeLogRecords', () => {
  async function entries(conn: Connection, start: number, end: number): Promise<TxLogEntry[]> {
    const out: TxLogEntry[] = [];
    for await (const e of conn.txRange({ start, end })) out.push(e);
    return out;
  }

  it('writes the bytes the writer appended to its log for the same transactions', async () => {
    const { uri, conn } = await source('encode', 12);
    const store = new FileBlobStore(uri);
    // Copied out (started over if a checkpoint the writer still had running removed a log meanwhile).
    const { snap, read } = await copyOut(store);
    const logs = snap.blobs.filter((b) => b.kind === 'log' && b.bytes > 0);
    expect(logs.length).toBeGreaterThan(0);
    // Each log holds the transactions after the one before it (the first: after the directory).
    let from = snap.dirT;
    for (const b of logs) {
      const chunks: Uint8Array[] = [];
      for await (const c of read(b)) chunks.push(c);
      const held = Buffer.concat(chunks);
      const made = encodeLogRecords(await entries(conn, from + 1, (b.lastT as number) + 1));
      expect(Buffer.from(made).equals(held)).toBe(true);
      from = b.lastT as number;
    }
    await conn.close();
  });

  it('a snapshot of an older directory and a log made of the transactions since restores the newer database; a gap is db/arg', async () => {
    const { uri, conn: first } = await source('older', 30);
    const store = new FileBlobStore(uri);
    const { snap: old, read: readOld } = await copyOut(store);
    for (let i = 0; i < 60; i++) await first.transact([{ 'item/n': i % 9, 'item/label': `later ${i}` }]);
    // Closing checkpoints: the pages move on, the older snapshot's logs are gone.
    await first.close();
    const conn = await connect(uri, { readOnly: true });
    const now = await readStoreSnapshot(store);
    expect(now.dirT).toBeGreaterThan(old.t);
    const tail = encodeLogRecords(await entries(conn, old.t + 1, now.t + 1));
    const key = `log-${now.t}-synthetic`;
    const snap: StoreSnapshot = { ...old, t: now.t, blobs: [...old.blobs, { key, kind: 'log', bytes: tail.length, lastT: now.t }] };
    for (const t of [old.t, old.t + 7, now.t]) {
      const dest = join(root, `older-${t}`);
      await writeStoreSnapshot(new FileBlobStore(dest), snap, {
        t,
        async *read(b) {
          if (b.key === key) yield tail;
          else yield* readOld(b);
        },
      });
      const copy = await connect(dest, { readOnly: true });
      expect(copy.db().basisT).toBe(t);
      expect(await rows(copy.db())).toEqual(await rows(conn.db().asOf(t)));
      await copy.close();
    }
    const gap = [...(await entries(conn, 3, 4)), ...(await entries(conn, 5, 6))];
    let err: unknown = null;
    try {
      encodeLogRecords(gap);
    } catch (e) {
      err = e;
    }
    expect(isDatomError(err, 'db/arg')).toBe(true);
    await conn.close();
  });
});
