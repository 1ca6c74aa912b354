import { cpSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import {
  connect,
  connectStore,
  createDatabase,
  createStoreDatabase,
  deleteDatabase,
  FileBlobStore,
  gcStorage,
  isDatomError,
  kw,
} from '../src/index.js';
import { crashedCopy, ITEM_SCHEMA } from './durable-helpers.js';

const root = mkdtempSync(join(tmpdir(), 'datomkit-faults-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));
let n = 0;

const SCHEMA = ITEM_SCHEMA;

/** A database with `count` items whose directory is then copied as a crashed writer would leave it. */
function crashed(count: number): ReturnType<typeof crashedCopy> {
  n += 1;
  return crashedCopy(join(root, `src-${n}`), join(root, `crashed-${n}`), count);
}

describe('durable storage faults', () => {
  it('gives the writer lock to exactly one of many stores asking for it at once, also when they take over a dead owner\'s', async () => {
    const dir = join(root, `lock-${++n}`);
    await createDatabase(dir);
    for (let round = 0; round < 20; round++) {
      const stores = Array.from({ length: 8 }, () => new FileBlobStore(dir));
      const results = await Promise.allSettled(stores.map((st) => st.lock()));
      const won = results.filter((r) => r.status === 'fulfilled');
      expect(won).toHaveLength(1);
      for (const r of results) if (r.status === 'rejected') expect(isDatomError(r.reason, 'db/locked')).toBe(true);
      expect(JSON.parse(readFileSync(join(dir, 'LOCK'), 'utf8'))).toMatchObject({ pid: process.pid, host: hostname() });
      for (const st of stores) await st.unlock();
      expect(existsSync(join(dir, 'LOCK'))).toBe(false);
    }
    // A lock left by a process that no longer runs (pid 2^22 + 1 is above Linux's limit).
    for (let round = 0; round < 20; round++) {
      writeFileSync(join(dir, 'LOCK'), `${2 ** 22 + 1}@${hostname()}`);
      const stores = Array.from({ length: 8 }, () => new FileBlobStore(dir));
      const results = await Promise.allSettled(stores.map((st) => st.lock()));
      expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
      expect(JSON.parse(readFileSync(join(dir, 'LOCK'), 'utf8'))).toMatchObject({ pid: process.pid, host: hostname() });
      for (const st of stores) await st.unlock();
      expect(readdirSync(dir).filter((f) => f.startsWith('LOCK'))).toEqual([]);
    }
  });

  it('drops a torn record at the end of the log and keeps everything before it', async () => {
    const { dir, log } = await crashed(5);
    // The start of a record written into the preallocated zeros after the last one, its end not.
    const bytes = readFileSync(log);
    let end = 0;
    while (bytes.readUInt32LE(end) !== 0) end += 12 + bytes.readUInt32LE(end);
    bytes.set([40, 0, 0, 0, 1, 2, 3, 4, 9, 9], end);
    writeFileSync(log, bytes);
    const conn = await connect(dir);
    expect(await conn.db().datoms('aevt', 'item/n').count()).toBe(5);
    // The log is cut back, so the next transaction follows on.
    await conn.transact([{ 'item/n': 6 }]);
    await conn.close();
    const again = await connect(dir);
    expect(await again.db().datoms('aevt', 'item/n').count()).toBe(6);
    await again.close();
  });

  it('refuses a log damaged before its end, naming the file', async () => {
    const { dir, log } = await crashed(5);
    const bytes = readFileSync(log);
    bytes[12] = (bytes[12] as number) ^ 0xff;
    writeFileSync(log, bytes);
    const err = await connect(dir).catch((e: unknown) => e);
    expect(isDatomError(err, 'storage/corrupt')).toBe(true);
    expect((err as Error).message).toContain('log-');
  });

  it('refuses a corrupted directory, naming it', async () => {
    const { dir, directory } = await crashed(2);
    const bytes = readFileSync(directory);
    bytes[bytes.length >> 1] = (bytes[bytes.length >> 1] as number) ^ 0x55;
    writeFileSync(directory, bytes);
    const err = await connect(dir).catch((e: unknown) => e);
    expect(isDatomError(err, 'storage/corrupt')).toBe(true);
    expect((err as Error).message).toContain('dir-');
  });

  /** Opens `dir` and reads every index: pages load on first read, so damage shows at open or then. */
  async function openAndReadAll(dir: string): Promise<unknown> {
    try {
      const conn = await connect(dir);
      try {
        for (const index of ['eavt', 'aevt', 'avet', 'vaet'] as const) await conn.db().datoms(index).toArray();
      } finally {
        await conn.close();
      }
      return null;
    } catch (err) {
      return err;
    }
  }

  it('refuses a corrupted index page, naming its pack and offset', async () => {
    const { dir, pack } = await crashed(2);
    const bytes = readFileSync(pack);
    for (let i = 0; i < bytes.length; i += 97) bytes[i] = (bytes[i] as number) ^ 0x55;
    writeFileSync(pack, bytes);
    const err = await openAndReadAll(dir);
    expect(isDatomError(err, 'storage/corrupt')).toBe(true);
    expect((err as Error).message).toMatch(/pack-[^:]+:\d+/);
  });

  it('names the directory format when it is not the one this version reads', async () => {
    const { dir, directory } = await crashed(1);
    const bytes = readFileSync(directory);
    bytes.write('DKDIR000', 0, 'latin1');
    writeFileSync(directory, bytes);
    const err = await connect(dir).catch((e: unknown) => e);
    expect(isDatomError(err, 'storage/format')).toBe(true);
    expect((err as Error).message).toContain('DKDIR000');
  });

  it('names the root format when it is not the one this version reads', async () => {
    const { dir } = await crashed(1);
    const rootFile = join(dir, 'root');
    writeFileSync(rootFile, JSON.stringify({ ...JSON.parse(readFileSync(rootFile, 'utf8')), format: 2 }));
    const err = await connect(dir).catch((e: unknown) => e);
    expect(isDatomError(err, 'storage/format')).toBe(true);
    expect((err as Error).message).toContain('format 2');
  });

  it('refuses a missing directory, naming it', async () => {
    const { dir, directory } = await crashed(2);
    rmSync(directory);
    const err = await connect(dir).catch((e: unknown) => e);
    expect(isDatomError(err, 'storage/missing')).toBe(true);
    expect((err as Error).message).toContain('dir-');
  });

  it('refuses a missing pack, naming it', async () => {
    const { dir, pack } = await crashed(2);
    rmSync(pack);
    const err = await openAndReadAll(dir);
    expect(isDatomError(err, 'storage/missing')).toBe(true);
    expect((err as Error).message).toContain('pack-');
  });

  it('fails a transaction cleanly on a write error and stays usable', async () => {
    const dir = join(root, `full-${++n}`);
    // A store whose appends fail while `full` is set, as on a full disk, after writing half of
    // the record as a real short write would.
    class FullDisk extends FileBlobStore {
      full = false;
      override async appendLog(key: string, offset: number, bytes: Uint8Array): Promise<void> {
        if (!this.full) return super.appendLog(key, offset, bytes);
        await super.appendLog(key, offset, bytes.subarray(0, bytes.length >> 1));
        throw Object.assign(new Error('ENOSPC: no space left on device'), { code: 'ENOSPC' });
      }
    }
    const store = new FullDisk(dir);
    await createStoreDatabase(store);
    const conn = await connectStore(store);
    await conn.transact(SCHEMA);
    await conn.transact([{ 'item/n': 1 }]);
    const before = conn.db();
    store.full = true;
    const err = await conn.transact([{ 'item/n': 2 }]).catch((e: unknown) => e);
    expect((err as Error).message).toContain('ENOSPC');
    expect(conn.db().basisT).toBe(before.basisT);
    // A group commit of several transactions fails whole, its written half dropped, none of them held.
    const itemN = (conn.db().attribute('item/n') as { id: number }).id;
    const group = [3, 4, 5].map((x) => ({ newEntities: 1, e: [-1], a: [itemN], v: [x] }));
    const groupErr = await conn.bulkLoadAll?.(group).catch((e: unknown) => e);
    expect((groupErr as Error).message).toContain('ENOSPC');
    expect(conn.db().basisT).toBe(before.basisT);
    expect((await conn.db().datoms('avet', 'item/n', 4).toArray()).length).toBe(0);
    store.full = false;
    await conn.transact([{ 'item/n': 3 }]);
    await conn.bulkLoadAll?.(group.slice(1));
    expect((await conn.db().datoms('aevt', 'item/n').toArray()).map((d) => d.v)).toEqual([1, 3, 4, 5]);
    await conn.close();
    const again = await connect(dir);
    expect((await again.db().datoms('aevt', 'item/n').toArray()).map((d) => d.v)).toEqual([1, 3, 4, 5]);
    await again.close();
  });

  it('gcStorage removes snapshots and logs that no root names', async () => {
    const dir = join(root, `gc-${++n}`);
    await createDatabase(dir);
    let conn = await connect(dir);
    await conn.transact(SCHEMA);
    await conn.close();
    conn = await connect(dir);
    await conn.transact([{ 'item/n': 1 }]);
    await conn.close();
    const stored = (): string[] => readdirSync(dir).filter((f) => /^(dir|pack|log)-/.test(f));
    const before = stored();
    const { removed } = await gcStorage(dir, new Date(Date.now() + 1000));
    const after = stored();
    expect(removed.length).toBeGreaterThan(0);
    expect(after.length).toBe(before.length - removed.length);
    conn = await connect(dir);
    expect(await conn.db().datoms('aevt', 'item/n').count()).toBe(1);
    await conn.close();
  });

  it('deleteDatabase removes the directory and connect then fails with db/not-found', async () => {
    const dir = join(root, `del-${++n}`);
    await createDatabase(dir);
    expect(await createDatabase(dir)).toBe(false);
    expect(await deleteDatabase(dir)).toBe(true);
    const err = await connect(dir).catch((e: unknown) => e);
    expect(isDatomError(err, 'db/not-found')).toBe(true);
  });

  it('reopens from its directory after a checkpoint without replaying the log', async () => {
    const dir = join(root, `cp-${++n}`);
    await createDatabase(`file:${dir}`);
    const conn = await connect(`file:${dir}`, { checkpointRows: 10 });
    await conn.transact(SCHEMA);
    for (let i = 1; i <= 40; i++) await conn.transact([{ 'item/n': i }]);
    await conn.close();
    // Checkpoints ran while it committed, and a last one on close: the root's directory holds every
    // transaction, and its one log is empty.
    expect(readdirSync(dir).filter((f) => f.startsWith('dir-')).length).toBeGreaterThan(2);
    const rootRecord = JSON.parse(readFileSync(join(dir, 'root'), 'utf8')) as { dirT: number; logs: { name: string }[] };
    expect(rootRecord.dirT).toBe(41);
    expect(rootRecord.logs).toHaveLength(1);
    const lastLog = join(dir, rootRecord.logs[0]?.name as string);
    expect(existsSync(lastLog) && readFileSync(lastLog).some((b) => b !== 0)).toBe(false);
    const again = await connect(`file:${dir}`);
    expect(await again.db().datoms('aevt', 'item/n').count()).toBe(40);
    let txs = 0;
    for await (const _ of again.txRange()) txs++;
    expect(txs).toBe(41);
    await again.close();
  });

  it('a connect that fails while it opens releases the read handles, the log handles and the lock', async () => {
    const dir = join(root, `open-fails-${++n}`);
    await createDatabase(`file:${dir}`);
    const conn = await connect(`file:${dir}`, { checkpointRows: 10 });
    await conn.transact(SCHEMA);
    for (let i = 1; i <= 30; i++) await conn.transact([{ 'item/n': i }]);
    await conn.close();
    // A store whose log cannot be read, after the open read the root and the directory.
    class UnreadableLog extends FileBlobStore {
      closed = 0;
      override async readLog(): Promise<Uint8Array> {
        throw Object.assign(new Error('EIO: i/o error, read'), { code: 'EIO' });
      }
      override closeReads(): void {
        this.closed++;
        super.closeReads();
      }
    }
    for (const readOnly of [false, true]) {
      const store = new UnreadableLog(dir);
      const err = await connectStore(store, { readOnly }).catch((e: unknown) => e);
      expect((err as Error).message).toContain('EIO');
      expect(store.closed).toBe(1);
    }
    // The lock was given back: a writer opens, with everything the database held.
    const again = await connect(`file:${dir}`);
    expect(await again.db().datoms('aevt', 'item/n').count()).toBe(30);
    await again.close();
  });

  it('goes on committing while a snapshot is written, and recovers either way', async () => {
    const dir = join(root, `bg-${++n}`);
    // A store whose snapshot writes wait until the test lets them go.
    class SlowBlobs extends FileBlobStore {
      gate: Promise<void> | null = null;
      override async putBlob(key: string, bytes: Uint8Array): Promise<void> {
        if (this.gate !== null) await this.gate;
        return super.putBlob(key, bytes);
      }
    }
    const store = new SlowBlobs(dir);
    await createStoreDatabase(store);
    const conn = await connectStore(store, { checkpointRows: 10 });
    await conn.transact(SCHEMA);
    let release: () => void = () => undefined;
    store.gate = new Promise((r) => {
      release = r;
    });
    // Enough rows to start a checkpoint, whose snapshot then waits at the gate...
    for (let i = 1; i <= 30; i++) await conn.transact([{ 'item/n': i }]);
    // ...while transactions still commit, into the log the checkpoint switched to.
    for (let i = 31; i <= 40; i++) await conn.transact([{ 'item/n': i }]);
    expect(await conn.db().datoms('aevt', 'item/n').count()).toBe(40);
    // A copy taken now is what a crash now would leave: the old snapshot and both logs.
    const crashed = join(root, `bg-crashed-${n}`);
    cpSync(dir, crashed, { recursive: true });
    rmSync(join(crashed, 'LOCK'), { force: true });
    expect((JSON.parse(readFileSync(join(crashed, 'root'), 'utf8')) as { logs: string[] }).logs).toHaveLength(2);
    release();
    store.gate = null;
    await conn.close();
    for (const d of [dir, crashed]) {
      const again = await connect(d);
      expect((await again.db().datoms('aevt', 'item/n').toArray()).map((x) => x.v)).toEqual(Array.from({ length: 40 }, (_, i) => i + 1));
      await again.close();
    }
  });
});
