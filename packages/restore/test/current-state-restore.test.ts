import { type Connection, type Datom, isDatomError, kw } from '@datomkit/datom-core';
import { catalogStats } from '@datomkit/testkit';
import { afterAll, describe, expect, it } from 'vitest';
import { type RestoreProgress, currentStateRestore, verifyRestore } from '../src/index.js';
import { hardCases } from './fixtures.js';
import { catalogConn, dropAll, duplicatesOf, freshConn } from './helpers.js';

afterAll(dropAll);

/** The source entity's value of `key` and the destination entity's, for every ref datom of `attr`. */
async function refTargetsAgree(src: Connection, dest: Connection, attr: string, key: string): Promise<void> {
  const keyOf = async (conn: Connection, e: number) => (await conn.db().datoms('eavt', e, key).toArray())[0]?.v;
  const srcRefs = await src.db().datoms('aevt', attr).toArray();
  const destRefs = await dest.db().datoms('aevt', attr).toArray();
  expect(destRefs.length).toBe(srcRefs.length);
  const pairs = async (conn: Connection, ds: Datom[]) =>
    (await Promise.all(ds.map(async (d) => `${String(await keyOf(conn, d.e))}->${String(await keyOf(conn, d.v as number))}`))).sort();
  expect(await pairs(dest, destRefs)).toEqual(await pairs(src, srcRefs));
}

describe('currentStateRestore on the sample catalog', () => {
  it('copies it at the defaults: verifyRestore finds no difference, refs land on the same natural keys', async () => {
    const src = await catalogConn(12_000);
    const dest = await freshConn();
    const result = await currentStateRestore({ sourceDb: src.db(), destConn: dest });
    expect(result.basisT).toBe(src.db().basisT);
    const report = await verifyRestore(src.db(), dest.db());
    expect(report.differences).toEqual([]);
    expect(report.equal).toBe(true);
    const stats = catalogStats(12_000, { batchEntities: 200 });
    expect(await dest.db().datoms('aevt', 'track/medium+position').count()).toBe(stats.tracks);
    for (const gid of ['artist/gid', 'release/gid', 'track/gid', 'label/gid']) expect(await duplicatesOf(dest, gid)).toBe(0);
    await refTargetsAgree(src, dest, 'release/artists', 'artist/gid');
    await refTargetsAgree(src, dest, 'credit/track', 'track/gid');
    await refTargetsAgree(src, dest, 'artist/influencedBy', 'artist/gid');
    expect(result.unmappable).toMatchObject({ danglingRefs: 0, txEntityRefs: 0, txEntityDatoms: 0 });
  });

  it('copies it at batch size 1 with parallel readers and writers, splitting entities across batches', async () => {
    const src = await catalogConn(2_500, 3, 50);
    const dest = await freshConn();
    const result = await currentStateRestore({ sourceDb: src.db(), destConn: dest, maxBatchSize: 1, readParallelism: 3, readChunk: 40, txParallelism: 3 });
    expect(result.stats.transactions).toBeGreaterThan(2_000);
    expect((await verifyRestore(src.db(), dest.db())).equal).toBe(true);
    for (const gid of ['artist/gid', 'release/gid', 'track/gid']) expect(await duplicatesOf(dest, gid)).toBe(0);
    await refTargetsAgree(src, dest, 'credit/artist', 'artist/gid');
  });
});

describe('refs', () => {
  for (const [label, opts] of [
    ['defaults', {}],
    ['batch size 1, parallel', { maxBatchSize: 1, readParallelism: 4, readChunk: 2, txParallelism: 4 }],
  ] as const) {
    it(`keeps forward refs, self refs, cycles of ref-only entities and refs in tuples (${label})`, async () => {
      const src = await freshConn();
      const ids = await hardCases(src);
      const dest = await freshConn();
      const { mapping } = await currentStateRestore({ sourceDb: src.db(), destConn: dest, ...opts });
      expect((await verifyRestore(src.db(), dest.db())).differences).toEqual([]);
      const m = (t: string) => mapping.get(ids[t] as number) as number;
      const one = async (e: number, a: string) => (await dest.db().datoms('eavt', e, a).toArray())[0]?.v;
      expect(await one(m('x1'), 'node/next')).toBe(m('x2'));
      expect(await one(m('x2'), 'node/next')).toBe(m('x1'));
      expect(await one(m('y3'), 'node/next')).toBe(m('y1'));
      expect(await one(m('z'), 'node/next')).toBe(m('z'));
      expect(await one(m('a'), 'node/pair')).toEqual([m('x1'), 'first', null]);
      expect(await one(m('b'), 'node/pair')).toEqual([null, 'second', m('y2')]);
      expect(await one(m('c'), 'node/refs')).toEqual([m('a'), m('z'), m('y3')]);
      expect(await one(m('a'), 'node/owner+slot')).toEqual([m('b'), 1]);
      expect(await one(m('b'), 'node/owner+slot')).toEqual([null, 7]);
      expect((await dest.db().pull('[:node/name {:node/kind [:db/ident]}]', [kw('node/name'), 'a']))?.['node/kind']).toEqual({ 'db/ident': kw('kind/a') });
    });
  }
});

describe('writing', () => {
  /** `conn` seen through a proxy that hides `bulkLoad` (as a connection without it would be) or counts its calls. */
  function withBulk(conn: Connection, bulk: 'hidden' | { calls: number }): Connection {
    return new Proxy(conn, {
      get(target, prop) {
        const v = Reflect.get(target, prop, target);
        if (prop !== 'bulkLoad') return typeof v === 'function' ? v.bind(target) : v;
        if (bulk === 'hidden') return undefined;
        return (batch: never) => {
          bulk.calls++;
          return v.call(target, batch);
        };
      },
    });
  }

  it('copies through bulkLoad, through transact when the destination has none, and a batch with a db/doc on a data entity through transact', async () => {
    const src = await freshConn();
    await hardCases(src);
    const tx = (await src.transact([{ 'node/name': 'earlier' }])).tempids['datomic.tx'] as number;
    // A ref to a transaction entity in the same batch: reported once, whichever way the batch is written.
    await src.transact([{ 'node/name': 'documented', 'db/doc': 'a data entity with a doc', 'node/next': tx }]);
    const counted = { calls: 0 };
    for (const [dest, opts] of [
      [withBulk(await freshConn(), counted), {}],
      [withBulk(await freshConn(), 'hidden'), {}],
      [withBulk(await freshConn(), 'hidden'), { maxBatchSize: 2, txParallelism: 3 }],
    ] as const) {
      const { unmappable } = await currentStateRestore({ sourceDb: src.db(), destConn: dest, ...opts });
      expect(unmappable.txEntityRefs).toBe(1);
      expect((await verifyRestore(src.db(), dest.db())).differences).toEqual([]);
      const doc = await dest.db().pull('[:db/doc]', [kw('node/name'), 'documented']);
      expect(doc?.['db/doc']).toBe('a data entity with a doc');
    }
    // The datoms fit in one batch, which holds the db/doc: transact wrote it.
    expect(counted.calls).toBe(0);
    const dest = withBulk(await freshConn(), counted);
    await currentStateRestore({ sourceDb: src.db(), destConn: dest, maxBatchSize: 5 });
    expect((await verifyRestore(src.db(), dest.db())).differences).toEqual([]);
    expect(counted.calls).toBeGreaterThan(3);
  });
});

describe('unmappable refs', () => {
  async function awkwardSource(): Promise<{ src: Connection; gone: number; tx: number }> {
    const src = await freshConn();
    await src.transact([
      { 'db/ident': kw('doc/name'), 'db/valueType': kw('db.type/string'), 'db/cardinality': kw('db.cardinality/one') },
      { 'db/ident': kw('doc/ref'), 'db/valueType': kw('db.type/ref'), 'db/cardinality': kw('db.cardinality/many') },
      { 'db/ident': kw('audit/user'), 'db/valueType': kw('db.type/string'), 'db/cardinality': kw('db.cardinality/one') },
    ]);
    const r = await src.transact([{ 'db/id': 'gone', 'doc/name': 'soon gone' }, ['db/add', 'datomic.tx', 'audit/user', 'ann']]);
    const gone = r.tempids.gone as number;
    const tx = r.tempids['datomic.tx'] as number;
    await src.transact([['db/retractEntity', gone]]);
    await src.transact([{ 'db/id': 'd', 'doc/name': 'holder', 'doc/ref': [gone, tx] }]);
    return { src, gone, tx };
  }

  it("keeps them with placeholders by default and reports each one", async () => {
    const { src, gone, tx } = await awkwardSource();
    const dest = await freshConn();
    const seen: string[] = [];
    const r = await currentStateRestore({ sourceDb: src.db(), destConn: dest, onUnmappable: (u) => seen.push(`${u.kind}:${u.target}`) });
    expect(r.unmappable).toMatchObject({ danglingRefs: 1, txEntityRefs: 1, txEntityDatoms: 1 });
    expect(seen.sort()).toEqual([`dangling-ref:${gone}`, `tx-entity-datom:${tx}`, `tx-entity-ref:${tx}`].sort());
    expect(await dest.db().datoms('aevt', 'doc/ref').count()).toBe(2);
    // The tx metadata sits on the transaction's stand-in, which the ref points to.
    const standIn = r.mapping.get(tx) as number;
    expect(await dest.db().datoms('eavt', standIn, 'audit/user').toArray()).toHaveLength(1);
    expect((await verifyRestore(src.db(), dest.db())).equal).toBe(true);
  });

  it("leaves them out with 'skip', and reports them", async () => {
    const { src } = await awkwardSource();
    const dest = await freshConn();
    const r = await currentStateRestore({ sourceDb: src.db(), destConn: dest, unmappableRefs: 'skip' });
    expect(r.unmappable).toMatchObject({ danglingRefs: 1, txEntityRefs: 1, txEntityDatoms: 1 });
    expect(r.unmappable.samples.every((s) => s.action === 'skipped')).toBe(true);
    expect(await dest.db().datoms('aevt', 'doc/ref').count()).toBe(0);
    const v = await verifyRestore(src.db(), dest.db());
    expect(v.missing).toBe(3);
  });

  it("fails the run with 'error', naming the datom", async () => {
    const { src } = await awkwardSource();
    const dest = await freshConn();
    const err = await currentStateRestore({ sourceDb: src.db(), destConn: dest, unmappableRefs: 'error' }).catch((e: unknown) => e);
    expect(isDatomError(err, 'restore/ref-unresolved')).toBe(true);
    expect((err as { data: Record<string, unknown> }).data).toMatchObject({ step: 'copying the current state' });
  });
});

describe('schema', () => {
  it('copies renames with every old ident kept as an alias, enums, docs, flags, custom metadata and composites on renamed parts', async () => {
    const src = await freshConn();
    await src.transact([
      { 'db/ident': kw('p/a'), 'db/valueType': kw('db.type/string'), 'db/cardinality': kw('db.cardinality/one'), 'db/doc': 'first' },
      { 'db/ident': kw('p/n'), 'db/valueType': kw('db.type/long'), 'db/cardinality': kw('db.cardinality/one'), 'db/noHistory': true },
      { 'db/ident': kw('color/red') },
    ]);
    await src.transact([{ 'db/id': kw('p/a'), 'db/ident': kw('p/b') }]);
    await src.transact([{ 'db/id': kw('p/b'), 'db/ident': kw('p/c') }]);
    await src.transact([
      { 'db/ident': kw('p/c+n'), 'db/valueType': kw('db.type/tuple'), 'db/cardinality': kw('db.cardinality/one'), 'db/tupleAttrs': [kw('p/a'), kw('p/n')] },
      { 'db/ident': kw('x/owner'), 'db/valueType': kw('db.type/string'), 'db/cardinality': kw('db.cardinality/one') },
    ]);
    await src.transact([{ 'db/id': kw('p/c'), 'x/owner': 'team', 'db/unique': kw('db.unique/identity') }, { 'p/c': 'v', 'p/n': 3 }]);
    const dest = await freshConn();
    const r = await currentStateRestore({ sourceDb: src.db(), destConn: dest });
    expect(r.schema.renames).toBe(2);
    const db = dest.db();
    const id = db.attribute('p/c')?.id;
    expect(db.attribute('p/a')?.id).toBe(id);
    expect(db.attribute('p/b')?.id).toBe(id);
    expect(db.attribute('p/c')).toMatchObject({ doc: 'first', unique: 'identity' });
    expect(db.attribute('p/n')?.noHistory).toBe(true);
    expect(await db.entid(kw('color/red'))).not.toBeNull();
    expect(await db.datoms('eavt', id as number, 'x/owner').toArray()).toHaveLength(1);
    expect((await db.datoms('aevt', 'p/c+n').toArray())[0]?.v).toEqual(['v', 3]);
    const v = await verifyRestore(src.db(), db);
    expect(v.schemaDifferences).toBe(0);
    expect(v.equal).toBe(true);
  });
});

describe('destination checks', () => {
  it('refuses a non-empty destination unless merge is set, and a second copy of the same source', async () => {
    const src = await catalogConn(600);
    const dest = await freshConn();
    await dest.transact([{ 'db/ident': kw('other/x'), 'db/valueType': kw('db.type/long'), 'db/cardinality': kw('db.cardinality/one') }]);
    const err = await currentStateRestore({ sourceDb: src.db(), destConn: dest }).catch((e: unknown) => e);
    expect(isDatomError(err, 'restore/dest-not-empty')).toBe(true);
    await currentStateRestore({ sourceDb: src.db(), destConn: dest, merge: true });
    expect((await verifyRestore(src.db(), dest.db())).equal).toBe(true);
    const again = await currentStateRestore({ sourceDb: src.db(), destConn: dest, merge: true }).catch((e: unknown) => e);
    expect(isDatomError(again, 'restore/dest-not-empty')).toBe(true);
  });

  it('copies an empty source (no user schema)', async () => {
    const src = await freshConn();
    const dest = await freshConn();
    const r = await currentStateRestore({ sourceDb: src.db(), destConn: dest });
    expect(r.stats.datomsWritten).toBe(0);
    expect((await verifyRestore(src.db(), dest.db())).equal).toBe(true);
  });

  it('copies the source as of its basis only: later source writes are not in the copy', async () => {
    const src = await catalogConn(600);
    const basis = src.db();
    await src.transact([{ 'artist/name': 'Later' }]);
    const dest = await freshConn();
    const r = await currentStateRestore({ sourceDb: basis, destConn: dest });
    expect(r.basisT).toBe(basis.basisT);
    expect((await verifyRestore(basis, dest.db())).equal).toBe(true);
    expect((await verifyRestore(src.db(), dest.db())).equal).toBe(false);
  });
});

describe('progress', () => {
  it('reports datoms read and written, transactions and the rate, ending with phase done', async () => {
    const src = await catalogConn(3_000);
    const dest = await freshConn();
    const seen: RestoreProgress[] = [];
    const r = await currentStateRestore({ sourceDb: src.db(), destConn: dest, onProgress: (p) => seen.push(p), progressIntervalMs: 0 });
    const last = seen.at(-1) as RestoreProgress;
    expect(last.phase).toBe('done');
    expect(last.datomsWritten).toBe(r.stats.datomsWritten);
    expect(last.datomsRead).toBeGreaterThanOrEqual(last.datomsWritten);
    expect(last.datomsPerSecond).toBeGreaterThan(0);
    expect(seen.filter((p) => p.phase === 'current-state').length).toBeGreaterThan(3);
    const written = seen.map((p) => p.datomsWritten);
    expect(written).toEqual([...written].sort((a, b) => a - b));
  });
});
