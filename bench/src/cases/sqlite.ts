// SQLite (issue 15): where a Node user would pick an embedded SQLite instead. The SQLite side runs in
// a child process (sqlite-child.ts) under a Node that has node:sqlite, in the same run; each side
// reports the time of its own timed part.
import { type ChildProcess, execFileSync, fork } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { homedir, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as core from '@datomkit/datom-core';
import type { Connection, TxData } from '@datomkit/datom-core';
import { type BenchCase, DATOMKIT, type Side, selects, side } from '../harness.js';
import { type Person, shuffled, uniquelyNamed } from '../workload/people.js';
import type { SqliteReply, SqliteRequest } from '../sqlite-child.js';

const GROUP = 'sqlite';
const SINGLE = 3_000;
const BULK = 200_000;
const BATCH = 10_000;
const READS = 2_000;
const FACTS = BULK * 5;
const CHILD = fileURLToPath(new URL('../sqlite-child.ts', import.meta.url));
const BENCH_DIR = fileURLToPath(new URL('../..', import.meta.url));

const SCHEMA: TxData = [
  ['person/name', 'string', true],
  ['person/last-name', 'string', false],
  ['person/sex', 'string', false],
  ['person/age', 'long', false],
  ['person/salary', 'long', false],
].map(([ident, type, unique]) => ({
  'db/ident': core.kw(ident as string),
  'db/valueType': core.kw(`db.type/${type}`),
  'db/cardinality': core.kw('db.cardinality/one'),
  ...(unique === true ? { 'db/unique': core.kw('db.unique/value') } : {}),
}));

function entity(p: Person): Record<string, unknown> {
  return { 'db/id': p.id, 'person/name': p.name, 'person/last-name': p.lastName, 'person/sex': p.sex, 'person/age': p.age, 'person/salary': p.salary };
}

// --- the SQLite peer --------------------------------------------------------------------------

/** Whether the running Node has node:sqlite (Node >= 22.13, or 22.5 with a flag). */
async function hasSqlite(): Promise<boolean> {
  return import('node:sqlite').then(
    () => true,
    () => false,
  );
}

/**
 * A Node binary that has node:sqlite: this one when it does, else Node 22 from the npm registry's
 * `node-<platform>-<arch>` package, installed once into a cache folder (DATOMKIT_BENCH_CACHE, by
 * default ~/.cache/datomkit-bench). A string saying why when neither can be had.
 */
async function sqliteNode(): Promise<{ readonly bin: string } | { readonly skipped: string }> {
  if (await hasSqlite()) return { bin: process.execPath };
  if (process.platform !== 'linux' && process.platform !== 'darwin') return { skipped: `no node:sqlite in Node ${process.version}, and no registry Node for ${process.platform}` };
  const pkg = `node-${process.platform}-${process.arch}`;
  const cache = join(process.env.DATOMKIT_BENCH_CACHE ?? join(homedir(), '.cache', 'datomkit-bench'), 'node22');
  const bin = join(cache, 'node_modules', pkg, 'bin', 'node');
  try {
    if (!existsSync(bin)) {
      console.log(`sqlite: Node ${process.version} has no node:sqlite; installing ${pkg}@22 into ${cache}`);
      execFileSync('npm', ['install', '--prefix', cache, '--no-save', '--no-audit', '--no-fund', `${pkg}@22`], { stdio: 'inherit' });
    }
    execFileSync(bin, ['-e', "require('node:sqlite')"], { stdio: 'ignore' });
    return { bin };
  } catch (err) {
    return { skipped: `no node:sqlite in Node ${process.version}, and ${pkg}@22 could not be installed or run (${err instanceof Error ? err.message.split('\n')[0] : String(err)})` };
  }
}

/** The child process running the SQLite side; requests go one at a time. */
class SqlitePeer {
  #next = 0;
  readonly #waiting = new Map<number, { resolve: (ms: number) => void; reject: (err: Error) => void }>();

  constructor(readonly child: ChildProcess) {
    child.on('message', (reply: SqliteReply) => {
      const w = this.#waiting.get(reply.id);
      this.#waiting.delete(reply.id);
      if (this.#waiting.size === 0) this.#idle();
      if ('error' in reply) w?.reject(new Error(`sqlite peer: ${reply.error}`));
      else w?.resolve(reply.ms);
    });
    child.on('exit', (code) => {
      for (const w of this.#waiting.values()) w.reject(new Error(`sqlite peer exited with code ${code}`));
      this.#waiting.clear();
    });
    this.#idle();
  }

  /** Lets the bench exit while nothing is asked of the child. */
  #idle(): void {
    this.child.unref();
    (this.child.channel as { unref?: () => void } | undefined)?.unref?.();
  }

  /** Sends a request (without its id) and resolves with the milliseconds the child measured. */
  ask(req: DistributiveOmit<SqliteRequest, 'id'>): Promise<number> {
    const id = ++this.#next;
    this.child.ref();
    (this.child.channel as { ref?: () => void } | undefined)?.ref?.();
    return new Promise((resolve, reject) => {
      this.#waiting.set(id, { resolve, reject });
      this.child.send({ ...req, id });
    });
  }
}

type DistributiveOmit<T, K extends PropertyKey> = T extends unknown ? Omit<T, K> : never;

async function startPeer(bin: string): Promise<SqlitePeer> {
  const child = fork(CHILD, [], { execPath: bin, execArgv: ['--import', 'tsx', '--expose-gc', '--no-warnings'], cwd: BENCH_DIR, stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  process.on('exit', () => child.kill());
  const peer = new SqlitePeer(child);
  await peer.ask({ op: 'init', count: BULK });
  return peer;
}

// --- datomkit's side ------------------------------------------------------------------------

const root = mkdtempSync(join(tmpdir(), 'datomkit-bench-sqlite-'));
process.on('exit', () => rmSync(root, { recursive: true, force: true }));
let counter = 0;

interface Fresh {
  readonly conn: Connection;
  readonly dir: string;
}

async function freshDb(): Promise<Fresh> {
  const dir = join(root, `db-${++counter}`);
  await core.createDatabase(`file:${dir}`);
  const conn = await core.connect(`file:${dir}`);
  await conn.transact(SCHEMA);
  return { conn, dir };
}

async function dropDb(f: Fresh): Promise<void> {
  await f.conn.close();
  rmSync(f.dir, { recursive: true, force: true });
}

async function timed(run: () => Promise<unknown>): Promise<number> {
  const t0 = performance.now();
  await run();
  return performance.now() - t0;
}

async function bulkImport(conn: Connection, txs: readonly Record<string, unknown>[]): Promise<void> {
  for (let i = 0; i < txs.length; i += BATCH) await conn.transact(txs.slice(i, i + BATCH) as TxData);
}

interface Loaded extends Fresh {
  /** The people the timed reads look up, by name. */
  readonly names: readonly string[];
}

/** Point reads: a pull of every attribute by lookup ref on the unique name. Returns the slowest. */
async function pulls(conn: Connection, names: readonly string[]): Promise<number> {
  const db = conn.db();
  const attr = core.kw('person/name');
  let slowest = 0;
  for (const name of names) {
    const t0 = performance.now();
    const p = await db.pull(['*'], [attr, name]);
    const ms = performance.now() - t0;
    if (p === null) throw new Error(`pull: no person named ${name}`);
    if (ms > slowest) slowest = ms;
  }
  return slowest;
}

/** A run of the loaded database's pulls: returns their time and keeps the slowest one's in `slowest`. */
function timedPulls(slowest: number[]): (l: Loaded) => Promise<number> {
  return async (l) => {
    const t0 = performance.now();
    slowest.push(await pulls(l.conn, l.names));
    return performance.now() - t0;
  };
}

function median(xs: readonly number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s.length === 0 ? Number.NaN : (s[s.length >> 1] as number);
}

// --- the cases --------------------------------------------------------------------------------

/** The SQLite cases (issue 15). */
export async function sqliteCases(): Promise<BenchCase[]> {
  // Nothing to prepare (or install) when the run's filter leaves every case of the group out.
  const names = ['durable-single-entity', 'bulk-import-200k', 'first-reads-after-load', 'steady-reads'];
  if (!names.some((n) => selects(process.env.BENCH_FILTER, GROUP, n))) return [];
  const all = uniquelyNamed(BULK);
  const txs = all.map(entity);
  // Reads: the first READS after the load, then the next READS, of people in a shuffled order.
  const order = shuffled(
    all.map((_, i) => i),
    15,
  );
  const first = order.slice(0, READS);
  const next = order.slice(READS, 2 * READS);
  const found = await sqliteNode();
  let peer: SqlitePeer | null = null;
  const sqlite = (s: Omit<Side<null>, 'name'>): Side[] => {
    if ('skipped' in found) return [];
    return [
      side({
        name: 'sqlite',
        collectsItself: true,
        ...s,
        setup: async () => {
          peer ??= await startPeer(found.bin);
          return s.setup?.() ?? null;
        },
      }),
    ];
  };
  const ask = (req: DistributiveOmit<SqliteRequest, 'id'>): Promise<number> => (peer as SqlitePeer).ask(req);
  const note = 'skipped' in found ? `. SQLite side skipped: ${found.skipped}` : '';
  if ('skipped' in found) console.warn(`sqlite: ${found.skipped}; the sqlite cases run datomkit alone (PENDING)`);

  const rates: number[] = [];
  const sqliteRates: number[] = [];
  const firstSlowest: number[] = [];
  const nextSlowest: number[] = [];
  const loaded = async (reads: boolean): Promise<Loaded> => {
    const f = await freshDb();
    await bulkImport(f.conn, txs);
    if (reads) await pulls(f.conn, first.map((i) => (all[i] as Person).name));
    return { ...f, names: (reads ? next : first).map((i) => (all[i] as Person).name) };
  };
  // The steady reads use one loaded database for all their samples.
  let steady: Promise<Loaded> | null = null;
  let steadyPeer = false;
  return [
    {
      group: GROUP,
      name: 'durable-single-entity',
      description: `${SINGLE} transactions of one 5-attribute entity (unique name) into a file database, each synced before it resolves; SQLite: ${SINGLE} autocommit inserts of a 5-column row (unique name), WAL, synchronous=FULL${note}`,
      metric: 'ms-reported',
      target: { kind: 'speedup', peer: 'sqlite', min: 1 },
      sides: [
        side({
          name: DATOMKIT,
          setup: freshDb,
          run: (f: Fresh) =>
            timed(async () => {
              for (let i = 0; i < SINGLE; i++) await f.conn.transact([txs[i]] as TxData);
            }),
          teardown: dropDb,
        }),
        ...sqlite({ run: () => ask({ op: 'single', count: SINGLE }) }),
      ],
    },
    {
      group: GROUP,
      name: 'bulk-import-200k',
      get description() {
        const r = (xs: number[]) => `${Math.round(median(xs) / 1000)}k facts/s`;
        const measured = rates.length === 0 ? '' : `. Measured (median of all runs): datomkit ${r(rates)}${sqliteRates.length > 0 ? `, SQLite ${r(sqliteRates)}` : ''}`;
        return `${BULK} entities of 5 attributes in transactions of ${BATCH / 1000}k into a file database; SQLite: ${BULK} rows of 5 columns in transactions of ${BATCH / 1000}k (a datom against a column: ${FACTS / 1e6}M facts each; target: at least half SQLite's facts per second)${measured}${note}`;
      },
      metric: 'ms-reported',
      target: { kind: 'speedup', peer: 'sqlite', min: 0.5 },
      sides: [
        side({
          name: DATOMKIT,
          setup: freshDb,
          run: async (f: Fresh) => {
            const ms = await timed(() => bulkImport(f.conn, txs));
            rates.push(FACTS / (ms / 1000));
            return ms;
          },
          teardown: dropDb,
        }),
        ...sqlite({
          run: async () => {
            const ms = await ask({ op: 'bulk', count: BULK, batch: BATCH, keep: false });
            sqliteRates.push(FACTS / (ms / 1000));
            return ms;
          },
        }),
      ],
    },
    {
      group: GROUP,
      name: 'first-reads-after-load',
      get description() {
        const measured = firstSlowest.length === 0 ? '' : `. Slowest single read (median of all runs): ${median(firstSlowest).toFixed(2)} ms`;
        return `the first ${READS} point reads by unique name right after that import (datomkit: pull of every attribute by lookup ref; SQLite: SELECT * by name)${measured}${note}`;
      },
      metric: 'ms-reported',
      target: { kind: 'speedup', peer: 'sqlite', min: 1 },
      sides: [
        side({
          name: DATOMKIT,
          setup: () => loaded(false),
          run: timedPulls(firstSlowest),
          teardown: dropDb,
        }),
        ...sqlite({
          setup: async () => {
            await ask({ op: 'bulk', count: BULK, batch: BATCH, keep: true });
            return null;
          },
          run: () => ask({ op: 'reads', people: first }),
          teardown: () => ask({ op: 'drop' }),
        }),
      ],
    },
    {
      group: GROUP,
      name: 'steady-reads',
      get description() {
        const measured = nextSlowest.length === 0 ? '' : `. Slowest single read (median of all runs): ${median(nextSlowest).toFixed(2)} ms`;
        return `the next ${READS} point reads by unique name after the first ${READS}, on the same import${measured}${note}`;
      },
      metric: 'ms-reported',
      target: { kind: 'speedup', peer: 'sqlite', min: 1 },
      sides: [
        side({
          name: DATOMKIT,
          setup: () => (steady ??= loaded(true)),
          run: timedPulls(nextSlowest),
        }),
        ...sqlite({
          setup: async () => {
            if (!steadyPeer) {
              await ask({ op: 'bulk', count: BULK, batch: BATCH, keep: true });
              await ask({ op: 'reads', people: first });
              steadyPeer = true;
            }
            return null;
          },
          run: () => ask({ op: 'reads', people: next }),
        }),
      ],
    },
  ];
}
