// PostgreSQL storage (issue 17), on the server that DATOMKIT_TEST_PG names (start one with
// `eval "$(bash .ci/start-postgres.sh)"`); without one the cases are listed PENDING with a note.
// - durable add-5 against raw autocommit INSERTs on the same server (one commit round trip each);
// - opening the catalog stored in PostgreSQL in a fresh process, and its memory after random pulls;
// - a current-state restore from PostgreSQL into a local file database against DataScript's add-all.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as core from '@datomkit/datom-core';
import type { Connection, TxData } from '@datomkit/datom-core';
import { currentStateRestore } from '@datomkit/restore';
import { catalogSchema, generateCatalog } from '@datomkit/testkit';
import d from 'datascript';
import pg from 'pg';
import { type BenchCase, DATOMKIT, side } from '../harness.js';
import { ATTRS_PER_PERSON, people } from '../workload/people.js';
import { dkEntity, SCHEMA } from './durable.js';

const GROUP = 'postgres';
const SERVER = process.env.DATOMKIT_TEST_PG;
/** Transactions of the add-5 case (each one commit; BENCH_PG_TXS). */
const TXS = Number(process.env.BENCH_PG_TXS ?? 20_000);
/** Datoms of the catalog that is opened and pulled from (BENCH_PG_DATOMS). */
const DATOMS = Number(process.env.BENCH_PG_DATOMS ?? 10_000_000);
/** Datoms of the catalog that is restored from (BENCH_PG_RESTORE_DATOMS), as in the restore group. */
const RESTORE_DATOMS = Number(process.env.BENCH_PG_RESTORE_DATOMS ?? 1_000_000);
const PULLS = 10_000;
const CHILD = fileURLToPath(new URL('../scale-child.mjs', import.meta.url));

const run = `b${process.pid.toString(36)}${Date.now().toString(36)}`;
let counter = 0;
function pgUri(label: string): string {
  const url = new URL(SERVER as string);
  url.searchParams.set('name', `${run}-${label}-${++counter}`);
  return url.toString();
}

/** Why the cases cannot run (no server set, or none answering), or null. */
async function unreachable(): Promise<string | null> {
  if (SERVER === undefined) return 'no PostgreSQL: set DATOMKIT_TEST_PG (eval "$(bash .ci/start-postgres.sh)")';
  const c = new pg.Client({ connectionString: SERVER, connectionTimeoutMillis: 3000 });
  try {
    await c.connect();
    await c.query('SELECT 1');
    return null;
  } catch (err) {
    return `PostgreSQL at ${SERVER} does not answer: ${(err as Error).message}`;
  } finally {
    await c.end().catch(() => undefined);
  }
}

let opened: Promise<pg.Client> | null = null;
/** One connection for the raw inserts, its table made once. */
function rawClient(): Promise<pg.Client> {
  opened ??= (async () => {
    const c = new pg.Client({ connectionString: SERVER, options: '-c synchronous_commit=on' });
    await c.connect();
    await c.query('CREATE TABLE IF NOT EXISTS datomkit_bench_people (id bigserial PRIMARY KEY, name text, last_name text, sex text, age bigint, salary bigint)');
    hold(c, false);
    return c;
  })();
  return opened;
}

/** Whether the raw client's socket keeps the process alive (only while it works, so the run can end). */
function hold(c: pg.Client, on: boolean): void {
  const r = c as pg.Client & { ref(): void; unref(): void };
  if (on) r.ref();
  else r.unref();
}

/** Builds a catalog of `datoms` in a PostgreSQL database once, closed after (a final checkpoint). */
const catalogs = new Map<number, Promise<{ uri: string; datoms: number; maxEid: number }>>();
function catalog(datoms: number): Promise<{ uri: string; datoms: number; maxEid: number }> {
  let p = catalogs.get(datoms);
  if (p === undefined) {
    p = (async () => {
      const uri = pgUri(`catalog-${datoms}`);
      const t0 = performance.now();
      await core.createDatabase(uri);
      const conn = await core.connect(uri);
      await conn.transact(catalogSchema());
      let maxEid = 0;
      for (const batch of generateCatalog({ datoms, seed: 1, batchEntities: 5000 })) {
        const { tempids } = await conn.transact(batch);
        for (const e of Object.values(tempids)) if (e < core.TX_BASE && e > maxEid) maxEid = e;
      }
      const count = await conn.db().datoms('eavt').count();
      await conn.close();
      await core.gcStorage(uri, new Date(Date.now() + 1000));
      console.log(`    built a ${count}-datom catalog in PostgreSQL in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
      return { uri, datoms: count, maxEid };
    })();
    catalogs.set(datoms, p);
  }
  return p;
}

function measureChild(uri: string, maxEid: number): { openMs: number; rssMb: number } {
  const out = execFileSync(process.execPath, [CHILD, uri, String(PULLS), String(maxEid)], { encoding: 'utf8' });
  return JSON.parse(out.trim().split('\n').pop() as string) as { openMs: number; rssMb: number };
}

/** datoms/s of each run, printed as it goes. */
function rate(label: string, datoms: number, ms: number): void {
  console.log(`    ${label}: ${datoms} datoms in ${ms.toFixed(0)} ms = ${Math.round((datoms * 1000) / ms)} datoms/s`);
}

/** The PostgreSQL cases; PENDING with the reason when no server answers. */
export async function postgresCases(): Promise<BenchCase[]> {
  const why = await unreachable();
  const label = `${(DATOMS / 1e6).toFixed(DATOMS % 1e6 === 0 ? 0 : 1)}M`;
  const note = why === null ? '' : ` (skipped: ${why})`;
  if (why !== null) console.warn(`postgres: ${why}; the postgres cases are PENDING`);
  const all = people(TXS);
  const restorePeople = people(Math.round(RESTORE_DATOMS / ATTRS_PER_PERSON));
  const files = mkdtempSync(join(tmpdir(), 'datomkit-bench-pg-'));
  process.on('exit', () => rmSync(files, { recursive: true, force: true }));
  const cases: BenchCase[] = [
    {
      group: GROUP,
      name: 'pg-durable-add-5',
      description: `${TXS} transactions of one 5-attribute entity into a PostgreSQL database, each committed before transact resolves; peer: ${TXS} autocommit INSERTs of a 5-column row on the same server (target: within 1.5x)${note}`,
      metric: 'ms',
      target: { kind: 'speedup', peer: 'raw-inserts', min: 1 / 1.5 },
      sides: [
        side({
          name: DATOMKIT,
          setup: async () => {
            const uri = pgUri('add5');
            await core.createDatabase(uri);
            const conn = await core.connect(uri);
            await conn.transact(SCHEMA);
            return { uri, conn, txs: all.map(dkEntity) };
          },
          run: async ({ conn, txs }: { conn: Connection; txs: Record<string, unknown>[] }) => {
            for (const tx of txs) await conn.transact([tx] as TxData);
          },
          teardown: async ({ uri, conn }: { uri: string; conn: Connection }) => {
            await conn.close();
            await core.deleteDatabase(uri);
          },
        }),
        side({
          name: 'raw-inserts',
          setup: rawClient,
          run: async (c: pg.Client) => {
            hold(c, true);
            for (const p of all) {
              await c.query('INSERT INTO datomkit_bench_people (name, last_name, sex, age, salary) VALUES ($1, $2, $3, $4, $5)', [p.name, p.lastName, p.sex, p.age, p.salary]);
            }
            hold(c, false);
          },
        }),
      ],
    },
    {
      group: GROUP,
      name: `pg-open-${label}`,
      description: `opening a ${label}-datom catalog stored in PostgreSQL read-only in a fresh process (target: under 1 s)${note}`,
      metric: 'ms-reported',
      target: { kind: 'at-most', max: 1000 },
      sides: [side({ name: DATOMKIT, setup: () => catalog(DATOMS), run: async (db: { uri: string; maxEid: number }) => measureChild(db.uri, db.maxEid).openMs })],
    },
    {
      group: GROUP,
      name: `pg-rss-after-pulls-${label}`,
      description: `resident memory of that process after ${PULLS} random pulls, pages read from PostgreSQL (target: under 300 MB)${note}`,
      metric: 'MB',
      target: { kind: 'at-most', max: 300 },
      sides: [side({ name: DATOMKIT, setup: () => catalog(DATOMS), run: async (db: { uri: string; maxEid: number }) => measureChild(db.uri, db.maxEid).rssMb })],
    },
    {
      group: GROUP,
      name: 'pg-restore-to-file-vs-datascript-add-all',
      description: `current-state restore of a ${RESTORE_DATOMS}-datom catalog from PostgreSQL (a read-only connection) into a new local file database, vs DataScript transacting ${restorePeople.length * ATTRS_PER_PERSON} datoms in one in-memory transaction (target: 3x its rate)${note}`,
      metric: 'ms',
      target: { kind: 'speedup', peer: 'datascript', min: 3 },
      sides: [
        side({
          name: DATOMKIT,
          setup: async () => {
            const src = await core.connect((await catalog(RESTORE_DATOMS)).uri, { readOnly: true });
            const uri = `file:${join(files, `dest-${++counter}`)}`;
            await core.createDatabase(uri);
            return { src, uri, dest: await core.connect(uri) };
          },
          run: async ({ src, dest }: { src: Connection; dest: Connection }) => {
            const t0 = performance.now();
            const r = await currentStateRestore({ sourceDb: src.db(), destConn: dest });
            rate('restore from PostgreSQL', r.stats.datomsWritten, performance.now() - t0);
          },
          teardown: async ({ src, uri, dest }: { src: Connection; uri: string; dest: Connection }) => {
            await src.close();
            await dest.close();
            await core.deleteDatabase(uri);
          },
        }),
        side({
          name: 'datascript',
          setup: () => ({ conn: d.create_conn(), tx: restorePeople.map((p) => ({ ':db/id': p.id, name: p.name, 'last-name': p.lastName, sex: p.sex, age: p.age, salary: p.salary })) }),
          run: ({ conn, tx }: { conn: d.Conn; tx: unknown[] }) => {
            const t0 = performance.now();
            d.transact(conn, tx);
            rate('datascript add-all', restorePeople.length * ATTRS_PER_PERSON, performance.now() - t0);
          },
        }),
      ],
    },
  ];
  // Without a server only the descriptions are kept: no side runs, so each case is PENDING.
  return why === null ? cases : cases.map((c) => ({ ...c, sides: [] }));
}
