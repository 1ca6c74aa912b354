import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { backupDb, exportDatoms } from '@datomkit/backup';
import * as core from '@datomkit/datom-core';
import { ensureNorms, normStatus, readNorms, updateChecksums, verifyChecksums } from '@datomkit/norm';
import { IdMapping, SourceSchema, currentStateRestore, openReplaySession, verifyRestore } from '@datomkit/restore';
import { catalogSchema, generateCatalog } from '@datomkit/testkit';
import { expect } from 'vitest';

/** A name of the preamble: how to make its value, given the others. */
export type Maker = (w: World) => unknown;

/**
 * The preamble of TSDoc `@example`s. An example is a fragment: it uses names it does not define
 * (`conn`, `db`, `d`, `program`, ...). Besides what its own file, its package's index, datom-core's
 * and restore's indexes export, an example gets the names below that it uses, made fresh for each
 * run, in an empty current directory. Names the example defines itself shadow them; they are `let`,
 * so an example can count into `total`.
 *
 * Everywhere:
 * - `conn`, `sourceConn`, `source`: a connection to `mem://music`, which holds the schema and people
 *   below; `db`, `sourceDb`: its value; `uri`: `'mem://music'`; `destConn`, `dest`, `stateConn`:
 *   connections to new empty in-memory databases; `sourceId`: the source's id; `basisT`: its basis t.
 * - the schema: `:artist/name` (unique identity), `:artist/releases` (component refs),
 *   `:release/title`, `:person/name`, `:person/email` (unique identity), `:person/age`,
 *   `:person/friends` (refs), `:user/email`, `:user/password`, `:track/tempo` (double); Nina Simone
 *   (`e`; `d` and `datom` are her `:artist/name` datom) with a release; Ann (ann@x, 30) friends with
 *   Bob (bob@x, 25); Ivan (17). `datoms`: every datom of the database, in EAVT order.
 * - `file:./data/music` (and `./data/music`): the same, in a durable database, made when the example
 *   names `data/music`.
 * - `./migrations` (`dir`): two schema norms (`001-artist-country.edn`, `002-add-occupation.edn`), their
 *   checksums.edn, and `tx-fns.js` exporting an empty `txFns`, made when the example names `migrations`;
 *   `txFns` (`{ 'my.app/backfill': backfill }`), `status` (its normStatus), `result` (ensureNorms'
 *   result), `pending` (its norms), `verification` (verifyChecksums).
 * - `music.backup.edn` (`path`, `backupFile`; `firstLine` its first line) and `music.datoms.edn` (an
 *   export), made when the example names them; `entry`: the first transaction of the log.
 * - `out`, `stderr`: writable streams that discard what they get; `io`: `{ stdout, stderr }` of them;
 *   `text`: EDN text; `signal`: an abort signal; `err`: a `DatomError('transact/unique')`;
 *   `backfill`, `retry`, `log`: functions that do nothing; `expect`: vitest's.
 *
 * In restore: `schema` (the source's `SourceSchema`), `mapping` (an `IdMapping` of `destConn`),
 * `session` (a replay session of `destConn`), `batch` (datoms), `ctx` (a transform context), `result`
 * (a current-state restore's result) and `report` (a verifyRestore report of a copy). In datom-core:
 * `batch` (a bulk-load batch of one new artist). In testkit: `conn` is a connection to an empty
 * database and `db` a database holding a 10,000-datom sample catalog.
 */
export class World {
  readonly #made = new Map<string, Promise<unknown>>();
  readonly #makers: Record<string, Maker>;
  readonly code: string;

  constructor(pkg: string, code: string, extra: Record<string, Maker> = {}) {
    this.code = code;
    this.#makers = { ...COMMON, ...(BY_PACKAGE[pkg] ?? {}), ...extra };
  }

  readonly #cleanups: (() => Promise<void>)[] = [];

  /** Runs `fn` when the example is done. */
  onClose(fn: () => Promise<void>): void {
    this.#cleanups.push(fn);
  }

  /** Closes what the world left open for the example. */
  async close(): Promise<void> {
    for (const fn of this.#cleanups.splice(0)) await fn();
  }

  /** The names this world has a value for. */
  names(): string[] {
    return Object.keys(this.#makers);
  }

  /** The value of `name`, made once. */
  get<T = unknown>(name: string): Promise<T> {
    let p = this.#made.get(name);
    if (p === undefined) {
      const make = this.#makers[name];
      if (make === undefined) throw new Error(`no preamble name ${name}`);
      p = Promise.resolve(make(this));
      this.#made.set(name, p);
    }
    return p as Promise<T>;
  }
}

let memCount = 0;
/** A connection to a new in-memory database. */
async function memDatabase(prefix: string): Promise<core.Connection> {
  const uri = `mem://${prefix}-${++memCount}`;
  await core.createDatabase(uri);
  return core.connect(uri);
}

const sink = (): PassThrough => Object.assign(new PassThrough().resume(), { isTTY: false });

const COMMON: Record<string, Maker> = {
  conn: async () => {
    await core.deleteDatabase('mem://music').catch(() => undefined);
    await core.createDatabase('mem://music');
    const conn = await core.connect('mem://music');
    await populate(conn);
    return conn;
  },
  files: async (w) => {
    const code = w.code;
    if (code.includes('data/music')) {
      await core.createDatabase('file:./data/music');
      const file = await core.connect('file:./data/music');
      await populate(file);
      await file.close();
    }
    if (code.includes('migrations')) await normsFolder('migrations');
    if (code.includes('backup.edn')) await w.get('backupFile');
    if (code.includes('datoms.edn')) {
      const out = new PassThrough();
      const chunks: Buffer[] = [];
      out.on('data', (c: Buffer) => chunks.push(c));
      await exportDatoms({ source: await w.get('conn'), out });
      for (const file of ['music.datoms.edn', 'datoms.edn']) writeFileSync(file, Buffer.concat(chunks));
    }
    // A writer of ./data/music that stays open, so that its lock file is there.
    if (code.includes('/LOCK')) {
      const writer = await core.connect('file:./data/music');
      w.onClose(() => writer.close());
    }
    return null;
  },
  sourceConn: (w) => w.get('conn'),
  source: (w) => w.get('conn'),
  db: async (w) => (await w.get<core.Connection>('conn')).db(),
  sourceDb: (w) => w.get('db'),
  uri: () => 'mem://music',
  sourceId: async (w) => (await w.get<core.Connection>('conn')).id,
  basisT: async (w) => (await w.get<core.Database>('db')).basisT,
  destConn: () => memDatabase('copy'),
  dest: (w) => w.get('destConn'),
  stateConn: () => memDatabase('state'),
  attrId: async (w) => (await w.get<core.Database>('db')).attribute('artist/name')?.id,
  total: () => 0,
  e: async (w) => (await w.get<core.Database>('db')).entid([core.kw('artist/name'), 'Nina Simone']),
  d: async (w) => (await (await w.get<core.Database>('db')).datoms('eavt', await w.get<number>('e'), 'artist/name').toArray())[0],
  datom: (w) => w.get('d'),
  datoms: async (w) => (await w.get<core.Database>('db')).datoms('eavt').toArray(),
  dir: async () => {
    if (!existsSync('migrations')) await normsFolder('migrations');
    return 'migrations';
  },
  txFns: (w) => w.get('backfill').then((backfill) => ({ 'my.app/backfill': backfill })),
  status: async (w) => normStatus(await w.get('conn'), await w.get('dir')),
  // (ensureNorms below is the one of @datomkit/norm.)
  result: async (w) => ensureNorms(await w.get('conn'), await w.get('dir')),
  pending: async (w) => readNorms(await w.get('dir')),
  verification: async (w) => verifyChecksums(await w.get('dir')),
  backupFile: async (w) => {
    const file = './music.backup.edn';
    if (!existsSync(file)) await backupDb({ source: await w.get('conn'), backupFile: file });
    return file;
  },
  path: async (w) => w.get('backupFile'),
  firstLine: async (w) => readFileSync(await w.get<string>('backupFile'), 'utf8').split('\n')[0],
  entry: async (w) => {
    for await (const entry of (await w.get<core.Connection>('conn')).txRange({ start: 2 })) return entry;
    return null;
  },
  out: () => sink(),
  stderr: () => sink(),
  io: () => ({ stdout: sink(), stderr: sink() }),
  text: () => '[{:db/ident :color/red} {:db/ident :color/green}]',
  signal: () => new AbortController().signal,
  err: () => new core.DatomError('transact/unique', 'Unique conflict', { data: { attribute: ':person/email' } }),
  backfill: () => async () => [],
  retry: () => () => undefined,
  log: () => () => undefined,
  expect: () => expect,
};

/** A copy of the source made by a current-state restore, for the restore package's examples. */
async function restoredCopy(w: World) {
  const copy = await memDatabase('restored');
  const result = await currentStateRestore({ sourceDb: await w.get('db'), destConn: copy });
  return { copy, result };
}

const BY_PACKAGE: Record<string, Record<string, Maker>> = {
  restore: {
    schema: async (w) => SourceSchema.load(await w.get('db')),
    mapping: async (w) => new IdMapping(await w.get('destConn')),
    session: async (w) => openReplaySession(await w.get('destConn'), await w.get('sourceId')),
    batch: (w) => w.get('datoms'),
    ctx: async (w) => {
      const db = await w.get<core.Database>('db');
      return { ident: (a: number) => db.ident(a)?.fqn ?? String(a), t: null };
    },
    result: async (w) => (await restoredCopy(w)).result,
    report: async (w) => {
      const { copy } = await restoredCopy(w);
      return verifyRestore(await w.get('db'), copy.db());
    },
  },
  norm: {
    // The norms of ./migrations applied: the database has the norm markers.
    db: async (w) => {
      const conn = await w.get<core.Connection>('conn');
      await ensureNorms(conn, await w.get('dir'));
      return conn.db();
    },
  },
  'datom-core': {
    // ./data/music as a blob store, and a snapshot of it (store-snapshot's examples).
    store: async () => {
      await core.createDatabase('file:./data/music');
      return new core.FileBlobStore('./data/music');
    },
    source: (w) => w.get('store'),
    snap: async (w) => core.readStoreSnapshot(await w.get('store')),
    batch: async (w) => {
      const name = (await w.get<core.Database>('db')).attribute('artist/name')?.id;
      return { newEntities: 1, e: [-1], a: [name], v: ['Miles Davis'] };
    },
  },
  testkit: {
    conn: () => memDatabase('catalog'),
    db: async () => {
      const conn = await memDatabase('catalog-10k');
      await conn.transact(catalogSchema());
      for (const tx of generateCatalog({ datoms: 10_000 })) await conn.transact(tx);
      return conn.db();
    },
  },
};

async function populate(conn: core.Connection): Promise<void> {
  await conn.transact(`[{:db/ident :artist/name :db/valueType :db.type/string :db/cardinality :db.cardinality/one :db/unique :db.unique/identity}
    {:db/ident :artist/releases :db/valueType :db.type/ref :db/cardinality :db.cardinality/many :db/isComponent true}
    {:db/ident :release/title :db/valueType :db.type/string :db/cardinality :db.cardinality/one}
    {:db/ident :person/name :db/valueType :db.type/string :db/cardinality :db.cardinality/one :db/index true}
    {:db/ident :person/email :db/valueType :db.type/string :db/cardinality :db.cardinality/one :db/unique :db.unique/identity}
    {:db/ident :person/age :db/valueType :db.type/long :db/cardinality :db.cardinality/one :db/index true}
    {:db/ident :person/friends :db/valueType :db.type/ref :db/cardinality :db.cardinality/many}
    {:db/ident :user/email :db/valueType :db.type/string :db/cardinality :db.cardinality/one}
    {:db/ident :user/password :db/valueType :db.type/string :db/cardinality :db.cardinality/one}
    {:db/ident :track/tempo :db/valueType :db.type/double :db/cardinality :db.cardinality/one}]`);
  await conn.transact(`[{:artist/name "Nina Simone" :artist/releases [{:release/title "Pastel Blues"}]}
    {:db/id "bob" :person/name "Bob" :person/email "bob@x" :person/age 25}
    {:person/name "Ann" :person/email "ann@x" :person/age 30 :person/friends ["bob"]}
    {:person/name "Ivan" :person/email "ivan@x" :person/age 17}
    {:user/email "ann@example.com" :user/password "secret"}]`);
}

async function normsFolder(dir: string): Promise<void> {
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, '001-artist-country.edn'), '{:tx-data [{:db/ident :artist/country :db/valueType :db.type/keyword :db/cardinality :db.cardinality/one}]}\n');
  writeFileSync(join(dir, '002-add-occupation.edn'), '{:tx-data [{:db/ident :person/occupation :db/valueType :db.type/string :db/cardinality :db.cardinality/one}]}\n');
  await updateChecksums(dir);
  writeFileSync(join(dir, 'tx-fns.js'), "export const txFns = { 'my.app/noop': async () => [] };\n");
}
