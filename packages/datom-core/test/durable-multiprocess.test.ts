import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { connect, isDatomError } from '../src/index.js';
import { checkBatches, startWriter, until } from './durable-helpers.js';

const root = mkdtempSync(join(tmpdir(), 'datomkit-procs-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

describe('one writer process, reader processes', () => {
  it('a read-only reader sees the writer’s transactions after sync(); a second writer is refused', async () => {
    const dir = join(root, 'db');
    const writer = startWriter(dir, 'slow');
    try {
      await writer.ready;
      await until(() => writer.acked() >= 3);
      const reader = await connect(`file:${dir}`, { readOnly: true });
      const seen = await checkBatches(reader.db());
      expect(seen).toBeGreaterThanOrEqual(3);

      // The writer holds the lock: this process cannot write.
      const err = await connect(`file:${dir}`).catch((e: unknown) => e);
      expect(isDatomError(err, 'db/locked')).toBe(true);
      expect(await reader.transact([]).catch((e: unknown) => e)).toSatisfy((e: unknown) => isDatomError(e, 'db/read-only'));

      // New transactions appear only after sync, and then all of them, whole; listeners hear each.
      const heard: number[] = [];
      reader.listen((r) => heard.push((r.txData[0] as { tx: number }).tx));
      const from = reader.db().basisT;
      const target = writer.acked() + 5;
      await until(() => writer.acked() >= target);
      const synced = await reader.sync();
      expect(from).toBeLessThan(synced.basisT);
      expect(heard).toEqual(Array.from({ length: synced.basisT - from }, (_, i) => synced.tToTx(from + i + 1)));
      expect(await checkBatches(reader.db())).toBeGreaterThanOrEqual(target);
      await reader.close();
    } finally {
      writer.child.kill('SIGKILL');
      await writer.exited;
    }
    // With the writer gone (killed), its lock is taken over.
    const conn = await connect(`file:${dir}`);
    expect(await checkBatches(conn.db())).toBeGreaterThan(3);
    await conn.close();
  }, 60_000);
});
