import { hostname } from 'node:os';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { connect, isDatomError, PgBlobStore } from '../src/index.js';
import { checkBatches, startWriter, until } from './durable-helpers.js';
import { cleanUpPgAfterAll, PG_URL, pgUri } from './pg-helpers.js';

const root = mkdtempSync(join(tmpdir(), 'datomkit-procs-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));
cleanUpPgAfterAll();
afterAll(() => PgBlobStore.closeAll());

// The same processes on every durable backend: files, and PostgreSQL when a test server is set.
const backends = [{ name: 'files', uri: `file:${join(root, 'db')}` }, ...(PG_URL === undefined ? [] : [{ name: 'PostgreSQL', uri: pgUri('procs') }])];

describe.each(backends)('one writer process, reader processes, on $name', ({ uri }) => {
  it('a read-only reader sees the writer’s transactions after sync(); a second writer is refused', async () => {
    const writer = startWriter(uri, 'slow');
    try {
      await writer.ready;
      await until(() => writer.acked() >= 3, 20_000, writer.describe);
      const reader = await connect(uri, { readOnly: true });
      const seen = await checkBatches(reader.db());
      expect(seen).toBeGreaterThanOrEqual(3);

      // The writer holds the lock: this process cannot write.
      const err = await connect(uri).catch((e: unknown) => e);
      expect(isDatomError(err, 'db/locked')).toBe(true);
      expect((err as { data: { pid: number; host: string } }).data).toMatchObject({ pid: writer.child.pid, host: hostname() });
      expect(await reader.transact([]).catch((e: unknown) => e)).toSatisfy((e: unknown) => isDatomError(e, 'db/read-only'));

      // New transactions appear after sync, all of them, whole; listeners hear each.
      const heard: number[] = [];
      const from = reader.db().basisT;
      reader.listen((r) => heard.push((r.txData[0] as { tx: number }).tx));
      const target = writer.acked() + 5;
      await until(() => writer.acked() >= target, 20_000, writer.describe);
      const synced = await reader.sync();
      expect(from).toBeLessThan(synced.basisT);
      expect(heard.slice(0, synced.basisT - from)).toEqual(Array.from({ length: synced.basisT - from }, (_, i) => synced.tToTx(from + i + 1)));
      expect(await checkBatches(reader.db())).toBeGreaterThanOrEqual(target);

      // A listening reader hears of new transactions without calling sync (the store watches).
      const seenT = reader.db().basisT;
      await until(() => heard.length >= seenT - from + 5);
      expect(reader.db().basisT).toBeGreaterThanOrEqual(seenT + 5);
      expect(heard).toEqual(Array.from({ length: heard.length }, (_, i) => synced.tToTx(from + i + 1)));
      await reader.close();
    } finally {
      writer.child.kill('SIGKILL');
      await writer.exited;
    }
    // With the writer gone (killed), its lock is taken over.
    const conn = await connect(uri);
    expect(await checkBatches(conn.db())).toBeGreaterThan(3);
    await conn.close();
  }, 60_000);
});
