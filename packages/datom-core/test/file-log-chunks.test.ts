// How a file store's log grows (storage/file-blob-store.ts): in whole chunks of 1 MiB, zero-filled
// after a small append (so that the small commits that follow overwrite allocated blocks and their
// fdatasync flushes only data) and left a hole after a large one (an import's commits would
// otherwise write the log twice). Either way the records read back exactly, followed by zeros.
import { closeSync, mkdtempSync, openSync, rmSync, statSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { FileBlobStore } from '../src/index.js';

const root = mkdtempSync(join(tmpdir(), 'datomkit-log-chunks-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));
const MiB = 1 << 20;

/** Whether this file system keeps holes (a file grown by truncate takes no blocks). */
function holesKept(): boolean {
  const f = join(root, 'probe');
  const fd = openSync(f, 'w');
  writeSync(fd, new Uint8Array([1]), 0, 1, 4 * MiB);
  closeSync(fd);
  return statSync(f).blocks * 512 < MiB;
}

const bytes = (n: number, seed: number): Uint8Array => Uint8Array.from({ length: n }, (_, i) => 1 + ((i * 7 + seed) % 250));

describe('a file store log', () => {
  it('grows in whole chunks, zero-filled after small appends and a hole after large ones, and reads back exactly', async () => {
    const store = new FileBlobStore(join(root, 'db'));
    await store.create();
    const key = 'log-1-abc';
    await store.appendLog(key, 0, new Uint8Array(0));
    const parts = [bytes(100, 1), bytes(300_000, 2), bytes(900_000, 3), bytes(50, 4), bytes(70, 5)];
    let at = 0;
    const file = join(root, 'db', key);
    const allocated: number[] = [];
    for (const p of parts) {
      await store.appendLog(key, at, p);
      at += p.length;
      const st = statSync(file);
      expect(st.size % MiB).toBe(0);
      allocated.push(st.blocks * 512);
    }
    expect(statSync(file).size).toBe(2 * MiB);
    const read = await store.readLog(key, 0);
    expect(read.length).toBe(2 * MiB);
    let k = 0;
    for (const p of parts) {
      expect(Buffer.from(read.subarray(k, k + p.length)).equals(Buffer.from(p))).toBe(true);
      k += p.length;
    }
    expect(read.subarray(at).every((b) => b === 0)).toBe(true);
    if (holesKept()) {
      // The first small append zero-filled its chunk: the whole first MiB takes blocks.
      expect(allocated[0]).toBeGreaterThanOrEqual(MiB);
      // The large append that opened the second chunk left the rest of it a hole.
      expect(allocated[2]).toBeLessThan(2 * MiB - 500_000);
    }
    // The store never took the lock: unlock only closes its log handles.
    await store.unlock();
  });
});
