// DataScript's own query benchmarks (bench/datascript/bench/datascript.cljc: q1-q4, qpred1, qpred2 on
// the 20k-people workload, and rules over its wide tree), run through `q` of @datomkit/query and of
// DataScript side by side; and each query with its clauses in reverse order, against the written order.
import * as core from '@datomkit/datom-core';
import type { Connection, Database, TxData } from '@datomkit/datom-core';
import { q } from '@datomkit/query';
import d from 'datascript';
import { type BenchCase, DATOMKIT, fullGc, side } from '../harness.js';
import { type Person, people } from '../workload/people.js';

const GROUP = 'query';
const PEER = 'datascript';
const WRITTEN = 'written-order';
const PEOPLE = 20_000;

/** A query as DataScript's bench writes it (attributes without namespace) and as datomkit's schema names them. */
interface Case {
  readonly name: string;
  readonly find: string;
  readonly in: string;
  readonly where: readonly string[];
  readonly inputs: readonly unknown[];
  readonly db: 'people' | 'wide';
  /**
   * Runs per sample: enough that datomkit's sample lasts 20 ms or more (one run of q1 is well under a
   * millisecond), so that it is not a single stall of a loaded machine, and the warm-up samples
   * run each query often enough for the JIT to have compiled it. Both sides run as many.
   */
  readonly repeat: number;
}

const RULES = `[[(follows ?x ?y) [?x :follows ?y]]
                [(follows ?x ?y) [?x :follows ?t] (follows ?t ?y)]]`;

const CASES: readonly Case[] = [
  { name: 'q1', find: '?e', in: '$', where: ['[?e :name "Ivan"]'], inputs: [], db: 'people', repeat: 100 },
  { name: 'q2', find: '?e ?a', in: '$', where: ['[?e :name "Ivan"]', '[?e :age ?a]'], inputs: [], db: 'people', repeat: 40 },
  { name: 'q3', find: '?e ?a', in: '$', where: ['[?e :name "Ivan"]', '[?e :age ?a]', '[?e :sex "male"]'], inputs: [], db: 'people', repeat: 40 },
  { name: 'q4', find: '?e ?l ?a', in: '$', where: ['[?e :name "Ivan"]', '[?e :last-name ?l]', '[?e :age ?a]', '[?e :sex "male"]'], inputs: [], db: 'people', repeat: 40 },
  { name: 'qpred1', find: '?e ?s', in: '$', where: ['[?e :salary ?s]', '[(> ?s 50000)]'], inputs: [], db: 'people', repeat: 20 },
  { name: 'qpred2', find: '?e ?s', in: '$ ?min_s', where: ['[?e :salary ?s]', '[(> ?s ?min_s)]'], inputs: [50_000], db: 'people', repeat: 20 },
  { name: 'rules-wide-4x6', find: '?e ?e2', in: '$ %', where: ['(follows ?e ?e2)'], inputs: [RULES], db: 'wide', repeat: 10 },
];

function text(c: Case, where: readonly string[], ns: boolean): string {
  const body = where.join(' ');
  return `[:find ${c.find} :in ${c.in} :where ${attrs(body, ns)}]`;
}

/** DataScript's JS API keeps attributes as strings ("name"); datomkit's schema names them :person/name. */
function attrs(edn: string, ns: boolean): string {
  return edn.replace(/:(name|last-name|sex|age|salary|follows)\b/g, ns ? ':person/$1' : '"$1"');
}

// --- the databases -----------------------------------------------------------------------------

const DS_SCHEMA = { follows: { ':db/valueType': ':db.type/ref', ':db/cardinality': ':db.cardinality/many' } };

const ATTRS: readonly (readonly [string, keyof Person, string])[] = [
  ['name', 'name', 'string'],
  ['last-name', 'lastName', 'string'],
  ['sex', 'sex', 'string'],
  ['age', 'age', 'long'],
  ['salary', 'salary', 'long'],
];

const DK_SCHEMA: TxData = [
  ...ATTRS.map(([a, , type]) => ({ 'db/ident': core.kw(`person/${a}`), 'db/valueType': core.kw(`db.type/${type}`), 'db/cardinality': core.kw('db.cardinality/one') })),
  { 'db/ident': core.kw('person/follows'), 'db/valueType': core.kw('db.type/ref'), 'db/cardinality': core.kw('db.cardinality/many') },
];

/** DataScript's `wide-db`: a tree of people, each following its `width` children, `depth` levels deep. */
function wide(depth: number, width: number): { id: number; person: Person; follows: number[] }[] {
  const pool = people(1_555, 9);
  const out: { id: number; person: Person; follows: number[] }[] = [];
  const walk = (id: number, dep: number): void => {
    const person = pool[out.length % pool.length] as Person;
    if (dep === 0) {
      out.push({ id, person, follows: [] });
      return;
    }
    const children = Array.from({ length: width }, (_, i) => id * width + i);
    out.push({ id, person, follows: children });
    for (const ch of children) walk(ch, dep - 1);
  };
  walk(1, depth);
  return out;
}

function dsDb(kind: Case['db']): d.DB {
  if (kind === 'people') {
    return d.db_with(d.empty_db(), people(PEOPLE).map((p) => ({ ':db/id': p.id, name: p.name, 'last-name': p.lastName, sex: p.sex, age: p.age, salary: p.salary })));
  }
  return d.db_with(d.empty_db(DS_SCHEMA), wide(4, 6).map((n) => ({ ':db/id': `n${n.id}`, name: n.person.name, follows: n.follows.map((c) => `n${c}`) })));
}

async function dkDb(kind: Case['db'], uri: string): Promise<{ conn: Connection; db: Database }> {
  await core.createDatabase(uri);
  const conn = await core.connect(uri);
  await conn.transact(DK_SCHEMA);
  if (kind === 'people') {
    await conn.transact(
      people(PEOPLE).map((p) => ({ 'db/id': p.id, 'person/name': p.name, 'person/last-name': p.lastName, 'person/sex': p.sex, 'person/age': p.age, 'person/salary': p.salary })),
    );
  } else {
    await conn.transact(wide(4, 6).map((n) => ({ 'db/id': `n${n.id}`, 'person/name': n.person.name, 'person/follows': n.follows.map((c) => `n${c}`) })));
  }
  const db = conn.db();
  // The lazily kept indexes catch up on first read, outside the timing (DataScript's are built by db_with).
  await db.datoms('aevt').count();
  await db.datoms('avet').count();
  return { conn, db };
}

/** Keeps a measured value reachable until the measurement is done, so V8 cannot free it early. */
const keep: { value: unknown } = { value: null };

/** The query cases: each query against DataScript, and its reversed clause order against the written one. */
export function queryCases(): BenchCase[] {
  const dsDbs = new Map<Case['db'], d.DB>();
  const dsOf = (k: Case['db']) => {
    let db = dsDbs.get(k);
    if (db === undefined) dsDbs.set(k, (db = dsDb(k)));
    return db;
  };
  const dkDbs = new Map<Case['db'], Promise<{ conn: Connection; db: Database }>>();
  const dkOf = (k: Case['db']) => {
    let db = dkDbs.get(k);
    if (db === undefined) dkDbs.set(k, (db = dkDb(k, `mem://bench-query-${process.pid}-${k}`)));
    return db;
  };
  const out: BenchCase[] = [];
  for (const c of CASES) {
    const dsText = text(c, c.where, false);
    const dkText = text(c, c.where, true);
    const dkReversed = text(c, [...c.where].reverse(), true);
    const dsInputs = c.inputs.map((x) => (x === RULES ? attrs(RULES, false) : x));
    const dkInputs = c.inputs.map((x) => (x === RULES ? attrs(RULES, true) : x));
    const dk = (query: string, name: string) =>
      side({
        name,
        setup: async () => (await dkOf(c.db)).db,
        run: async (db: Database) => {
          keep.value = await q(query, db, ...dkInputs);
        },
      });
    out.push({
      group: GROUP,
      name: c.name,
      description: `${dsText} on ${c.db === 'people' ? `${PEOPLE} people` : 'a 4-deep tree of 6 children each (1,555 people)'}`,
      metric: 'ms',
      repeat: c.repeat,
      target: { kind: 'speedup', peer: PEER, min: 10 },
      sides: [
        side({
          name: PEER,
          setup: () => dsOf(c.db),
          run: (db: d.DB) => {
            keep.value = d.q(dsText, db, ...dsInputs);
          },
        }),
        dk(dkText, DATOMKIT),
      ],
    });
    if (c.where.length > 1) {
      out.push({
        group: GROUP,
        name: `${c.name}-reversed`,
        description: `${c.name} with its :where clauses in reverse order, against the written order (target: within 1.5x)`,
        metric: 'ms',
        repeat: c.repeat,
        target: { kind: 'speedup', peer: WRITTEN, min: 1 / 1.5 },
        sides: [dk(dkText, WRITTEN), dk(dkReversed, DATOMKIT)],
      });
    }
  }
  return out;
}

/** CPU time of one call, in ms: the process's user and system time, so that waiting for a core on a loaded machine does not count. */
async function cpuMs(run: () => unknown): Promise<number> {
  const t0 = process.cpuUsage();
  await run();
  const d = process.cpuUsage(t0);
  return (d.user + d.system) / 1000;
}

function medianOf(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[s.length >> 1] as number;
}

/**
 * The CPU time of each query case on both sides (median of `runs` calls each, after a full
 * collection and `warmup` calls; each side runs its calls in a block of its own), for `pnpm
 * query-cpu`: the ratios of the bench's cases without the wall-clock noise of a machine shared with
 * other jobs. The process's CPU time includes V8's helper threads (concurrent marking, sweeping and
 * compiling): in a block of its own, each side pays for its own.
 */
export async function queryCpuTimes(warmup: number, runs: number): Promise<{ name: string; datascript: number; datomkit: number }[]> {
  const out: { name: string; datascript: number; datomkit: number }[] = [];
  const dsDbs = new Map<Case['db'], d.DB>();
  const dkDbs = new Map<Case['db'], Database>();
  for (const c of CASES) {
    if (!dsDbs.has(c.db)) dsDbs.set(c.db, dsDb(c.db));
    if (!dkDbs.has(c.db)) dkDbs.set(c.db, (await dkDb(c.db, `mem://bench-query-cpu-${process.pid}-${c.db}`)).db);
    const dsText = text(c, c.where, false);
    const dkText = text(c, c.where, true);
    const dsInputs = c.inputs.map((x) => (x === RULES ? attrs(RULES, false) : x));
    const dkInputs = c.inputs.map((x) => (x === RULES ? attrs(RULES, true) : x));
    const ds = () => {
      keep.value = d.q(dsText, dsDbs.get(c.db) as d.DB, ...dsInputs);
    };
    const dk = async () => {
      keep.value = await q(dkText, dkDbs.get(c.db) as Database, ...dkInputs);
    };
    const measure = async (run: () => unknown): Promise<number> => {
      fullGc();
      for (let i = 0; i < warmup; i++) await run();
      const ts: number[] = [];
      for (let i = 0; i < runs; i++) ts.push(await cpuMs(run));
      return medianOf(ts);
    };
    const dsT = await measure(ds);
    const dkT = await measure(dk);
    out.push({ name: c.name, datascript: dsT, datomkit: dkT });
  }
  return out;
}
