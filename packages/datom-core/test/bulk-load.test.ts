// Connection.bulkLoad (tx/bulk-load.ts): a block of new entities and datoms already resolved to ids,
// committed as one transaction with transact's rules except tempids and upserts.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fc, test } from '@fast-check/vitest';
import { afterAll, describe, expect, it } from 'vitest';
import { type BulkBatch, type Connection, type Database, type Datom, type DatomErrorCode, isDatomError, type TxReport, connect, createDatabase } from '../src/index.js';
import { attr } from './conformance/helpers.js';

const root = mkdtempSync(join(tmpdir(), 'datomkit-bulk-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

const SCHEMA = [
  attr('p/name', 'string'),
  attr('p/code', 'long', { unique: 'value' }),
  attr('p/gid', 'string', { unique: 'identity' }),
  attr('p/tag', 'string', { many: true }),
  attr('p/best', 'ref'),
  attr('p/friend', 'ref', { many: true }),
  attr('p/pair', 'tuple', { tupleTypes: ['ref', 'long'] }),
  attr('p/refs', 'tuple', { tupleType: 'ref' }),
  attr('p/slot', 'long'),
];
const COMPOSITE = attr('p/best+slot', 'tuple', { tupleAttrs: ['p/best', 'p/slot'], unique: 'value' });

let n = 0;
async function fresh(uri = `mem://bulk-${process.pid}-${n++}`): Promise<Connection> {
  await createDatabase(uri);
  const conn = await connect(uri);
  await conn.transact([...SCHEMA]);
  await conn.transact([COMPOSITE]);
  return conn;
}

/** Attribute ids by ident. */
function ids(db: Database): (ident: string) => number {
  return (ident) => {
    const a = db.attribute(ident);
    if (a === null) throw new Error(`no attribute ${ident}`);
    return a.id;
  };
}

/** `[e ident v]` of every user datom of `db`, sorted, with entity ids as given by `name`. */
async function facts(db: Database, name: (e: number) => string = String): Promise<string[]> {
  const out: string[] = [];
  const first = ids(db)('p/name');
  for (const d of await db.datoms('eavt').toArray()) {
    const a = db.attribute(d.a);
    if (d.e < first || a === null || !a.ident.fqn.startsWith('p/')) continue;
    const v = a.valueType === 'ref' ? name(d.v as number) : Array.isArray(d.v) ? JSON.stringify(d.v) : String(d.v);
    out.push(`${name(d.e)} ${a.ident.fqn} ${v}`);
  }
  return out.sort();
}

function batch(newEntities: number, rows: readonly (readonly [number, number, unknown])[]): BulkBatch {
  return { newEntities, e: rows.map((r) => r[0]), a: rows.map((r) => r[1]), v: rows.map((r) => r[2]) };
}

async function load(conn: Connection, b: BulkBatch) {
  return (conn.bulkLoad as NonNullable<Connection['bulkLoad']>).call(conn, b);
}

async function failure(conn: Connection, b: BulkBatch): Promise<unknown> {
  const before = conn.db();
  const err = await load(conn, b).then(
    () => null,
    (e: unknown) => e,
  );
  // A failed batch changes nothing, and the connection goes on committing.
  expect(conn.db().basisT).toBe(before.basisT);
  expect(await facts(conn.db())).toEqual(await facts(before));
  await conn.transact([{ 'p/name': 'after the failure' }]);
  return err;
}

describe('bulkLoad', () => {
  it('numbers the new entities itself and resolves refs to them: forward, self, cycles, inside tuples', async () => {
    const conn = await fresh();
    const a = ids(conn.db());
    const old = (await conn.transact([{ 'db/id': 'o', 'p/name': 'old' }])).tempids.o as number;
    const r = await load(
      conn,
      batch(3, [
        [-1, a('p/name'), 'x'],
        [-1, a('p/best'), -2],
        [-2, a('p/best'), -1],
        [-2, a('p/friend'), -2],
        [-3, a('p/friend'), old],
        [-3, a('p/pair'), [-1, 7]],
        [-3, a('p/refs'), [-2, old, null]],
      ]),
    );
    expect(r.entities).toBe(3);
    const name = (e: number): string => (e === old ? 'old' : e >= r.firstEid && e < r.firstEid + 3 ? `n${e - r.firstEid}` : String(e));
    expect(await facts(conn.db(), name)).toEqual(
      [
        'n0 p/name x',
        'n0 p/best n1',
        'n1 p/best n0',
        // The composite p/best+slot, derived from p/best.
        `n0 p/best+slot ${JSON.stringify([r.firstEid + 1, null])}`,
        `n1 p/best+slot ${JSON.stringify([r.firstEid, null])}`,
        'n1 p/friend n1',
        'n2 p/friend old',
        `n2 p/pair ${JSON.stringify([r.firstEid, 7])}`,
        `n2 p/refs ${JSON.stringify([r.firstEid + 1, old, null])}`,
        'old p/name old',
      ].sort(),
    );
    // The next transaction's new entities come after the block.
    const next = (await conn.transact([{ 'db/id': 'q', 'p/name': 'q' }])).tempids.q as number;
    expect(next).toBeGreaterThan(r.firstEid + 2);
    // One transaction, txInstant first, reported like transact's.
    expect(r.report.txData[0]?.a).toBe(conn.db().attribute('db/txInstant')?.id);
    expect(r.report.txData.length).toBe(1 + 7 + 2);
    expect(r.tx).toBe(r.report.txData[0]?.e);
  });

  it('drops repeated datoms and refuses two values of a cardinality-one attribute for one entity', async () => {
    const conn = await fresh();
    const a = ids(conn.db());
    const r = await load(
      conn,
      batch(1, [
        [-1, a('p/tag'), 't'],
        [-1, a('p/name'), 'x'],
        [-1, a('p/tag'), 't'],
        [-1, a('p/tag'), 'u'],
      ]),
    );
    expect(r.report.txData.length).toBe(1 + 3);
    const err = await failure(conn, batch(1, [[-1, a('p/name'), 'x'], [-1, a('p/name'), 'y']]));
    expect(isDatomError(err, 'transact/conflict')).toBe(true);
    expect((err as { data: { datoms: unknown[] } }).data.datoms).toHaveLength(2);
    // The conflict names the first datom of each value, by its place in the batch (a repeat is not named).
    const other = await failure(conn, batch(2, [[-1, a('p/name'), 'y'], [-2, a('p/name'), 'z'], [-1, a('p/name'), 'x'], [-1, a('p/name'), 'y'], [-1, a('p/name'), 'x']]));
    expect((other as Error).message).toContain('(datoms 2 and 0)');
    expect((other as { data: { datoms: { index: number }[] } }).data.datoms.map((d) => d.index)).toEqual([2, 0]);
  });

  it('on existing entities: datoms already held vanish, a new cardinality-one value retracts the old one', async () => {
    const conn = await fresh();
    const a = ids(conn.db());
    const e = (await conn.transact([{ 'db/id': 'o', 'p/name': 'old', 'p/tag': ['t'] }])).tempids.o as number;
    const r = await load(
      conn,
      batch(0, [
        [e, a('p/name'), 'new'],
        [e, a('p/tag'), 't'],
        [e, a('p/tag'), 'u'],
      ]),
    );
    const changes = r.report.txData.slice(1).map((d: Datom) => `${d.a === a('p/name') ? 'name' : 'tag'} ${String(d.v)} ${d.added}`);
    expect(changes.sort()).toEqual(['name new true', 'name old false', 'tag u true']);
    expect(await facts(conn.db())).toEqual([`${e} p/name new`, `${e} p/tag t`, `${e} p/tag u`]);
  });

  it('derives composite tuples from their parts, on new and on existing entities', async () => {
    const conn = await fresh();
    const a = ids(conn.db());
    const tupleOf = async (e: number) => (await conn.db().datoms('eavt', e, 'p/best+slot').toArray()).map((d) => d.v);
    const old = (await conn.transact([{ 'db/id': 'o', 'p/slot': 1 }])).tempids.o as number;
    const r = await load(
      conn,
      batch(2, [
        [-1, a('p/best'), old],
        [-1, a('p/slot'), 2],
        [-2, a('p/slot'), 5],
        [old, a('p/best'), -1],
      ]),
    );
    expect(await tupleOf(r.firstEid)).toEqual([[old, 2]]);
    expect(await tupleOf(r.firstEid + 1)).toEqual([[null, 5]]);
    expect(await tupleOf(old)).toEqual([[r.firstEid, 1]]);
    // Changing a part of an existing entity replaces its tuple.
    await load(conn, batch(0, [[old, a('p/slot'), 9]]));
    expect(await tupleOf(old)).toEqual([[r.firstEid, 9]]);
    // A derived tuple is unique like any other value.
    const err = await failure(conn, batch(1, [[-1, a('p/best'), r.firstEid], [-1, a('p/slot'), 9]]));
    expect(isDatomError(err, 'transact/unique')).toBe(true);
    const err2 = await failure(conn, batch(1, [[-1, a('p/best+slot'), [old, 3]]]));
    expect(isDatomError(err2, 'transact/syntax')).toBe(true);
  });

  it('keeps its assertions in EAVT order when it derives a composite tuple of an entity with attributes installed after the tuple', async () => {
    const conn = await fresh();
    await conn.transact([attr('p/late', 'long')]);
    const a = ids(conn.db());
    expect(a('p/late')).toBeGreaterThan(a('p/best+slot'));
    const r = await load(
      conn,
      batch(2, [
        [-1, a('p/best'), -2],
        [-1, a('p/slot'), 1],
        [-1, a('p/late'), 7],
        [-2, a('p/slot'), 2],
        [-2, a('p/late'), 8],
      ]),
    );
    // The transaction's datoms after its txInstant: each entity's tuple among its other attributes,
    // by attribute id, as the rows of a transaction in [e a v] order are.
    const data = r.report.txData.slice(1).map((d) => [d.e, d.a] as const);
    const e0 = r.firstEid;
    const e1 = r.firstEid + 1;
    expect(data).toEqual([
      [e0, a('p/best')],
      [e0, a('p/slot')],
      [e0, a('p/best+slot')],
      [e0, a('p/late')],
      [e1, a('p/slot')],
      [e1, a('p/best+slot')],
      [e1, a('p/late')],
    ]);
    expect((await conn.db().datoms('eavt', e0, 'p/best+slot').toArray()).map((d) => d.v)).toEqual([[e1, 1]]);
    expect((await conn.db().datoms('avet', 'p/best+slot').toArray()).map((d) => d.e)).toEqual([e1, e0]);
  });

  it('keeps unique values unique, in the batch and against the database, and never upserts', async () => {
    const conn = await fresh();
    const a = ids(conn.db());
    const held = (await conn.transact([{ 'db/id': 'h', 'p/code': 1, 'p/gid': 'g1' }])).tempids.h as number;
    const inBatch = await failure(conn, batch(2, [[-1, a('p/code'), 7], [-2, a('p/code'), 7]]));
    expect(isDatomError(inBatch, 'transact/unique')).toBe(true);
    const value = await failure(conn, batch(1, [[-1, a('p/code'), 1]]));
    expect(isDatomError(value, 'transact/unique')).toBe(true);
    expect((value as { data: Record<string, unknown> }).data).toMatchObject({ attribute: ':p/code', holder: held });
    // transact would upsert into the holder of an identity; a bulk load refuses it.
    const identity = await failure(conn, batch(1, [[-1, a('p/gid'), 'g1']]));
    expect(isDatomError(identity, 'transact/unique')).toBe(true);
    // Values before, between and after the held ones are free; one equal to a held value is not.
    await conn.transact([{ 'p/code': 10 }, { 'p/code': 20 }, { 'p/code': 30 }]);
    const codes = (xs: number[]) => batch(xs.length, xs.map((x, k) => [-k - 1, a('p/code'), x] as const));
    await load(conn, codes([35, 5, 15, 25, 12, 40]));
    for (const taken of [20, 30, 40, 5]) {
      const err = await failure(conn, codes([3, 11, taken, 33, 50]));
      expect((err as { data: Record<string, unknown> }).data).toMatchObject({ attribute: ':p/code', value: String(taken) });
    }
    // Past long runs of held values too.
    await conn.transact(Array.from({ length: 100 }, (_, k) => ({ 'p/code': 100 + k })));
    await load(conn, codes([50, 99, 200, 300]));
    for (const taken of [101, 150, 199]) {
      const err = await failure(conn, codes([60, 98, taken, 301]));
      expect((err as { data: Record<string, unknown> }).data).toMatchObject({ attribute: ':p/code', value: String(taken) });
    }
    // A value that the same batch takes away from its holder is free.
    const r = await load(conn, batch(1, [[held, a('p/code'), 2], [-1, a('p/code'), 1]]));
    expect((await conn.db().datoms('avet', 'p/code', 1).toArray()).map((d) => d.e)).toEqual([r.firstEid]);
  });

  it('checks every datom, naming the bad one, and changes nothing when one is bad', async () => {
    const conn = await fresh();
    const a = ids(conn.db());
    const cases: [BulkBatch, DatomErrorCode, Record<string, unknown>][] = [
      [batch(1, [[-1, a('p/name'), 'x'], [-1, 99_999, 'y']]), 'schema/unknown-attribute', { index: 1 }],
      [batch(1, [[-1, conn.db().attribute('db/doc')?.id as number, 'doc']]), 'transact/syntax', { attribute: ':db/doc' }],
      [batch(1, [[-1, a('p/name'), 42]]), 'transact/type', { index: 0, attribute: ':p/name' }],
      [batch(1, [[-1, a('p/name'), null]]), 'transact/type', { index: 0 }],
      [batch(1, [[-1, a('p/pair'), [-1, 'x']]]), 'transact/type', { index: 0 }],
      [batch(1, [[-2, a('p/name'), 'x']]), 'transact/entity', { index: 0 }],
      [batch(1, [[-1, a('p/best'), 10_000_000]]), 'transact/entity', { index: 0 }],
      [batch(1, [[-1, a('p/refs'), [-3]]]), 'transact/entity', { index: 0 }],
      [batch(2, [[-1, a('p/name'), 'x']]), 'transact/entity', { entity: -2 }],
      [{ newEntities: 1, e: [-1], a: [a('p/name')], v: [] }, 'transact/syntax', { v: 0 }],
      [batch(-1, []), 'transact/syntax', {}],
    ];
    for (const [b, code, data] of cases) {
      const err = await failure(conn, b);
      expect(isDatomError(err, code), `${code}: ${String(err)}`).toBe(true);
      expect((err as { data: Record<string, unknown> }).data).toMatchObject(data);
    }
  });

  it('is durable as transact is, and tells the listeners', async () => {
    const uri = `file:${join(root, 'durable')}`;
    const conn = await fresh(uri);
    const a = ids(conn.db());
    const heard: TxReport[] = [];
    conn.listen((r) => heard.push(r));
    const r = await load(conn, batch(2, [[-1, a('p/name'), 'x'], [-2, a('p/best'), -1]]));
    expect(heard).toHaveLength(1);
    // txInstant, the two datoms, and the composite p/best+slot derived from p/best.
    expect(heard[0]?.txData.length).toBe(4);
    const before = await facts(conn.db());
    await conn.close();
    const again = await connect(uri);
    expect(await facts(again.db())).toEqual(before);
    expect(before).toContain(`${r.firstEid + 1} p/best ${r.firstEid}`);
    await again.close();
  });
});

// A random batch over a few existing and new entities, loaded with bulkLoad and, as tempids, with
// transact into an equal database (tuples refer to existing entities only: transact takes no tempids
// in tuples): the same outcome (both fail with the same code, or both end
// with the same datoms once the new entities are named alike).
const ATTRS = ['p/name', 'p/code', 'p/tag', 'p/best', 'p/friend', 'p/slot', 'p/pair'] as const;
const rowArb = fc.record({ e: fc.integer({ min: -4, max: 2 }), attr: fc.constantFrom(...ATTRS), x: fc.integer({ min: -4, max: 3 }) });

/** Three existing entities, made alike in each of `conns` (so they have the same ids): their ids. */
async function threeExisting(conns: readonly Connection[]): Promise<number[]> {
  let existing: number[] = [];
  for (const conn of conns) {
    const r = await conn.transact([
      { 'db/id': 'x0', 'p/name': 'e0', 'p/code': 0, 'p/slot': 0 },
      { 'db/id': 'x1', 'p/name': 'e1', 'p/best': 'x0', 'p/tag': ['t1'] },
      { 'db/id': 'x2', 'p/code': 2 },
    ]);
    const made = [r.tempids.x0 as number, r.tempids.x1 as number, r.tempids.x2 as number];
    if (existing.length > 0) expect(made).toEqual(existing);
    existing = made;
  }
  return existing;
}

/**
 * The rows of a random batch: a name for each of its `count` new entities (-1..-count), then the
 * `raw` rows, whose entities and refs are new ones or (out of that range) one of `existing`.
 */
function batchRows(count: number, raw: readonly { e: number; attr: string; x: number }[], existing: readonly number[]): [number, string, unknown][] {
  const entity = (i: number): number => (i < 0 && -i <= count ? i : (existing[Math.abs(i) % 3] as number));
  const rows: [number, string, unknown][] = [];
  for (let k = 1; k <= count; k++) rows.push([-k, 'p/name', `n${k}`]);
  for (const { e, attr: at, x } of raw) {
    const v = at === 'p/best' || at === 'p/friend' ? entity(x) : at === 'p/pair' ? [existing[Math.abs(x) % 3], x + 10] : at === 'p/name' || at === 'p/tag' ? `v${x}` : x;
    rows.push([entity(e), at, v]);
  }
  return rows;
}

describe('bulkLoad against transact', () => {
  test.prop([fc.integer({ min: 0, max: 4 }), fc.array(rowArb, { maxLength: 14 })], { numRuns: 150, seed: 6 })(
    'gives the same datoms as the equivalent transact, up to entity ids',
    async (count, raw) => {
      const [bulkConn, txConn] = [await fresh(), await fresh()];
      const rows = batchRows(count, raw, await threeExisting([bulkConn, txConn]));
      const a = ids(bulkConn.db());
      const bulk = await load(bulkConn, batch(count, rows.map(([e, at, v]) => [e, a(at), v] as const))).then(
        (r) => r,
        (err: unknown) => err as Error,
      );
      const tempid = (x: unknown): unknown => (typeof x === 'number' && x < 0 ? `n${-x}` : x);
      const forms = rows.map(([e, at, v]) => ['db/add', tempid(e), at, at === 'p/best' || at === 'p/friend' ? tempid(v) : v]);
      const tx = await txConn.transact(forms as never).then(
        (r) => r,
        (err: unknown) => err as Error,
      );
      if (bulk instanceof Error || tx instanceof Error) {
        expect(bulk instanceof Error && tx instanceof Error, `bulk: ${String(bulk)}; transact: ${String(tx)}`).toBe(true);
        expect((bulk as { code?: string }).code).toBe((tx as { code?: string }).code);
        return;
      }
      const bulkName = (e: number): string => (e >= bulk.firstEid && e < bulk.firstEid + count ? `n${e - bulk.firstEid + 1}` : String(e));
      const byTx = new Map<number, string>();
      for (let k = 1; k <= count; k++) byTx.set(tx.tempids[`n${k}`] as number, `n${k}`);
      const txName = (e: number): string => byTx.get(e) ?? String(e);
      const pair = (db: Database, name: (e: number) => string) =>
        facts(db, name).then((fs) => fs.map((f) => f.replace(/\[(\d+),/g, (_m, e: string) => `[${name(Number(e))},`)));
      // The composite tuples p/best+slot are among the facts, so they are derived alike.
      expect(await pair(bulkConn.db(), bulkName)).toEqual(await pair(txConn.db(), txName));
    },
  );
});

describe('bulkLoad of a batch in order', () => {
  test.prop([fc.integer({ min: 0, max: 4 }), fc.array(rowArb, { maxLength: 14 }), fc.array(fc.nat(), { minLength: 14, maxLength: 14 })], { numRuns: 150, seed: 7 })(
    'a batch in [e a v] order (as a restore sends it) gives what it gives in any other order: datoms, log and errors',
    async (count, raw, shuffle) => {
      const [sortedConn, shuffledConn] = [await fresh(), await fresh()];
      const existing = await threeExisting([sortedConn, shuffledConn]);
      const a = ids(sortedConn.db());
      const rows = batchRows(count, raw, existing).map(([e, at, v]) => [e, a(at), v] as [number, number, unknown]);
      // The order the database sorts by: new entity k after every existing one, then attribute, then value.
      const id = (x: number): number => (x < 0 ? 1e12 - x : x);
      const value = (v: unknown, at: number): number | string => (at === a('p/best') || at === a('p/friend') ? id(v as number) : Array.isArray(v) ? `${id(v[0])} ${1e6 + v[1]}` : (v as number | string));
      const byKey = (p: [number, number, unknown], q: [number, number, unknown]): number => {
        if (id(p[0]) !== id(q[0])) return id(p[0]) - id(q[0]);
        if (p[1] !== q[1]) return p[1] - q[1];
        const [x, y] = [value(p[2], p[1]), value(q[2], q[1])];
        return x < y ? -1 : x > y ? 1 : 0;
      };
      const sorted = [...rows].sort(byKey);
      const shuffled = rows.map((r, i) => [shuffle[i % 14]! * 100 + i, r] as const).sort((p, q) => p[0] - q[0]).map(([, r]) => r);
      const t0 = sortedConn.db().basisT;
      const [x, y] = [await load(sortedConn, batch(count, sorted)).catch((e: unknown) => e as Error), await load(shuffledConn, batch(count, shuffled)).catch((e: unknown) => e as Error)];
      if (x instanceof Error || y instanceof Error) {
        expect(x instanceof Error && y instanceof Error, `in order: ${String(x)}; shuffled: ${String(y)}`).toBe(true);
        expect((x as { code?: string }).code).toBe((y as { code?: string }).code);
        return;
      }
      expect(await facts(sortedConn.db())).toEqual(await facts(shuffledConn.db()));
      expect(await logLines(sortedConn, t0)).toEqual(await logLines(shuffledConn, t0));
    },
  );
});

async function loadAll(conn: Connection, bs: readonly BulkBatch[]) {
  return (conn.bulkLoadAll as NonNullable<Connection['bulkLoadAll']>).call(conn, bs);
}

/** Every datom of the log after `t`, one line each, with its t. */
async function logLines(conn: Connection, t: number): Promise<string[]> {
  const out: string[] = [];
  for await (const entry of conn.txRange({ start: t + 1 })) for (const d of entry.data) if (d.e !== entry.tx) out.push(`${entry.t} ${d.e} ${d.a} ${String(d.v)} ${d.added}`);
  return out;
}

/**
 * Loads `batches` with one bulkLoadAll into `allConn` and holds it to what loading them one at a
 * time into `oneConn` (from t0) gave: the same code where that refused one (and nothing changed),
 * else the same datoms and log.
 */
async function expectAllAsOne(allConn: Connection, batches: readonly BulkBatch[], oneConn: Connection, oneErr: unknown, t0: number): Promise<void> {
  const allErr = await loadAll(allConn, batches).then(
    () => null,
    (err: unknown) => err,
  );
  if (oneErr !== null) {
    expect((allErr as { code?: string } | null)?.code).toBe((oneErr as { code: string }).code);
    expect(allConn.db().basisT).toBe(t0);
    return;
  }
  expect(allErr).toBeNull();
  expect(await facts(allConn.db())).toEqual(await facts(oneConn.db()));
  expect(await logLines(allConn, t0)).toEqual(await logLines(oneConn, t0));
}

describe('bulkLoadAll', () => {
  it('commits each batch as its own transaction, in order, with one write to the log', async () => {
    const uri = `file:${join(root, 'all')}`;
    const conn = await fresh(uri);
    const a = ids(conn.db());
    const heard: TxReport[] = [];
    conn.listen((r) => heard.push(r));
    const t0 = conn.db().basisT;
    const [first, second, third] = await loadAll(conn, [
      batch(2, [[-1, a('p/name'), 'x'], [-2, a('p/code'), 1]]),
      batch(1, [[-1, a('p/name'), 'y']]),
      batch(0, []),
    ]);
    expect(first?.entities).toBe(2);
    expect(second?.firstEid).toBeGreaterThan((first?.firstEid ?? 0) + 1);
    expect(third?.report.txData).toHaveLength(1);
    // Three transactions, t after t, each told to the listeners and in the log.
    expect(heard.map((r) => r.dbAfter.basisT)).toEqual([t0 + 1, t0 + 2, t0 + 3]);
    expect(conn.db().basisT).toBe(t0 + 3);
    const log = await logLines(conn, t0);
    expect(log).toHaveLength(3);
    // A card-one value changed by a later batch of the same call retracts the value of an earlier one.
    const [changed] = await loadAll(conn, [batch(0, [[first?.firstEid as number, a('p/name'), 'x2']]), batch(0, [[first?.firstEid as number, a('p/name'), 'x3']])]);
    expect(changed?.report.txData.slice(1).map((d) => `${String(d.v)} ${d.added}`).sort()).toEqual(['x false', 'x2 true']);
    expect((await logLines(conn, t0 + 3)).sort()).toEqual(
      [
        `${t0 + 4} ${first?.firstEid} ${a('p/name')} x false`,
        `${t0 + 4} ${first?.firstEid} ${a('p/name')} x2 true`,
        `${t0 + 5} ${first?.firstEid} ${a('p/name')} x2 false`,
        `${t0 + 5} ${first?.firstEid} ${a('p/name')} x3 true`,
      ].sort(),
    );
    const before = await facts(conn.db());
    await conn.close();
    // Durable: all of them are there after reopening.
    const again = await connect(uri);
    expect(again.db().basisT).toBe(t0 + 5);
    expect(await facts(again.db())).toEqual(before);
    await again.close();
  });

  it('commits none when one batch is refused, and the connection goes on', async () => {
    for (const uri of [undefined, `file:${join(root, 'all-refused')}`]) {
      const conn = await fresh(uri);
      const a = ids(conn.db());
      const e = (await conn.transact([{ 'db/id': 'o', 'p/name': 'old', 'p/code': 1 }])).tempids.o as number;
      const before = conn.db();
      const heard: TxReport[] = [];
      conn.listen((r) => heard.push(r));
      const err = await loadAll(conn, [batch(1, [[-1, a('p/name'), 'n']]), batch(0, [[e, a('p/name'), 'changed']]), batch(1, [[-1, a('p/code'), 1]])]).then(
        () => null,
        (x: unknown) => x,
      );
      expect(isDatomError(err, 'transact/unique')).toBe(true);
      expect(heard).toHaveLength(0);
      expect(conn.db().basisT).toBe(before.basisT);
      expect(await facts(conn.db())).toEqual(await facts(before));
      // The live indexes went back too: reads by value and by entity agree with the value before.
      expect((await conn.db().datoms('avet', 'p/name', 'changed').toArray()).length).toBe(0);
      expect((await conn.db().datoms('eavt', e, 'p/name').toArray()).map((d) => d.v)).toEqual(['old']);
      const [r] = await loadAll(conn, [batch(0, [[e, a('p/name'), 'changed']])]);
      expect(r?.report.dbAfter.basisT).toBe(before.basisT + 1);
      expect(await logLines(conn, before.basisT)).toHaveLength(2);
      await conn.close();
    }
  });
});

// Random sequences of batches over a few existing entities: bulkLoadAll ends where bulkLoad, batch
// after batch, ends (the same datoms and the same log), or refuses with the code bulkLoad gives for
// the first batch it refuses, and then changes nothing.
const changeArb = fc.array(fc.array(fc.record({ e: fc.integer({ min: 0, max: 2 }), attr: fc.constantFrom('p/name', 'p/code', 'p/tag', 'p/slot'), x: fc.integer({ min: 0, max: 3 }) }), { maxLength: 4 }), {
  minLength: 1,
  maxLength: 5,
});

describe('bulkLoadAll against bulkLoad', () => {
  test.prop([changeArb, fc.boolean()], { numRuns: 120, seed: 9 })('gives the same database and log as loading the batches one at a time', async (changes, withNew) => {
    const [allConn, oneConn] = [await fresh(), await fresh()];
    const existing: number[] = [];
    for (const conn of [allConn, oneConn]) {
      const r = await conn.transact([
        { 'db/id': 'x0', 'p/name': 'e0', 'p/code': 0 },
        { 'db/id': 'x1', 'p/name': 'e1', 'p/tag': ['t1'] },
        { 'db/id': 'x2', 'p/code': 2 },
      ]);
      existing.splice(0, 3, r.tempids.x0 as number, r.tempids.x1 as number, r.tempids.x2 as number);
    }
    const a = ids(allConn.db());
    const batches = changes.map((rows, i) =>
      batch(
        withNew ? 1 : 0,
        (withNew ? [[-1, a('p/name'), `new${i}`] as [number, number, unknown]] : []).concat(
          rows.map(({ e, attr: at, x }): [number, number, unknown] => [existing[e] as number, a(at), at === 'p/code' || at === 'p/slot' ? x : `v${x}`]),
        ),
      ),
    );
    const t0 = oneConn.db().basisT;
    let oneErr: unknown = null;
    for (const b of batches) {
      const ok = await load(oneConn, b).then(
        () => true,
        (err: unknown) => {
          oneErr = err;
          return false;
        },
      );
      if (!ok) break;
    }
    await expectAllAsOne(allConn, batches, oneConn, oneErr, t0);
  });
});

// Batches that name the new entities of earlier batches of their call (earlierEntities): the call
// ends where loading the batches one at a time ends, each naming those entities by the ids the
// loads before it returned.
const namingArb = fc.array(
  fc.record({
    fresh: fc.integer({ min: 0, max: 2 }),
    rows: fc.array(fc.record({ e: fc.nat(20), attr: fc.constantFrom('p/name', 'p/best', 'p/friend', 'p/refs', 'p/pair'), x: fc.nat(20) }), { maxLength: 4 }),
  }),
  { minLength: 1, maxLength: 5 },
);

describe('bulkLoadAll with earlierEntities', () => {
  test.prop([namingArb], { numRuns: 120, seed: 31 })('gives the database and log that loading the batches one at a time gives', async (plan) => {
    const [allConn, oneConn] = [await fresh(), await fresh()];
    const a = ids(allConn.db());
    // Entity positions as [batch, k] (a new entity of that batch) or an existing entity.
    const existing = (await oneConn.transact([{ 'db/id': 'x', 'p/name': 'x' }])).tempids.x as number;
    expect((await allConn.transact([{ 'db/id': 'x', 'p/name': 'x' }])).tempids.x).toBe(existing);
    const made: number[] = []; // new entities per batch so far
    const specs = plan.map(({ fresh: count, rows }, i) => {
      const before = made.reduce((s, x) => s + x, 0);
      made.push(count);
      // Each new entity needs a datom; then the rows, each naming an entity of this or an earlier batch.
      const own: [number, string, number | string][] = Array.from({ length: count }, (_, k) => [before + k, 'p/name', `n${i}.${k}`]);
      const total = before + count;
      const pick = (x: number): number => (total === 0 ? -1 : x % (total + 1)) - 1; // -1: the existing entity
      const more = rows.map(({ e, attr: at, x }): [number, string, number | string] => [pick(e), at, at === 'p/name' ? `v${x}` : pick(x)]);
      return { before, count, rows: own.concat(more) };
    });
    const encode = (g: number, before: number, count: number): number => (g < 0 ? existing : g >= before ? -(g - before + 1) : -(count + (g + 1)));
    const value = (at: string, x: number | string, enc: (g: number) => number): unknown =>
      at === 'p/name' ? x : at === 'p/refs' ? [enc(x as number)] : at === 'p/pair' ? [enc(x as number), 7] : enc(x as number);
    const batches = specs.map(({ before, count, rows }) => {
      const enc = (g: number) => encode(g, before, count);
      return { ...batch(count, rows.map(([e, at, x]) => [enc(e), a(at), value(at, x, enc)] as const)), earlierEntities: before };
    });
    const t0 = oneConn.db().basisT;
    const firsts: number[] = [];
    let oneErr: unknown = null;
    for (const [i, { before, count, rows }] of specs.entries()) {
      const id = (g: number): number => {
        if (g < 0) return existing;
        if (g >= before) return -(g - before + 1);
        let j = 0;
        let start = 0;
        while (start + (made[j] as number) <= g) start += made[j++] as number;
        return (firsts[j] as number) + g - start;
      };
      const r = await load(oneConn, batch(count, rows.map(([e, at, x]) => [id(e), a(at), value(at, x, id)] as const))).catch((err: unknown) => err);
      if (r instanceof Error) {
        oneErr = r;
        break;
      }
      firsts[i] = (r as { firstEid: number }).firstEid;
    }
    await expectAllAsOne(allConn, batches, oneConn, oneErr, t0);
  });

  it('refuses earlierEntities past the new entities of the batches before, and in bulkLoad', async () => {
    const conn = await fresh();
    const a = ids(conn.db());
    const refused = async (p: Promise<unknown>, code: DatomErrorCode) => expect(isDatomError(await p.then(() => null, (err: unknown) => err), code)).toBe(true);
    await refused(load(conn, { ...batch(1, [[-1, a('p/name'), 'x']]), earlierEntities: 1 }), 'transact/syntax');
    await refused(loadAll(conn, [batch(1, [[-1, a('p/name'), 'x']]), { ...batch(0, [[-1, a('p/name'), 'y']]), earlierEntities: 2 }]), 'transact/syntax');
    // Within the count, but past it: -2 is neither the batch's own new entity nor an earlier one.
    await refused(loadAll(conn, [batch(1, [[-1, a('p/name'), 'x']]), { ...batch(1, [[-1, a('p/best'), -3]]), earlierEntities: 1 }]), 'transact/entity');
    const t = conn.db().basisT;
    const [first, second] = await loadAll(conn, [batch(2, [[-1, a('p/name'), 'x'], [-2, a('p/name'), 'y']]), { ...batch(1, [[-1, a('p/best'), -2]]), earlierEntities: 1 }]);
    expect(conn.db().basisT).toBe(t + 2);
    // -2 of the second batch: entity 0 of the block of the last one entity before it, the first batch's second.
    const best = await conn.db().datoms('eavt', second?.firstEid as number, 'p/best').toArray();
    expect(best.map((d) => d.v)).toEqual([(first?.firstEid as number) + 1]);
  });
});
