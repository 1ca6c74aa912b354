// DataScript's own benchmark workload (bench/datascript/bench.cljc): 20,000 people x 5 attributes
// = 100k datoms, driven through each engine's ordinary transact API in the same process.
import * as core from '@datomkit/datom-core';
import type { Connection, Database, TxData } from '@datomkit/datom-core';
import d from 'datascript';
import { type BenchCase, DATOMKIT, type Side, fullGc, heapBytes, side } from '../harness.js';
import { ATTRS_PER_PERSON, type Person, people, shuffled } from '../workload/people.js';

const PEOPLE = 20_000;
const LOOKUPS = 2_000;
const GROUP = 'datascript-workload';
const PEER = 'datascript';

// --- DataScript ------------------------------------------------------------------------------

const DS_ATTRS = [
  ['name', 'name'],
  ['last-name', 'lastName'],
  ['sex', 'sex'],
  ['age', 'age'],
  ['salary', 'salary'],
] as const satisfies readonly (readonly [string, keyof Person])[];

function dsEntity(p: Person): Record<string, unknown> {
  return { ':db/id': p.id, name: p.name, 'last-name': p.lastName, sex: p.sex, age: p.age, salary: p.salary };
}

/** A connection holding the whole workload, and the entity id of each person, in order. */
function dsLoaded(all: readonly Person[]): { conn: d.Conn; eids: number[] } {
  const conn = d.create_conn();
  const report = d.transact(conn, all.map(dsEntity));
  return { conn, eids: all.map((p) => d.resolve_tempid(report.tempids, p.id)) };
}

// --- datomkit --------------------------------------------------------------------------------

/** How the cases open and release a fresh in-memory datomkit database. */
export interface DatomkitEngine {
  open(): Promise<Connection>;
  release(conn: Connection): Promise<void>;
}

/**
 * datomkit through `@datomkit/datom-core`'s `connect` (with `createDatabase` and `deleteDatabase`
 * where exported), or `null` while it does not export `connect`: the cases then run the peer alone.
 */
function datomkitEngine(): DatomkitEngine | null {
  const api = core as Record<string, unknown>;
  const connect = api.connect as ((uri: string) => Promise<Connection> | Connection) | undefined;
  if (typeof connect !== 'function') return null;
  const create = typeof api.createDatabase === 'function' ? (api.createDatabase as (uri: string) => unknown) : null;
  const drop = typeof api.deleteDatabase === 'function' ? (api.deleteDatabase as (uri: string) => unknown) : null;
  const uris = new WeakMap<Connection, string>();
  let n = 0;
  return {
    async open() {
      const uri = `mem://bench-${process.pid}-${n++}`;
      await create?.(uri);
      const conn = await connect(uri);
      uris.set(conn, uri);
      return conn;
    },
    async release(conn) {
      await conn.close();
      const uri = uris.get(conn);
      // Deleting frees the in-process database, so runs do not pile up on the heap.
      if (uri !== undefined) await drop?.(uri);
    },
  };
}

const DK_ATTRS = [
  ['person/name', 'name', 'string'],
  ['person/last-name', 'lastName', 'string'],
  ['person/sex', 'sex', 'string'],
  ['person/age', 'age', 'long'],
  ['person/salary', 'salary', 'long'],
] as const satisfies readonly (readonly [string, keyof Person, string])[];

const DK_SCHEMA: TxData = DK_ATTRS.map(([ident, , type]) => ({
  'db/ident': core.kw(ident),
  'db/valueType': core.kw(`db.type/${type}`),
  'db/cardinality': core.kw('db.cardinality/one'),
}));

function dkEntity(p: Person): Record<string, unknown> {
  return {
    'db/id': p.id,
    'person/name': p.name,
    'person/last-name': p.lastName,
    'person/sex': p.sex,
    'person/age': p.age,
    'person/salary': p.salary,
  };
}

async function dkEmpty(engine: DatomkitEngine): Promise<Connection> {
  const conn = await engine.open();
  await conn.transact(DK_SCHEMA);
  return conn;
}

async function dkLoaded(engine: DatomkitEngine, all: readonly Person[]): Promise<{ conn: Connection; eids: number[] }> {
  const conn = await dkEmpty(engine);
  const report = await conn.transact(all.map(dkEntity));
  return {
    conn,
    eids: all.map((p) => {
      const e = report.tempids[p.id];
      if (e === undefined) throw new Error(`datomkit did not resolve tempid ${p.id}`);
      return e;
    }),
  };
}

// --- cases -----------------------------------------------------------------------------------

/** Keeps a measured value reachable until the measurement is done, so V8 cannot free it early. */
const keep: { value: unknown } = { value: null };

/**
 * The cases of DataScript's workload. Each has a DataScript side, and a datomkit side once
 * `@datomkit/datom-core` exports `connect` (or when an engine is given, e.g. to try the cases).
 */
export function datascriptWorkloadCases(engine: DatomkitEngine | null = datomkitEngine()): BenchCase[] {
  const all = people(PEOPLE);
  const retractOrder = shuffled(
    all.map((_, i) => i),
    7,
  );
  const lookupIdx = shuffled(
    all.map((_, i) => i),
    11,
  ).slice(0, LOOKUPS);

  // Loaded once per side and shared by the read-only cases.
  let dsShared: { conn: d.Conn; eids: number[] } | null = null;
  const dsRead = () => (dsShared ??= dsLoaded(all));
  let dkShared: Promise<{ conn: Connection; eids: number[] }> | null = null;
  const dkRead = (c: DatomkitEngine) => (dkShared ??= dkLoaded(c, all));

  const cases: {
    name: string;
    description: string;
    metric: BenchCase['metric'];
    target: BenchCase['target'];
    repeat?: number;
    ds: Side;
    dk: ((c: DatomkitEngine) => Side) | null;
  }[] = [
    {
      name: 'add-1',
      description: `${PEOPLE * ATTRS_PER_PERSON} transactions of one datom each (a tempid, then the resolved eid)`,
      metric: 'ms',
      target: { kind: 'speedup', peer: PEER, min: 5 },
      ds: side({
        name: PEER,
        setup: () => d.create_conn(),
        run: (conn: d.Conn) => {
          for (const p of all) {
            const report = d.transact(conn, [[':db/add', p.id, 'name', p.name]]);
            const e = d.resolve_tempid(report.tempids, p.id);
            for (const [attr, key] of DS_ATTRS.slice(1)) d.transact(conn, [[':db/add', e, attr, p[key]]]);
          }
        },
      }),
      dk: (c) =>
        side({
          name: DATOMKIT,
          setup: () => dkEmpty(c),
          run: async (conn: Connection) => {
            for (const p of all) {
              const report = await conn.transact([['db/add', p.id, 'person/name', p.name]]);
              const e = report.tempids[p.id] as number;
              for (const [attr, key] of DK_ATTRS.slice(1)) await conn.transact([['db/add', e, attr, p[key]]]);
            }
          },
          teardown: (conn: Connection) => c.release(conn),
        }),
    },
    {
      name: 'add-5',
      description: `${PEOPLE} transactions of one 5-attribute entity each`,
      metric: 'ms',
      target: { kind: 'speedup', peer: PEER, min: 5 },
      ds: side({
        name: PEER,
        setup: () => d.create_conn(),
        run: (conn: d.Conn) => {
          for (const p of all) d.transact(conn, [dsEntity(p)]);
        },
      }),
      dk: (c) =>
        side({
          name: DATOMKIT,
          setup: () => dkEmpty(c),
          run: async (conn: Connection) => {
            for (const p of all) await conn.transact([dkEntity(p)]);
          },
          teardown: (conn: Connection) => c.release(conn),
        }),
    },
    {
      name: 'add-all',
      description: `one transaction of ${PEOPLE} entities (${PEOPLE * ATTRS_PER_PERSON} datoms)`,
      metric: 'ms',
      target: { kind: 'speedup', peer: PEER, min: 5 },
      ds: side({
        name: PEER,
        setup: () => ({ conn: d.create_conn(), tx: all.map(dsEntity) }),
        run: ({ conn, tx }: { conn: d.Conn; tx: TxData }) => d.transact(conn, tx),
      }),
      dk: (c) =>
        side({
          name: DATOMKIT,
          setup: async () => ({ conn: await dkEmpty(c), tx: all.map(dkEntity) }),
          run: ({ conn, tx }: { conn: Connection; tx: TxData }) => conn.transact(tx),
          teardown: ({ conn }: { conn: Connection }) => c.release(conn),
        }),
    },
    {
      name: 'retract-5',
      description: `${PEOPLE} retractEntity transactions, in shuffled order, over the loaded workload`,
      metric: 'ms',
      target: { kind: 'speedup', peer: PEER, min: 5 },
      ds: side({
        name: PEER,
        setup: () => dsLoaded(all),
        run: ({ conn, eids }: { conn: d.Conn; eids: number[] }) => {
          for (const i of retractOrder) d.transact(conn, [[':db.fn/retractEntity', eids[i]]]);
        },
      }),
      dk: (c) =>
        side({
          name: DATOMKIT,
          setup: () => dkLoaded(c, all),
          run: async ({ conn, eids }: { conn: Connection; eids: number[] }) => {
            for (const i of retractOrder) await conn.transact([['db/retractEntity', eids[i] as number]]);
          },
          teardown: ({ conn }: { conn: Connection }) => c.release(conn),
        }),
    },
    {
      name: 'scan-eavt',
      description: "read every datom of EAVT (touching each datom's e); mean of 10 scans per sample",
      metric: 'ms',
      repeat: 10,
      target: { kind: 'speedup', peer: PEER, min: 1 },
      ds: side({
        name: PEER,
        setup: () => d.db(dsRead().conn),
        run: (db: d.DB) => {
          let sum = 0;
          for (const dt of d.datoms(db, ':eavt')) sum += dt.e;
          keep.value = sum;
        },
      }),
      dk: (c) =>
        side({
          name: DATOMKIT,
          setup: async () => (await dkRead(c)).conn.db(),
          run: async (db: Database) => {
            let sum = 0;
            for await (const batch of db.datoms('eavt').batches()) for (const dt of batch) sum += dt.e;
            keep.value = sum;
          },
        }),
    },
    {
      name: 'lookup-2k',
      description: `datoms(eavt, e) for ${LOOKUPS} random entities, reading every datom; mean of 10 rounds per sample`,
      metric: 'ms',
      repeat: 10,
      target: { kind: 'speedup', peer: PEER, min: 1 },
      ds: side({
        name: PEER,
        setup: () => ({ db: d.db(dsRead().conn), eids: lookupIdx.map((i) => dsRead().eids[i] as number) }),
        run: ({ db, eids }: { db: d.DB; eids: number[] }) => {
          let n = 0;
          for (const e of eids) for (const dt of d.datoms(db, ':eavt', e)) n += dt.e === e ? 1 : 0;
          keep.value = n;
        },
      }),
      dk: (c) =>
        side({
          name: DATOMKIT,
          setup: async () => {
            const loaded = await dkRead(c);
            return { db: loaded.conn.db(), eids: lookupIdx.map((i) => loaded.eids[i] as number) };
          },
          run: async ({ db, eids }: { db: Database; eids: number[] }) => {
            let n = 0;
            for (const e of eids) for (const dt of await db.datoms('eavt', e).toArray()) n += dt.e === e ? 1 : 0;
            keep.value = n;
          },
        }),
    },
    {
      name: 'heap-per-datom',
      description: `heap (V8 heap + external) held by the loaded workload, per datom (${PEOPLE * ATTRS_PER_PERSON})`,
      metric: 'bytes/datom',
      target: { kind: 'at-most', max: 100 },
      ds: side({
        name: PEER,
        setup: () => all.map(dsEntity),
        run: (tx: TxData) => {
          fullGc();
          const before = heapBytes();
          const conn = d.create_conn();
          // In a function of its own, so that the report (not part of the database) is unreachable.
          ((): void => {
            d.transact(conn, tx);
          })();
          keep.value = conn;
          fullGc();
          const after = heapBytes();
          keep.value = null;
          return (after - before) / (PEOPLE * ATTRS_PER_PERSON);
        },
      }),
      dk: (c) =>
        side({
          name: DATOMKIT,
          setup: () => all.map(dkEntity),
          run: async (tx: TxData) => {
            fullGc();
            const before = heapBytes();
            const conn = await dkEmpty(c);
            // Drop the report (not part of the database) before measuring: an awaited value
            // stays reachable from the async frame otherwise.
            await conn.transact(tx).then(() => undefined);
            keep.value = conn;
            fullGc();
            const after = heapBytes();
            keep.value = null;
            await c.release(conn);
            return (after - before) / (PEOPLE * ATTRS_PER_PERSON);
          },
        }),
    },
  ];

  return cases.map(({ name, description, metric, target, repeat, ds, dk }) => ({
    group: GROUP,
    name,
    description,
    metric,
    ...(target === undefined ? {} : { target }),
    ...(repeat === undefined ? {} : { repeat }),
    sides: engine === null || dk === null ? [ds] : [dk(engine), ds],
  }));
}
