// The ways a careless user (or a crash, or a restarted container) can lose acknowledged data or get
// stuck, each one a test: a removed or shortened log, a damaged last record, a stale lock that names
// a live process, disk that grows with every open, and a txInstant far in the future.
import { cpSync, existsSync, mkdirSync, readdirSync, readFileSync, readlinkSync, rmSync, statSync, truncateSync, utimesSync, writeFileSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { connect, createDatabase, FileBlobStore, gcStorage, isDatomError, kw, repairDatabase } from '../src/index.js';
import { crashedCopy, ITEM_SCHEMA } from './durable-helpers.js';

const root = mkdtempSyncIn('datomkit-holes-');
afterAll(() => rmSync(root, { recursive: true, force: true }));
let n = 0;

function mkdtempSyncIn(prefix: string): string {
  const dir = join(tmpdir(), `${prefix}${process.pid}-${Date.now()}`);
  mkdirSync(dir, { recursive: true });
  return dir;
}

const SCHEMA = ITEM_SCHEMA;

/** A database whose writer committed the schema and `count` items and then died without closing. */
async function crashed(count: number): Promise<{ dir: string; log: string }> {
  n += 1;
  const { dir } = await crashedCopy(join(root, `src-${n}`), join(root, `crashed-${n}`), count);
  const rootRecord = JSON.parse(readFileSync(join(dir, 'root'), 'utf8')) as { logs: { name: string }[] };
  return { dir, log: join(dir, (rootRecord.logs[rootRecord.logs.length - 1] as { name: string }).name) };
}

/** The error of opening `dir` for writing and for reading (both must fail the same way). */
async function openErrors(dir: string): Promise<unknown[]> {
  const out: unknown[] = [];
  for (const readOnly of [false, true]) {
    try {
      const conn = await connect(dir, { readOnly });
      out.push(`opened with basis t ${conn.db().basisT}`);
      await conn.close();
    } catch (err) {
      out.push(err);
    }
  }
  return out;
}

/** Byte offsets of the records of a log (a record: u32 length, u32 CRC, body, u32 CRC). */
function recordStarts(bytes: Uint8Array): number[] {
  const starts: number[] = [];
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let pos = 0;
  while (pos + 8 <= bytes.length && dv.getUint32(pos, true) !== 0) {
    starts.push(pos);
    pos += 12 + dv.getUint32(pos, true);
  }
  starts.push(pos);
  return starts;
}

describe('a damaged log is never read as a shorter history', () => {
  it('a removed log is storage/missing naming it, for writers and readers, and the next write does not reuse t', async () => {
    const { dir, log } = await crashed(100);
    rmSync(log);
    for (const err of await openErrors(dir)) {
      expect(isDatomError(err, 'storage/missing'), String(err)).toBe(true);
      expect((err as Error).message).toContain(log.slice(log.lastIndexOf('/') + 1));
      expect((err as Error).message).toContain('datomkit repair');
    }
  });

  it('a log cut short (truncate -s 2000) is storage/corrupt naming it', async () => {
    const { dir, log } = await crashed(100);
    truncateSync(log, 2000);
    for (const err of await openErrors(dir)) {
      expect(isDatomError(err, 'storage/corrupt'), String(err)).toBe(true);
      expect((err as Error).message).toContain(log.slice(log.lastIndexOf('/') + 1));
    }
  });

  it('a log cut at a record boundary is storage/corrupt too', async () => {
    const { dir, log } = await crashed(20);
    const starts = recordStarts(readFileSync(log));
    truncateSync(log, starts[10] as number);
    for (const err of await openErrors(dir)) expect(isDatomError(err, 'storage/corrupt'), String(err)).toBe(true);
  });

  it('a damaged last record that is not a torn write is storage/corrupt', async () => {
    const { dir, log } = await crashed(5);
    const bytes = readFileSync(log);
    const starts = recordStarts(bytes);
    const lastStart = starts[starts.length - 2] as number;
    const mid = (lastStart + (starts[starts.length - 1] as number)) >> 1;
    bytes[mid] = (bytes[mid] as number) ^ 0x10;
    writeFileSync(log, bytes);
    for (const err of await openErrors(dir)) {
      expect(isDatomError(err, 'storage/corrupt'), String(err)).toBe(true);
      expect((err as Error).message).toContain(log.slice(log.lastIndexOf('/') + 1));
    }
  });

  it('a torn last record (its end never reached the disk) is dropped: it was never acknowledged', async () => {
    const { dir, log } = await crashed(5);
    const bytes = readFileSync(log);
    const starts = recordStarts(bytes);
    const lastStart = starts[starts.length - 2] as number;
    const end = starts[starts.length - 1] as number;
    bytes.fill(0, lastStart + 10, end);
    writeFileSync(log, bytes);
    const conn = await connect(dir);
    expect(await conn.db().datoms('aevt', 'item/n').count()).toBe(4);
    await conn.transact([{ 'item/n': 5 }]);
    await conn.close();
    const again = await connect(dir, { readOnly: true });
    expect(await again.db().datoms('aevt', 'item/n').count()).toBe(5);
    await again.close();
  });

  it('repairDatabase truncates to the last good transaction, says how many it drops, and the database opens again', async () => {
    const { dir, log } = await crashed(30);
    const starts = recordStarts(readFileSync(log));
    // Damage record 20 (t 21): the 10 after it are valid but follow a gap.
    const bytes = readFileSync(log);
    const at = (starts[20] as number) + 9;
    bytes[at] = (bytes[at] as number) ^ 0xff;
    writeFileSync(log, bytes);
    const [err] = await openErrors(dir);
    expect(isDatomError(err, 'storage/corrupt')).toBe(true);
    const report = await repairDatabase(dir);
    expect(report.basisT).toBe(20);
    expect(report.dropped).toBe(11);
    expect(report.droppedFrom).toBe(21);
    const conn = await connect(dir);
    expect(conn.db().basisT).toBe(20);
    expect(await conn.db().datoms('aevt', 'item/n').count()).toBe(19);
    await conn.transact([{ 'item/n': 1000 }]);
    await conn.close();
    // Nothing is left to repair.
    expect((await repairDatabase(dir)).dropped).toBe(0);
  });

  it('repairDatabase after a log was removed reopens at the last checkpoint', async () => {
    const { dir, log } = await crashed(10);
    rmSync(log);
    const report = await repairDatabase(dir);
    expect(report.missing).toEqual([log.slice(log.lastIndexOf('/') + 1)]);
    const conn = await connect(dir);
    expect(conn.db().basisT).toBe(report.basisT);
    await conn.close();
  });
});

describe('a database of the previous format (3)', () => {
  it('opens as before, and its writer goes on in a log of the current format', async () => {
    const { dir, log } = await crashed(5);
    // Rewrite it as version 3 wrote it: records without the trailing CRC, a root naming logs only.
    const bytes = readFileSync(log);
    const starts = recordStarts(bytes);
    const old = Buffer.concat(starts.slice(0, -1).map((at, i) => bytes.subarray(at, (starts[i + 1] as number) - 4)));
    writeFileSync(log, old);
    const rootFile = join(dir, 'root');
    const rec = JSON.parse(readFileSync(rootFile, 'utf8')) as { logs: { name: string }[] };
    writeFileSync(rootFile, JSON.stringify({ ...rec, format: 3, logs: rec.logs.map((l) => l.name) }));
    const reader = await connect(dir, { readOnly: true });
    expect(await reader.db().datoms('aevt', 'item/n').count()).toBe(5);
    await reader.close();
    const conn = await connect(dir);
    await conn.transact([{ 'item/n': 6 }]);
    await conn.close();
    expect((JSON.parse(readFileSync(rootFile, 'utf8')) as { format: number }).format).toBe(4);
    const again = await connect(dir, { readOnly: true });
    expect(await again.db().datoms('aevt', 'item/n').count()).toBe(6);
    await again.close();
  });
});

describe('the writer lock belongs to a process, not to a pid', () => {
  const bootId = (() => {
    try {
      return readFileSync('/proc/sys/kernel/random/boot_id', 'utf8').trim();
    } catch {
      return null;
    }
  })();

  async function lockedBy(dir: string, owner: Record<string, unknown>): Promise<unknown> {
    writeFileSync(join(dir, 'LOCK'), JSON.stringify(owner));
    const conn = await connect(dir).catch((e: unknown) => e);
    if (isDatomError(conn)) return conn;
    await (conn as { close(): Promise<void> }).close();
    return null;
  }

  it('takes over a lock naming a live pid from another boot of this host', async () => {
    const dir = join(root, `lock-${++n}`);
    await createDatabase(dir);
    const err = await lockedBy(dir, { pid: process.pid, host: hostname(), bootId: 'another-boot', start: 1, since: new Date(0).toISOString() });
    expect(err).toBe(null);
  });

  it.runIf(bootId !== null)('takes over a lock naming a live pid of this boot whose start time is not that process\'s (a restarted container\'s PID 1)', async () => {
    const dir = join(root, `lock-${++n}`);
    await createDatabase(dir);
    const pidNs = readlinkSync('/proc/self/ns/pid');
    const err = await lockedBy(dir, { pid: 1, host: hostname(), bootId, pidNs, start: 987_654_321_012, since: new Date(0).toISOString() });
    expect(err).toBe(null);
  });

  it('never takes over a lock from another host, and says who holds it and what to do', async () => {
    const dir = join(root, `lock-${++n}`);
    await createDatabase(dir);
    const since = '2026-01-02T03:04:05.000Z';
    const err = await lockedBy(dir, { pid: process.pid, host: 'db-host-7', bootId: 'their-boot', start: 42, since });
    expect(isDatomError(err, 'db/locked')).toBe(true);
    const message = (err as Error).message;
    expect(message).toContain('db-host-7');
    expect(message).toContain(String(process.pid));
    expect(message).toContain(since);
    expect(message).toContain(join(dir, 'LOCK'));
    expect((err as { data: Record<string, unknown> }).data).toMatchObject({ host: 'db-host-7', pid: process.pid, since });
  });

  it('a live writer of this process keeps its lock', async () => {
    const dir = join(root, `lock-${++n}`);
    await createDatabase(dir);
    const store = new FileBlobStore(dir);
    await store.lock();
    const err = await new FileBlobStore(dir).lock().catch((e: unknown) => e);
    expect(isDatomError(err, 'db/locked')).toBe(true);
    expect((err as Error).message).toContain(`process ${process.pid} on host ${hostname()}`);
    await store.unlock();
  });
});

describe('disk that looks after itself', () => {
  const sizes = (dir: string): { files: string[]; bytes: number } => {
    const files = readdirSync(dir);
    return { files, bytes: files.reduce((s, f) => s + statSync(join(dir, f)).size, 0) };
  };

  /** Opens `dir` for writing `count` times, commits an item each time, and closes it. */
  async function cycles(dir: string, count: number): Promise<void> {
    await createDatabase(dir);
    for (let i = 0; i < count; i++) {
      const conn = await connect(dir);
      if (i === 0) await conn.transact(SCHEMA);
      await conn.transact([{ 'item/n': i + 1 }]);
      await conn.close();
    }
  }

  it('20 open/transact/close cycles leave one log and stay small', async () => {
    const dir = join(root, `cycles-${++n}`);
    await cycles(dir, 20);
    const { files, bytes } = sizes(dir);
    expect(files.filter((f) => f.startsWith('log-'))).toHaveLength(1);
    // Each cycle's checkpoint writes a small pack and directory; nothing of a megabyte is kept.
    expect(bytes).toBeLessThan(1 << 20);
    const conn = await connect(dir, { readOnly: true });
    expect(await conn.db().datoms('aevt', 'item/n').count()).toBe(20);
    await conn.close();
  });

  it('directories and packs no root names go away on their own once older than the safety window', async () => {
    const dir = join(root, `aged-${++n}`);
    await cycles(dir, 3);
    const old = new Date(Date.now() - 3_600_000);
    for (const f of readdirSync(dir)) utimesSync(join(dir, f), old, old);
    const conn = await connect(dir);
    await conn.transact([{ 'item/n': 4 }]);
    await conn.close();
    const rootRecord = readFileSync(join(dir, 'root'), 'utf8');
    for (const f of readdirSync(dir).filter((x) => /^(dir|pack|log)-/.test(x))) expect(rootRecord).toContain(f);
  });

  it('gc leaves a subfolder (and files that are not storage) alone', async () => {
    const dir = join(root, `sub-${++n}`);
    await createDatabase(dir);
    mkdirSync(join(dir, 'backups'));
    writeFileSync(join(dir, 'NOTES.txt'), 'mine');
    const { removed } = await gcStorage(dir, new Date(Date.now() + 60_000));
    expect(removed).not.toContain('backups');
    expect(existsSync(join(dir, 'backups'))).toBe(true);
    expect(existsSync(join(dir, 'NOTES.txt'))).toBe(true);
  });
});

describe('txInstant', () => {
  it('an explicit txInstant far ahead of the clock is transact/tx-instant; the skew is a connect option', async () => {
    await createDatabase('mem://skew');
    const conn = await connect('mem://skew');
    const far = { 'db/id': 'datomic.tx', 'db/txInstant': new Date('2999-01-01T00:00:00Z') };
    const err = await conn.transact([far]).catch((e: unknown) => e);
    expect(isDatomError(err, 'transact/tx-instant')).toBe(true);
    expect((err as Error).message).toContain('2999');
    // Five minutes ahead is within the default of ten.
    await conn.transact([{ 'db/id': 'datomic.tx', 'db/txInstant': new Date(Date.now() + 5 * 60_000) }]);
    const strict = await connect('mem://skew', { maxClockSkewMs: 1000 });
    const ahead = await strict.transact([{ 'db/id': 'datomic.tx', 'db/txInstant': new Date(Date.now() + 10 * 60_000) }]).catch((e: unknown) => e);
    expect(isDatomError(ahead, 'transact/tx-instant')).toBe(true);
    await strict.close();
    await conn.close();
  });
});
