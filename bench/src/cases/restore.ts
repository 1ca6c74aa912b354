// Restore: a current-state copy of a 1M-datom catalog between two databases, against replaying
// the same source's log into an empty database, and against DataScript's in-memory add-all rate.
// Every side of a case handles the same number of datoms, so datoms/s = datoms * 1000 / ms
// (each run also prints its rate).
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { type Connection, connect, createDatabase, deleteDatabase } from '@datomkit/datom-core';
import { IdMapping, RESTORE_ATTRS, RestoreWriter, SourceSchema, currentStateRestore, ensureRestoreSchema, readLog } from '@datomkit/restore';
import { Prng, catalogSchema, generateCatalog } from '@datomkit/testkit';
import d from 'datascript';
import { type BenchCase, DATOMKIT, side } from '../harness.js';
import { ATTRS_PER_PERSON, people } from '../workload/people.js';

const GROUP = 'restore';
const DATOMS = Number(process.env.RESTORE_BENCH_DATOMS ?? 1_000_000);
const STORAGE = process.env.RESTORE_BENCH_STORAGE === 'mem' ? 'mem' : 'file';
/** The source's history besides its load: card-one updates, ten per transaction. */
const UPDATES = Math.round(DATOMS / 10);

let dir: string | null = null;
let n = 0;
function uri(name: string): string {
  if (STORAGE === 'mem') return `mem://restore-bench-${process.pid}-${name}`;
  dir ??= mkdtempSync(path.join(tmpdir(), 'datomkit-restore-bench-'));
  return `file:${dir}/${name}`;
}
process.on('exit', () => {
  if (dir !== null) rmSync(dir, { recursive: true, force: true });
});

async function openFresh(): Promise<{ conn: Connection; uri: string }> {
  const u = uri(`dest-${n++}`);
  await createDatabase(u);
  return { conn: await connect(u), uri: u };
}

async function release(x: { conn: Connection; uri: string }): Promise<void> {
  await x.conn.close();
  await deleteDatabase(x.uri);
}

/**
 * The source, built once: the catalog loaded in transactions of 100 entities, then `UPDATES`
 * cardinality-one changes (names, durations) in transactions of ten, as an application would.
 */
let sourcePromise: Promise<Connection> | null = null;
function source(): Promise<Connection> {
  sourcePromise ??= (async () => {
    const u = uri('source');
    await createDatabase(u);
    const conn = await connect(u);
    await conn.transact(catalogSchema());
    for (const tx of generateCatalog({ datoms: DATOMS, seed: 11, batchEntities: 100 })) await conn.transact(tx);
    const db = conn.db();
    const artists = (await db.datoms('aevt', 'artist/name').toArray()).map((x) => x.e);
    const tracks = (await db.datoms('aevt', 'track/duration').toArray()).map((x) => x.e);
    const rnd = new Prng(3);
    for (let i = 0; i < UPDATES; i += 10) {
      const tx: unknown[] = [];
      const touched = new Set<number>();
      for (let j = 0; j < 10; j++) {
        const artist = rnd.int(2) === 0;
        const e = artist ? (artists[rnd.int(artists.length)] as number) : (tracks[rnd.int(tracks.length)] as number);
        if (touched.has(e)) continue;
        touched.add(e);
        tx.push(artist ? ['db/add', e, 'artist/name', `artist ${i + j}`] : ['db/add', e, 'track/duration', 1000 + i + j]);
      }
      await conn.transact(tx as never);
    }
    return conn;
  })();
  return sourcePromise;
}

/** datoms/s of every run, by side label (warm-ups included). */
const rates = new Map<string, number[]>();

function rate(label: string, datoms: number, ms: number): void {
  const r = Math.round((datoms * 1000) / ms);
  let l = rates.get(label);
  if (l === undefined) rates.set(label, (l = []));
  l.push(r);
  console.log(`    ${label}: ${datoms} datoms in ${ms.toFixed(0)} ms = ${r} datoms/s`);
}

/** The median datoms/s of each label, for the results file. */
function measured(labels: readonly string[]): string {
  const parts = labels.flatMap((label) => {
    const xs = [...(rates.get(label) ?? [])].sort((a, b) => a - b);
    if (xs.length === 0) return [];
    const mid = xs.length >> 1;
    const median = xs.length % 2 === 1 ? (xs[mid] as number) : Math.round(((xs[mid - 1] as number) + (xs[mid] as number)) / 2);
    return [`${label} ${median} datoms/s`];
  });
  return parts.length === 0 ? '' : `. Measured (median of all runs of this process): ${parts.join(', ')}`;
}

/** The current-state copy (the datomkit side of both cases). */
const currentState = side({
  name: DATOMKIT,
  setup: async () => ({ src: await source(), dest: await openFresh() }),
  run: async ({ src, dest }: { src: Connection; dest: { conn: Connection } }) => {
    const t0 = performance.now();
    const r = await currentStateRestore({ sourceDb: src.db(), destConn: dest.conn });
    rate('current-state restore', r.stats.datomsWritten, performance.now() - t0);
  },
  teardown: ({ dest }: { dest: { conn: Connection; uri: string } }) => release(dest),
});

/** Replays every source transaction into an empty database through the restore's stages (the backup group's peer too). */
export async function replayAll(src: Connection, dest: Connection): Promise<number> {
  await ensureRestoreSchema(dest);
  const schema = await SourceSchema.load(src.db(), 0);
  const writer = new RestoreWriter({ destConn: dest, schema, mapping: new IdMapping(dest) });
  let datoms = 0;
  for await (const entry of readLog({ sourceConn: src, fromT: 1 })) {
    schema.apply(entry.data, entry.t);
    const r = await writer.replay(entry, entry.data, [
      ['db/add', 'datomic.tx', RESTORE_ATTRS.sourceT, entry.t],
      ['db/add', 'datomic.tx', RESTORE_ATTRS.sourceEid, entry.tx],
    ]);
    datoms += r.datoms;
  }
  return datoms;
}

/** The cases of the restore group. */
export function restoreCases(): BenchCase[] {
  const all = people(Math.round(DATOMS / ATTRS_PER_PERSON));
  return [
    {
      group: GROUP,
      name: 'current-state-vs-log-replay',
      // A getter: the harness reads the description after the runs, so the results file gets the rates.
      get description() {
        return (
          `current-state restore of a ${DATOMS}-datom catalog (${STORAGE} databases) vs replaying its log ` +
          `(the load in transactions of 100 entities, then ${UPDATES} card-one updates, ten per transaction) into an empty database` +
          measured(['current-state restore', 'log replay'])
        );
      },
      metric: 'ms',
      target: { kind: 'speedup', peer: 'log-replay', min: 5 },
      sides: [
        currentState,
        side({
          name: 'log-replay',
          setup: async () => ({ src: await source(), dest: await openFresh() }),
          run: async ({ src, dest }: { src: Connection; dest: { conn: Connection } }) => {
            const t0 = performance.now();
            const datoms = await replayAll(src, dest.conn);
            rate('log replay', datoms, performance.now() - t0);
          },
          teardown: ({ dest }: { dest: { conn: Connection; uri: string } }) => release(dest),
        }),
      ],
    },
    {
      group: GROUP,
      name: 'current-state-vs-datascript-add-all',
      get description() {
        return (
          `current-state restore of a ${DATOMS}-datom catalog vs DataScript transacting ${all.length * ATTRS_PER_PERSON} datoms (${all.length} people) in one in-memory transaction` +
          measured(['current-state restore', 'datascript add-all'])
        );
      },
      metric: 'ms',
      target: { kind: 'speedup', peer: 'datascript', min: 3 },
      sides: [
        currentState,
        side({
          name: 'datascript',
          setup: () => ({ conn: d.create_conn(), tx: all.map((p) => ({ ':db/id': p.id, name: p.name, 'last-name': p.lastName, sex: p.sex, age: p.age, salary: p.salary })) }),
          run: ({ conn, tx }: { conn: d.Conn; tx: unknown[] }) => {
            const t0 = performance.now();
            d.transact(conn, tx);
            rate('datascript add-all', all.length * ATTRS_PER_PERSON, performance.now() - t0);
          },
        }),
      ],
    },
  ];
}

