// Backups: physical, differential backups to a folder (the bytes a second backup writes after 1% of
// the datoms changed, and the copy rate), and the file backup and restoreDb against replaying the
// same source's log into an empty database (the peer of the restore group's log-replay case).
import { cpSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { backupDatabase, backupDb, restoreDb } from '@datomkit/backup';
import { type Connection, connect, createDatabase, deleteDatabase } from '@datomkit/datom-core';
import { Prng, catalogSchema, generateCatalog } from '@datomkit/testkit';
import { type BenchCase, DATOMKIT, side } from '../harness.js';
import { replayAll } from './restore.js';

const GROUP = 'backup';
/** The catalog of the physical cases (7 MB on disk), and the smaller one of the file cases (they replay every transaction). */
const DATOMS = Number(process.env.BACKUP_BENCH_DATOMS ?? 300_000);
const FILE_DATOMS = Number(process.env.BACKUP_BENCH_FILE_DATOMS ?? 100_000);
/** The file cases' source: the restore group's shape at FILE_DATOMS (its load, then a tenth as many card-one updates, ten per transaction). */
const fileSource = (): Promise<string> => source(FILE_DATOMS, Math.round(FILE_DATOMS / 10));

const dir = mkdtempSync(path.join(tmpdir(), 'datomkit-backup-bench-'));
process.on('exit', () => rmSync(dir, { recursive: true, force: true }));
let n = 0;
const fresh = (name: string): string => path.join(dir, `${name}-${n++}`);

const sources = new Map<string, Promise<string>>();
/**
 * A catalog of `datoms` datoms, loaded in transactions of 100 entities, then `updates` card-one
 * changes in transactions of ten (the history shape of the restore group's source, whose log replay
 * rate the file cases compare with), and closed (its checkpoint written); built once per shape (the
 * differential cases change copies of it).
 */
function source(datoms = DATOMS, updates = 0): Promise<string> {
  const key = `${datoms}/${updates}`;
  let p = sources.get(key);
  if (p === undefined) {
    p = (async () => {
      const uri = fresh('source');
      await createDatabase(uri);
      const conn = await connect(uri);
      await conn.transact(catalogSchema());
      for (const tx of generateCatalog({ datoms, seed: 11, batchEntities: 100 })) await conn.transact(tx);
      if (updates > 0) await changeCardOne(conn, 3, updates, 10);
      await conn.close();
      return uri;
    })();
    sources.set(key, p);
  }
  return p;
}

/** Makes `changes` card-one updates of artist names and track durations, `perTx` per transaction. */
async function changeCardOne(conn: Connection, seed: number, changes: number, perTx: number): Promise<void> {
  const db = conn.db();
  const artists = (await db.datoms('aevt', 'artist/name').toArray()).map((x) => x.e);
  const tracks = (await db.datoms('aevt', 'track/duration').toArray()).map((x) => x.e);
  const rnd = new Prng(seed);
  for (let i = 0; i < changes; i += perTx) {
    const touched = new Map<number, unknown>();
    for (let j = 0; j < perTx; j++) {
      const artist = rnd.int(2) === 0;
      const e = artist ? (artists[rnd.int(artists.length)] as number) : (tracks[rnd.int(tracks.length)] as number);
      touched.set(e, artist ? ['db/add', e, 'artist/name', `artist ${seed}.${i + j}`] : ['db/add', e, 'track/duration', 100_000 + i + j]);
    }
    await conn.transact([...touched.values()] as never);
  }
}

/** Bytes of the first backup and of the second after 1% changed, each run on a database of its own. */
const differential = (checkpoint: boolean) =>
  side({
    name: DATOMKIT,
    setup: async () => {
      // A copy of the source (closed, so its files are all there is): each run changes its own.
      const uri = fresh('diff');
      cpSync(await source(), uri, { recursive: true });
      return { uri, folder: fresh('diff-backups') };
    },
    run: async ({ uri, folder }: { uri: string; folder: string }) => {
      const first = await backupDatabase({ source: uri, dir: folder });
      const conn = await connect(uri);
      await changeCardOne(conn, n, Math.round(DATOMS / 100), 100);
      // Closing writes a checkpoint: the changed pages go into a new pack.
      if (checkpoint) await conn.close();
      const second = await backupDatabase({ source: uri, dir: folder });
      if (!checkpoint) await conn.close();
      const pct = (100 * second.bytesWritten) / first.bytesWritten;
      console.log(`    first backup ${first.bytesWritten} bytes, second ${second.bytesWritten} bytes (${pct.toFixed(2)}%)`);
      return pct;
    },
    teardown: async ({ uri, folder }: { uri: string; folder: string }) => {
      await deleteDatabase(uri);
      rmSync(folder, { recursive: true, force: true });
    },
  });

let lastRate = '';
/** The cases of the backup group. */
export function backupCases(): BenchCase[] {
  return [
    {
      group: GROUP,
      name: 'differential-second-backup',
      description: `bytes the second physical backup writes, as a % of the first's, after 1% of the datoms of a ${DATOMS}-datom catalog changed (card-one updates, 100 per transaction) and a checkpoint (the writer closed): the realistic case, as a writer checkpoints every few thousand rows; the second backup writes the smaller of the checkpoint's new pages and a log of the transactions since the first point`,
      metric: '%',
      target: { kind: 'at-most', max: 3 },
      sides: [differential(true)],
    },
    {
      group: GROUP,
      name: 'differential-log-only',
      description: `the same, without a checkpoint between the backups: the changes are still in the log, and the second backup copies the log's new bytes`,
      metric: '%',
      target: { kind: 'at-most', max: 3 },
      sides: [differential(false)],
    },
    {
      group: GROUP,
      name: 'physical-backup-rate',
      get description() {
        return `a full physical backup of a ${DATOMS}-datom catalog into an empty folder (source files in the page cache, every file fsynced), as ms per 100 MB: at most 1000 is at least 100 MB/s${lastRate}`;
      },
      metric: 'ms-reported',
      target: { kind: 'at-most', max: 1000 },
      sides: [
        side({
          name: DATOMKIT,
          setup: async () => ({ uri: await source(), folder: fresh('full') }),
          run: async ({ uri, folder }: { uri: string; folder: string }) => {
            const r = await backupDatabase({ source: uri, dir: folder });
            const mbs = r.bytesWritten / 1e6 / (r.elapsedMs / 1000);
            lastRate = `. Last run: ${(r.bytesWritten / 1e6).toFixed(1)} MB in ${r.elapsedMs.toFixed(0)} ms = ${mbs.toFixed(0)} MB/s`;
            console.log(`    ${r.bytesWritten} bytes in ${r.elapsedMs.toFixed(0)} ms = ${mbs.toFixed(0)} MB/s`);
            return (r.elapsedMs * 100e6) / r.bytesWritten;
          },
          teardown: ({ folder }: { folder: string }) => rmSync(folder, { recursive: true, force: true }),
        }),
      ],
    },
    {
      group: GROUP,
      name: 'file-backup-vs-log-replay',
      description: `backupDb (every transaction of a ${FILE_DATOMS}-datom catalog and its ${Math.round(FILE_DATOMS / 10)} card-one updates, ten per transaction, to a file backup) vs replaying the same log into an empty database (the restore group's log replay, on a source of the restore group's shape)`,
      metric: 'ms',
      target: { kind: 'speedup', peer: 'log-replay', min: 3 },
      sides: [
        side({
          name: DATOMKIT,
          setup: async () => ({ conn: await connect(await fileSource(), { readOnly: true }), file: `${fresh('file')}.edn` }),
          run: async ({ conn, file }: { conn: Connection; file: string }) => {
            await backupDb({ source: conn, backupFile: file });
          },
          teardown: async ({ conn, file }: { conn: Connection; file: string }) => {
            await conn.close();
            rmSync(file, { force: true });
          },
        }),
        logReplay,
      ],
    },
    {
      group: GROUP,
      name: 'restore-db-vs-log-replay',
      description:
        `restoreDb (a file backup of a ${FILE_DATOMS}-datom catalog and its ${Math.round(FILE_DATOMS / 10)} card-one updates, ten per transaction, replayed into an empty database) vs replaying the source's log into an empty database (the restore group's log replay, on a source of the restore group's shape). ` +
        `engine-only, for reference (no target): the destination calls one restoreDb of the file makes (its transactions and group commits, recorded once), made again into an empty database, with no file to read and no entity mapping to keep: the engine's share of restoreDb, the least it could take`,
      metric: 'ms',
      target: { kind: 'speedup', peer: 'log-replay', min: 3 },
      sides: [
        side({
          name: DATOMKIT,
          setup: async () => ({ file: await backupFile(), dest: await emptyDb() }),
          run: async ({ file, dest }: { file: string; dest: { conn: Connection } }) => {
            await restoreDb({ source: file, destConn: dest.conn });
          },
          teardown: ({ dest }: { dest: { conn: Connection; uri: string } }) => release(dest),
        }),
        logReplay,
        side({
          name: 'engine-only',
          setup: async () => ({ calls: await restoreDbCalls(), dest: await emptyDb() }),
          run: async ({ calls, dest }: { calls: readonly RecordedCall[]; dest: { conn: Connection } }) => {
            for (const { method, args } of calls) await (dest.conn[method] as (...a: unknown[]) => Promise<unknown>).apply(dest.conn, args as unknown[]);
          },
          teardown: ({ dest }: { dest: { conn: Connection; uri: string } }) => release(dest),
        }),
      ],
    },
  ];
}

/** A call that restoreDb made on its destination connection, with its arguments. */
interface RecordedCall {
  readonly method: 'transact' | 'bulkLoad' | 'bulkLoadAll';
  readonly args: readonly unknown[];
}

let callsPromise: Promise<readonly RecordedCall[]> | null = null;
/**
 * The writing calls one restoreDb of the file cases' backup makes, recorded once through a
 * connection that passes everything on. Made again in the same order into an empty database, they
 * give the same database: the new entities' ids are handed out in the same order.
 */
function restoreDbCalls(): Promise<readonly RecordedCall[]> {
  callsPromise ??= (async () => {
    const dest = await emptyDb();
    const calls: RecordedCall[] = [];
    const recording = new Proxy(dest.conn, {
      get(target, key) {
        const x = Reflect.get(target, key, target) as unknown;
        if (typeof x !== 'function') return x;
        if (key !== 'transact' && key !== 'bulkLoad' && key !== 'bulkLoadAll') return x.bind(target);
        return (...args: unknown[]) => {
          calls.push({ method: key, args });
          return x.apply(target, args);
        };
      },
    });
    await restoreDb({ source: await backupFile(), destConn: recording });
    await release(dest);
    return calls;
  })();
  return callsPromise;
}

let filePromise: Promise<string> | null = null;
/** A file backup of the file cases' source, written once. */
function backupFile(): Promise<string> {
  filePromise ??= (async () => {
    const conn = await connect(await fileSource(), { readOnly: true });
    const file = `${fresh('restore')}.edn`;
    await backupDb({ source: conn, backupFile: file });
    await conn.close();
    return file;
  })();
  return filePromise;
}

async function emptyDb(): Promise<{ conn: Connection; uri: string }> {
  const uri = fresh('dest');
  await createDatabase(uri);
  return { conn: await connect(uri), uri };
}

async function release(x: { conn: Connection; uri: string }): Promise<void> {
  await x.conn.close();
  await deleteDatabase(x.uri);
}

const logReplay = side({
  name: 'log-replay',
  setup: async () => ({ src: await connect(await fileSource(), { readOnly: true }), dest: await emptyDb() }),
  run: async ({ src, dest }: { src: Connection; dest: { conn: Connection } }) => {
    await replayAll(src, dest.conn);
  },
  teardown: async ({ src, dest }: { src: Connection; dest: { conn: Connection; uri: string } }) => {
    await src.close();
    await release(dest);
  },
});
