// Durable storage (issue 4): file databases against DataScript's in-memory figures and against the
// raw cost of the syncs themselves, all measured in the same run.
import { closeSync, fdatasyncSync, mkdtempSync, openSync, rmSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as core from '@datomkit/datom-core';
import type { Connection, TxData } from '@datomkit/datom-core';
import d from 'datascript';
import { type BenchCase, DATOMKIT, type Side, side } from '../harness.js';
import { type Person, people, shuffled } from '../workload/people.js';

const GROUP = 'durable';
const PEOPLE = 20_000;
const LOOKUPS = 2_000;

/** The people schema of the durable cases (and the postgres group's). */
export const SCHEMA: TxData = [
  ['person/name', 'string'],
  ['person/last-name', 'string'],
  ['person/sex', 'string'],
  ['person/age', 'long'],
  ['person/salary', 'long'],
].map(([ident, type]) => ({
  'db/ident': core.kw(ident as string),
  'db/valueType': core.kw(`db.type/${type}`),
  'db/cardinality': core.kw('db.cardinality/one'),
}));

/** A person as a datomkit entity map. */
export function dkEntity(p: Person): Record<string, unknown> {
  return { 'db/id': p.id, 'person/name': p.name, 'person/last-name': p.lastName, 'person/sex': p.sex, 'person/age': p.age, 'person/salary': p.salary };
}

function dsEntity(p: Person): Record<string, unknown> {
  return { ':db/id': p.id, name: p.name, 'last-name': p.lastName, sex: p.sex, age: p.age, salary: p.salary };
}

const root = mkdtempSync(join(tmpdir(), 'datomkit-bench-durable-'));
process.on('exit', () => rmSync(root, { recursive: true, force: true }));
let counter = 0;

interface Fresh {
  conn: Connection;
  dir: string;
  txs: Record<string, unknown>[];
}

async function freshDb(all: readonly Person[]): Promise<Fresh> {
  const dir = join(root, `db-${++counter}`);
  await core.createDatabase(`file:${dir}`);
  const conn = await core.connect(`file:${dir}`);
  await conn.transact(SCHEMA);
  return { conn, dir, txs: all.map(dkEntity) };
}

async function dropDb(f: Fresh): Promise<void> {
  await f.conn.close();
  rmSync(f.dir, { recursive: true, force: true });
}

/** 20,000 appends of a small record, each followed by fdatasync: the floor of durable add-5. */
function rawSyncs(n: number): void {
  const file = join(root, `syncs-${++counter}`);
  const fd = openSync(file, 'w');
  const rec = Buffer.alloc(64, 7);
  try {
    for (let i = 0; i < n; i++) {
      writeSync(fd, rec);
      fdatasyncSync(fd);
    }
  } finally {
    closeSync(fd);
    rmSync(file, { force: true });
  }
}

function dsAdd5(all: readonly Person[]): void {
  const conn = d.create_conn();
  for (const p of all) d.transact(conn, [dsEntity(p)]);
}

/** datomkit's side of a case: a fresh file database with the schema for each sample, `run` timed. */
function onFreshDb(all: readonly Person[], run: (f: Fresh) => Promise<void>): Side {
  return side({ name: DATOMKIT, setup: () => freshDb(all), run, teardown: dropDb });
}

/** The durable cases. */
export function durableCases(): BenchCase[] {
  const all = people(PEOPLE);
  const dsAddAll = side({
    name: 'datascript',
    setup: () => all.map(dsEntity),
    run: (tx: unknown[]) => {
      d.transact(d.create_conn(), tx);
    },
  });
  return [
    {
      group: GROUP,
      name: 'durable-add-all',
      description: `${PEOPLE * 5} datoms in one transaction into a file database, synced (DataScript: in memory)`,
      metric: 'ms',
      target: { kind: 'speedup', peer: 'datascript', min: 3 },
      sides: [
        onFreshDb(all, async (f) => {
          await f.conn.transact(f.txs as TxData).then(() => undefined);
        }),
        dsAddAll,
      ],
    },
    {
      group: GROUP,
      name: 'durable-bulk-import',
      description: `${PEOPLE * 5} datoms in transactions of 1,000 entities into a file database, each synced (DataScript: add-all in memory)`,
      metric: 'ms',
      target: { kind: 'speedup', peer: 'datascript', min: 3 },
      sides: [
        onFreshDb(all, async (f) => {
          for (let i = 0; i < f.txs.length; i += 1000) await f.conn.transact(f.txs.slice(i, i + 1000) as TxData).then(() => undefined);
        }),
        dsAddAll,
      ],
    },
    {
      group: GROUP,
      name: 'durable-add-5',
      description: `${PEOPLE} transactions of one entity into a file database, each synced before transact resolves; peer: ${PEOPLE} raw appends+fdatasync plus DataScript's in-memory add-5`,
      metric: 'ms',
      target: { kind: 'speedup', peer: 'syncs+datascript', min: 1 },
      sides: [
        onFreshDb(all, async (f) => {
          for (const tx of f.txs) await f.conn.transact([tx] as TxData).then(() => undefined);
        }),
        side({
          name: 'syncs+datascript',
          run: () => {
            rawSyncs(PEOPLE);
            dsAdd5(all);
          },
        }),
        side({ name: 'raw-syncs', run: () => rawSyncs(PEOPLE) }),
      ],
    },
    ...coldReads(all),
  ];
}

interface Opened {
  conn: Connection;
  eids: number[];
}

/** A file database with the workload, written once and opened by each sample. */
let sharedDir: string | null = null;
async function workloadDir(all: readonly Person[]): Promise<string> {
  if (sharedDir === null) {
    const f = await freshDb(all);
    await f.conn.transact(f.txs as TxData);
    await f.conn.close();
    sharedDir = f.dir;
  }
  return sharedDir;
}

async function lookups(o: Opened): Promise<void> {
  const db = o.conn.db();
  for (const e of o.eids) await db.datoms('eavt', e).toArray();
}

function coldReads(all: readonly Person[]): BenchCase[] {
  const open = async (warm: boolean): Promise<Opened> => {
    const dir = await workloadDir(all);
    const conn = await core.connect(`file:${dir}`, { readOnly: true });
    const ids = (await conn.db().datoms('aevt', 'person/name').toArray()).map((x) => x.e);
    const o = { conn, eids: shuffled(ids, 7).slice(0, LOOKUPS) };
    if (warm) await lookups(o);
    return o;
  };
  return [
    {
      group: GROUP,
      name: 'point-reads-cold',
      description: `${LOOKUPS} entity lookups right after opening a file database read-only, against the same lookups warm`,
      metric: 'ms',
      target: { kind: 'speedup', peer: 'datomkit-warm', min: 1 / 3 },
      sides: [
        side({ name: DATOMKIT, setup: () => open(false), run: lookups, teardown: (o: Opened) => o.conn.close() }),
        side({ name: 'datomkit-warm', setup: () => open(true), run: lookups, teardown: (o: Opened) => o.conn.close() }),
      ],
    },
  ];
}
