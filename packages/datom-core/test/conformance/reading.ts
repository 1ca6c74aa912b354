import { describe, expect, it } from 'vitest';
import { type Connection, type Datom, type IndexName, kw } from '../../src/index.js';
import { aid, all, attr, create, type ConformanceOptions, type MakeConn, peopleConn, rejects, value, values } from './helpers.js';

function ea(ds: readonly Datom[]): [number, number, unknown][] {
  return ds.map((d) => [d.e, d.a, d.v]);
}

/** Read scenarios: indexes, immutability, time, log, listen, pull, entity API. */
export function describeReading(makeConn: MakeConn, options: ConformanceOptions): void {
  /** Ann, Bob, Cy with ages, tags and friendships. */
  async function sample(conn: Connection) {
    const r = await conn.transact([
      { 'db/id': 'ann', 'person/name': 'Ann', 'person/email': 'ann@x', 'person/age': 30, 'person/tags': ['b', 'a'] },
      { 'db/id': 'bob', 'person/name': 'Bob', 'person/email': 'bob@x', 'person/age': 20, 'person/friends': ['ann', 'cy'] },
      { 'db/id': 'cy', 'person/name': 'Cy', 'person/email': 'cy@x', 'person/age': 25, 'person/friends': ['ann'] },
    ]);
    return r.tempids as { ann: number; bob: number; cy: number };
  }

  describe('index reads', () => {
    it('reads EAVT by entity, entity+attribute, entity+attribute+value, with lookup refs and idents', async () => {
      const conn = await peopleConn(makeConn);
      const { ann, bob } = await sample(conn);
      const db = conn.db();
      const nameA = aid(db, 'person/name');
      const own = await all(db, 'eavt', ann);
      expect(own.length).toBe(5);
      expect(own.every((d) => d.e === ann && d.added)).toBe(true);
      expect(await all(db, 'eavt', ['person/email', 'ann@x'])).toEqual(own);
      expect(await all(db, 'eavt', [kw('person/email'), 'ann@x'])).toEqual(own);
      expect(ea(await all(db, 'eavt', ann, 'person/name'))).toEqual([[ann, nameA, 'Ann']]);
      expect(ea(await all(db, 'eavt', ann, kw('person/name')))).toEqual([[ann, nameA, 'Ann']]);
      expect(ea(await all(db, 'eavt', ann, ':person/name'))).toEqual([[ann, nameA, 'Ann']]);
      expect(ea(await all(db, 'eavt', ann, nameA))).toEqual([[ann, nameA, 'Ann']]);
      expect((await all(db, 'eavt', ann, 'person/tags')).map((d) => d.v)).toEqual(['a', 'b']);
      expect((await all(db, 'eavt', ann, 'person/tags', 'b')).map((d) => d.v)).toEqual(['b']);
      expect((await all(db, 'eavt', bob, 'person/friends', ['person/email', 'ann@x'])).map((d) => d.v)).toEqual([ann]);
      expect(await all(db, 'eavt', ann, 'person/name', 'Nope')).toEqual([]);
      expect(await all(db, 'eavt', ['person/email', 'nobody@x'])).toEqual([]);
      // The tx component.
      const [d] = await all(db, 'eavt', ann, 'person/name');
      expect(await all(db, 'eavt', ann, 'person/name', 'Ann', d?.tx)).toHaveLength(1);
      // An ident names the system entity it is.
      expect((await all(db, 'eavt', kw('person/name'), 'db/ident')).map((x) => x.v)).toEqual([kw('person/name')]);
    });

    it('reads AEVT and AVET by attribute, then entity or value', async () => {
      const conn = await peopleConn(makeConn);
      const { ann, bob, cy } = await sample(conn);
      const db = conn.db();
      expect((await all(db, 'aevt', 'person/age')).map((d) => [d.e, d.v])).toEqual([[ann, 30], [bob, 20], [cy, 25]]);
      expect((await all(db, 'aevt', 'person/age', bob)).map((d) => d.v)).toEqual([20]);
      expect((await all(db, 'aevt', 'person/age', ['person/email', 'cy@x'])).map((d) => d.v)).toEqual([25]);
      expect((await all(db, 'avet', 'person/age')).map((d) => [d.v, d.e])).toEqual([[20, bob], [25, cy], [30, ann]]);
      expect((await all(db, 'avet', kw('person/age'), 25)).map((d) => d.e)).toEqual([cy]);
      expect((await all(db, 'avet', 'person/age', 25, cy)).map((d) => d.e)).toEqual([cy]);
      expect((await all(db, 'avet', 'person/friends', ['person/email', 'ann@x'])).map((d) => d.e)).toEqual([bob, cy]);
      // Every attribute is in AVET, not only indexed or unique ones.
      expect((await all(db, 'avet', 'person/name', 'Bob')).map((d) => d.e)).toEqual([bob]);
    });

    it('reads VAET for refs only, by target then attribute', async () => {
      const conn = await peopleConn(makeConn);
      const { ann, bob, cy } = await sample(conn);
      const db = conn.db();
      const friends = aid(db, 'person/friends');
      expect((await all(db, 'vaet', ann)).map((d) => [d.v, d.a, d.e])).toEqual([[ann, friends, bob], [ann, friends, cy]]);
      expect((await all(db, 'vaet', ['person/email', 'cy@x'], 'person/friends')).map((d) => d.e)).toEqual([bob]);
      expect((await all(db, 'vaet', ann, 'person/friends', cy)).map((d) => d.e)).toEqual([cy]);
      const vaet = await all(db, 'vaet');
      const refAttrs = new Set([...db.schema().values()].filter((a) => a.valueType === 'ref').map((a) => a.id));
      expect(vaet.every((d) => refAttrs.has(d.a))).toBe(true);
      const refDatoms = (await all(db, 'eavt')).filter((d) => refAttrs.has(d.a));
      expect(vaet.length).toBe(refDatoms.length);
    });

    it('holds the same datoms in all four indexes, each in its own order', async () => {
      const conn = await peopleConn(makeConn);
      await sample(conn);
      const db = conn.db();
      const key = (d: Datom) => `${d.e}|${d.a}|${String(d.v)}|${d.tx}`;
      const sets: Record<string, string[]> = {};
      for (const ix of ['eavt', 'aevt', 'avet'] as IndexName[]) sets[ix] = (await all(db, ix)).map(key).sort();
      expect(sets.aevt).toEqual(sets.eavt);
      expect(sets.avet).toEqual(sets.eavt);
      const e = await all(db, 'eavt');
      for (let i = 1; i < e.length; i++) {
        const p = e[i - 1] as Datom;
        const q = e[i] as Datom;
        expect(p.e < q.e || (p.e === q.e && p.a <= q.a)).toBe(true);
      }
      const a = await all(db, 'aevt');
      for (let i = 1; i < a.length; i++) {
        const p = a[i - 1] as Datom;
        const q = a[i] as Datom;
        expect(p.a < q.a || (p.a === q.a && p.e <= q.e)).toBe(true);
      }
    });

    it('seeks from a position to the end of the index', async () => {
      const conn = await peopleConn(makeConn);
      const { ann, bob, cy } = await sample(conn);
      const db = conn.db();
      const ages = await db.seekDatoms('avet', 'person/age', 21).toArray();
      expect(ages.slice(0, 2).map((d) => [d.v, d.e])).toEqual([[25, cy], [30, ann]]);
      // It goes on past the attribute.
      const all = await db.seekDatoms('avet').toArray();
      const ageId = aid(db, 'person/age');
      const rest = all.filter((d) => d.a > ageId || (d.a === ageId && (d.v as number) >= 21));
      expect(ea(ages)).toEqual(ea(rest));
      const fromBob = await db.seekDatoms('eavt', bob).toArray();
      expect(fromBob[0]?.e).toBe(bob);
      expect(fromBob.some((d) => d.e === cy)).toBe(true);
      expect(fromBob.some((d) => d.e === ann)).toBe(false);
      const fromBobAge = await db.seekDatoms('eavt', bob, 'person/age').toArray();
      expect(fromBobAge[0]?.a).toBe(ageId);
      expect(fromBobAge[0]?.e).toBe(bob);
      expect(await db.seekDatoms('eavt', 2 ** 50).toArray()).toEqual([]);
      const vaet = await db.seekDatoms('vaet', cy).toArray();
      expect(vaet.every((d) => (d.v as number) >= cy)).toBe(true);
      expect(vaet[0]?.v).toBe(cy);
      const aevt = await db.seekDatoms('aevt', 'person/age', cy).toArray();
      expect(aevt[0]?.e).toBe(cy);
      // Lookup refs and idents as components.
      expect((await db.seekDatoms('eavt', ['person/email', 'bob@x']).toArray())[0]?.e).toBe(bob);
      expect((await db.seekDatoms('aevt', kw('person/age'), ['person/email', 'cy@x']).toArray())[0]?.e).toBe(cy);
      expect((await db.seekDatoms('vaet', ['person/email', 'cy@x'], kw('person/friends')).toArray())[0]?.e).toBe(bob);
    });

    it('reads an AVET range: start inclusive, end exclusive, either open', async () => {
      const conn = await peopleConn(makeConn);
      const { ann, bob, cy } = await sample(conn);
      const db = conn.db();
      const range = async (s: number | null, e: number | null) => (await db.indexRange('person/age', s, e).toArray()).map((d) => d.e);
      expect(await range(20, 30)).toEqual([bob, cy]);
      expect(await range(21, 30)).toEqual([cy]);
      expect(await range(null, 25)).toEqual([bob]);
      expect(await range(25, null)).toEqual([cy, ann]);
      expect(await range(null, null)).toEqual([bob, cy, ann]);
      expect(await range(31, null)).toEqual([]);
      expect((await db.indexRange(kw('person/name'), 'B', 'Cz').toArray()).map((d) => d.v)).toEqual(['Bob', 'Cy']);
      // A ref attribute, bounded by lookup refs.
      const friendsOf = (await db.indexRange('person/friends', ['person/email', 'ann@x'], null).toArray()).map((d) => [d.v, d.e]);
      expect(friendsOf).toEqual([[ann, bob], [ann, cy], [cy, bob]]);
      expect((await db.indexRange('person/friends', null, ['person/email', 'cy@x']).toArray()).map((d) => d.e)).toEqual([bob, cy]);
    });

    it('orders values of each type ascending in AVET', async () => {
      const conn = await makeConn();
      await conn.transact([attr('o/l', 'long'), attr('o/s', 'string'), attr('o/i', 'instant'), attr('o/d', 'double'), attr('o/k', 'keyword')]);
      const longs = [5, -3, 2n ** 60n, 0, -(2n ** 60n), 9_007_199_254_740_991];
      const strs = ['b', 'a', 'B', 'ab', '', 'é'];
      const insts = [new Date(5), new Date(-1000), new Date(0)];
      const dbls = [1.5, -0.5, 1e300, -Infinity, Infinity];
      const kws = [kw('b/a'), kw('a/b'), kw('a')];
      await conn.transact([
        ...longs.map((v) => ({ 'o/l': v })),
        ...strs.map((v) => ({ 'o/s': v })),
        ...insts.map((v) => ({ 'o/i': v })),
        ...dbls.map((v) => ({ 'o/d': v })),
        ...kws.map((v) => ({ 'o/k': v })),
      ]);
      const db = conn.db();
      const vs = async (a: string) => (await all(db, 'avet', a)).map((d) => d.v);
      expect(await vs('o/l')).toEqual([-(2n ** 60n), -3, 0, 5, 9_007_199_254_740_991, 2n ** 60n]);
      expect(await vs('o/s')).toEqual(['', 'B', 'a', 'ab', 'b', 'é']);
      expect(((await vs('o/i')) as Date[]).map((d) => d.getTime())).toEqual([-1000, 0, 5]);
      expect(await vs('o/d')).toEqual([-Infinity, -0.5, 1.5, 1e300, Infinity]);
      expect(await vs('o/k')).toEqual([kw('a'), kw('a/b'), kw('b/a')]);
    });

    it('streams large reads in batches, the same datoms as iteration', async () => {
      const conn = await peopleConn(makeConn);
      await conn.transact(Array.from({ length: 5000 }, (_, i) => ({ 'person/age': i })));
      const db = conn.db();
      const stream = db.datoms('aevt', 'person/age');
      let n = 0;
      let batches = 0;
      for await (const b of stream.batches()) {
        batches++;
        n += b.length;
      }
      expect(n).toBe(5000);
      expect(batches).toBeGreaterThan(1);
      expect(await stream.count()).toBe(5000);
      let m = 0;
      for await (const d of stream) if (d.added) m++;
      expect(m).toBe(5000);
    });

    it('gives the same datoms through toArray, count and iteration, for every kind of prefix', async () => {
      const conn = await peopleConn(makeConn);
      const r = await conn.transact(Array.from({ length: 300 }, (_, i) => ({ 'db/id': `p${i}`, 'person/age': i % 7, 'person/name': `n${i}` })));
      const old = conn.db();
      const e = r.tempids.p5 as number;
      await conn.transact([['db/retractEntity', e], { 'person/age': 3 }]);
      const db = conn.db();
      const reads: [IndexName, ...unknown[]][] = [
        ['eavt', e],
        ['eavt', r.tempids.p9, 'person/age'],
        ['aevt', 'person/age'],
        ['avet', 'person/age', 3],
        ['avet', 'person/name', 'nope'],
        ['eavt', 999_999],
      ];
      for (const value of [old, db, db.asOf(old.basisT), db.history()]) {
        for (const [index, ...components] of reads) {
          const stream = value.datoms(index, ...components);
          const iterated: unknown[] = [];
          for await (const d of stream) iterated.push(d);
          expect(await stream.toArray()).toEqual(iterated);
          expect(await stream.count()).toBe(iterated.length);
        }
      }
      expect(await old.datoms('eavt', e).count()).toBe(2);
      expect(await db.datoms('eavt', e).count()).toBe(0);
      expect(await db.datoms('avet', 'person/age', 3).count()).toBe(await old.datoms('avet', 'person/age', 3).count() + 1);
    });

    it('refuses unknown indexes and attributes', async () => {
      const conn = await peopleConn(makeConn);
      const db = conn.db();
      await rejects(async () => db.datoms('xyz' as IndexName).toArray(), 'db/arg');
      await rejects(async () => db.indexRange('no/attr', null, null).toArray(), /unknown-attribute$/);
    });
  });

  describe('database values over time', () => {
    it('keeps an old value answering the same after later transactions', async () => {
      const conn = await peopleConn(makeConn);
      const { ann } = await sample(conn);
      const db = conn.db();
      const before = { eavt: await all(db, 'eavt'), avet: await all(db, 'avet'), vaet: await all(db, 'vaet'), pull: await db.pull(['*'], ann) };
      await conn.transact([{ 'db/id': ann, 'person/age': 31, 'person/tags': ['c'] }, ['db/retractEntity', ['person/email', 'bob@x']], { 'person/name': 'New' }]);
      await conn.transact([attr('late/attr', 'string')]);
      expect(await all(db, 'eavt')).toEqual(before.eavt);
      expect(await all(db, 'avet')).toEqual(before.avet);
      expect(await all(db, 'vaet')).toEqual(before.vaet);
      expect(await db.pull(['*'], ann)).toEqual(before.pull);
      expect(db.attribute('late/attr')).toBeNull();
      expect(conn.db().attribute('late/attr')).not.toBeNull();
    });

    it('asOf a t, a tx id and a Date gives the database as it was', async () => {
      const conn = await peopleConn(makeConn);
      const a = await create(conn, { 'person/name': 'v1', 'person/tags': ['x'] });
      const base = Date.now() + 10_000;
      const r2 = await conn.transact([{ 'db/id': 'datomic.tx', 'db/txInstant': new Date(base) }, { 'db/id': a, 'person/name': 'v2', 'person/tags': ['y'] }]);
      const db2 = conn.db();
      const r3 = await conn.transact([{ 'db/id': 'datomic.tx', 'db/txInstant': new Date(base + 1000) }, { 'db/id': a, 'person/name': 'v3' }, ['db/retract', a, 'person/tags', 'x']]);
      const t2 = r2.dbAfter.basisT;
      const t3 = r3.dbAfter.basisT;
      const now = conn.db();
      for (const asOf of [now.asOf(t2), now.asOf(now.tToTx(t2)), now.asOf(new Date(base)), now.asOf(new Date(base + 999))]) {
        expect(asOf.asOfT).toBe(t2);
        expect(await values(asOf, a, 'person/name')).toEqual(['v2']);
        expect((await values(asOf, a, 'person/tags')).sort()).toEqual(['x', 'y']);
        expect(ea(await all(asOf, 'eavt', a))).toEqual(ea(await all(db2, 'eavt', a)));
        expect(ea(await all(asOf, 'avet', 'person/name'))).toEqual(ea(await all(db2, 'avet', 'person/name')));
        expect(await asOf.pull(['person/name'], a)).toEqual({ 'person/name': 'v2' });
      }
      expect(await values(now.asOf(t2 - 1), a, 'person/name')).toEqual(['v1']);
      expect(await values(now.asOf(t3), a, 'person/name')).toEqual(['v3']);
      // Before the entity existed.
      expect(await all(now.asOf(t2 - 2), 'eavt', a)).toEqual([]);
      expect(await now.asOf(t2 - 2).pull(['*'], a)).toBeNull();
      // Nested asOf takes the earlier point.
      expect(now.asOf(t3).asOf(t2).asOfT).toBe(t2);
      await rejects(async () => now.asOf(-1), 'db/arg');
      await rejects(async () => now.asOf(new Date(Number.NaN)), 'db/arg');
    });

    it('since gives only what was asserted after a point', async () => {
      const conn = await peopleConn(makeConn);
      const a = await create(conn, { 'person/name': 'v1', 'person/age': 1 });
      const t1 = conn.db().basisT;
      await conn.transact([{ 'db/id': a, 'person/name': 'v2' }]);
      const since = conn.db().since(t1);
      expect(since.sinceT).toBe(t1);
      expect((await all(since, 'eavt', a)).map((d) => d.v)).toEqual(['v2']);
      expect((await all(conn.db().since(conn.db().tToTx(t1)), 'eavt', a)).map((d) => d.v)).toEqual(['v2']);
      expect(await all(conn.db().since(conn.db().basisT), 'eavt', a)).toEqual([]);
    });

    it('history holds every assertion and retraction with its added flag', async () => {
      const conn = await peopleConn(makeConn);
      const a = await create(conn, { 'person/name': 'v1' });
      const tx1 = (await all(conn.db(), 'eavt', a))[0]?.tx;
      const r2 = await conn.transact([{ 'db/id': a, 'person/name': 'v2' }]);
      const r3 = await conn.transact([['db/retract', a, 'person/name', 'v2']]);
      const tx2 = r2.tempids['datomic.tx'];
      const tx3 = r3.tempids['datomic.tx'];
      const h = conn.db().history();
      expect(h.isHistory).toBe(true);
      const got = (await all(h, 'eavt', a, 'person/name')).map((d) => [d.v, d.tx, d.added]);
      expect(got).toEqual([
        ['v1', tx1, true],
        ['v1', tx2, false],
        ['v2', tx2, true],
        ['v2', tx3, false],
      ]);
      expect((await all(h, 'avet', 'person/name', 'v2')).map((d) => d.added)).toEqual([true, false]);
      expect((await all(h, 'aevt', 'person/name', a)).length).toBe(4);
      // History combined with asOf and since.
      expect((await all(h.asOf(r2.dbAfter.basisT), 'eavt', a)).length).toBe(3);
      expect((await all(h.since(r2.dbAfter.basisT), 'eavt', a)).map((d) => [d.v, d.added])).toEqual([['v2', false]]);
      // The current value has none of it.
      expect(await all(conn.db(), 'eavt', a)).toEqual([]);
    });

    it('history shows what retractEntity retracted; asOf and since combine', async () => {
      const conn = await peopleConn(makeConn);
      const a = await create(conn, { 'person/name': 'h', 'person/age': 1 });
      const t1 = conn.db().basisT;
      await conn.transact([{ 'db/id': a, 'person/tags': ['x'] }]);
      const t2 = conn.db().basisT;
      await conn.transact([{ 'db/id': a, 'person/tags': ['y'] }]);
      expect((await all(conn.db().asOf(t2).since(t1), 'eavt', a)).map((d) => d.v)).toEqual(['x']);
      expect((await all(conn.db().since(t1).asOf(t2), 'eavt', a)).map((d) => d.v)).toEqual(['x']);
      await conn.transact([['db/retractEntity', a]]);
      const h = (await all(conn.db().history(), 'eavt', a)).map((d) => [d.v, d.added]);
      // EAVT: by attribute (name was installed before age), then value, then tx.
      expect(h).toEqual([
        ['h', true],
        ['h', false],
        [1, true],
        [1, false],
        ['x', true],
        ['x', false],
        ['y', true],
        ['y', false],
      ]);
      expect(await all(conn.db(), 'eavt', a)).toEqual([]);
      expect(await conn.db().entid(a)).toBeNull();
      expect(await conn.db().asOf(t2).entid(a)).toBe(a);
    });

    it('asOf a Date before the first transaction is the empty database', async () => {
      const conn = await peopleConn(makeConn);
      await create(conn, { 'person/name': 'x' });
      const early = conn.db().asOf(new Date(0));
      expect(early.asOfT).toBe(0);
      expect(early.attribute('person/name')).not.toBeNull();
      expect(await all(early, 'aevt', 'person/name')).toEqual([]);
    });

    it('keeps no history of noHistory attributes', async () => {
      const conn = await makeConn();
      await conn.transact([attr('n/counter', 'long', { noHistory: true }), attr('n/kept', 'long')]);
      const e = await create(conn, { 'n/counter': 1, 'n/kept': 1 });
      const t1 = conn.db().basisT;
      await conn.transact([{ 'db/id': e, 'n/counter': 2, 'n/kept': 2 }]);
      await conn.transact([{ 'db/id': e, 'n/counter': 3, 'n/kept': 3 }]);
      const h = conn.db().history();
      expect((await all(h, 'eavt', e, 'n/counter')).map((d) => [d.v, d.added])).toEqual([[3, true]]);
      expect((await all(h, 'eavt', e, 'n/kept')).length).toBe(5);
      expect(await values(conn.db().asOf(t1), e, 'n/kept')).toEqual([1]);
      expect(await values(conn.db(), e, 'n/counter')).toEqual([3]);
    });

    it('gives the log of transactions in order with txRange', async () => {
      const conn = await peopleConn(makeConn);
      const base = conn.db().basisT;
      const a = await create(conn, { 'person/name': 'a' });
      await conn.transact([{ 'db/id': a, 'person/name': 'b' }]);
      await conn.transact([{ 'person/name': 'c' }]);
      const entries = [];
      for await (const e of conn.txRange()) entries.push(e);
      expect(entries.map((e) => e.t)).toEqual(Array.from({ length: base + 3 }, (_, i) => i + 1));
      for (const e of entries) {
        expect(e.tx).toBe(conn.db().tToTx(e.t));
        expect(e.data.every((d) => d.tx === e.tx)).toBe(true);
        expect(e.data.some((d) => d.e === e.tx && d.v instanceof Date)).toBe(true);
      }
      const last = entries.at(-2);
      expect(last?.data.filter((d) => d.e === a).map((d) => [d.v, d.added])).toEqual([['a', false], ['b', true]]);
      // Every transaction has exactly one txInstant.
      expect((await all(conn.db(), 'aevt', 'db/txInstant')).map((d) => conn.db().txToT(d.e))).toEqual(entries.map((e) => e.t));
      const mid = [];
      for await (const e of conn.txRange({ start: base + 1, end: base + 3 })) mid.push(e.t);
      expect(mid).toEqual([base + 1, base + 2]);
      const byTx = [];
      for await (const e of conn.txRange({ start: conn.db().tToTx(base + 2), end: null })) byTx.push(e.t);
      expect(byTx).toEqual([base + 2, base + 3]);
      const none = [];
      for await (const e of conn.txRange({ start: base + 4 })) none.push(e);
      expect(none).toEqual([]);
    });

    it('calls listeners after each commit, not for failed transactions, until unsubscribed', async () => {
      const conn = await peopleConn(makeConn);
      const seen: number[] = [];
      let committed = true;
      const off = conn.listen((r) => {
        seen.push(r.dbAfter.basisT);
        committed = conn.db().basisT >= r.dbAfter.basisT;
      });
      const r1 = await conn.transact([{ 'person/name': 'a' }]);
      await rejects(conn.transact([{ 'person/age': 'x' }]), 'transact/type');
      const r2 = await conn.transact([{ 'person/name': 'b' }]);
      await conn.db().with([{ 'person/name': 'not committed' }]);
      off();
      await conn.transact([{ 'person/name': 'c' }]);
      expect(seen).toEqual([r1.dbAfter.basisT, r2.dbAfter.basisT]);
      expect(committed).toBe(true);
    });

    it('a throwing listener does not fail the transaction', async () => {
      const conn = await peopleConn(makeConn);
      conn.listen(() => {
        throw new Error('listener');
      });
      const r = await conn.transact([{ 'person/name': 'a' }]);
      expect(conn.db().basisT).toBe(r.dbAfter.basisT);
    });
  });

  describe('pull', () => {
    async function family(conn: Connection) {
      const r = await conn.transact([
        {
          'db/id': 'ann',
          'person/name': 'Ann',
          'person/email': 'ann@x',
          'person/tags': ['a', 'b', 'c'],
          'person/address': { 'db/id': 'addr', 'address/street': 'Main', 'address/city': 'Oslo' },
          'person/pets': [{ 'db/id': 'rex', 'pet/name': 'Rex', 'pet/toy': { 'db/id': 'ball', 'toy/name': 'ball' } }],
          'person/friends': ['bob'],
          'person/color': kw('color/red'),
        },
        { 'db/id': 'bob', 'person/name': 'Bob', 'person/email': 'bob@x', 'person/friends': ['cy'] },
        { 'db/id': 'cy', 'person/name': 'Cy', 'person/email': 'cy@x', 'person/friends': ['ann'] },
      ]);
      return r.tempids as Record<string, number>;
    }

    it('pulls attributes, db/id and the wildcard with components recursively', async () => {
      const conn = await peopleConn(makeConn);
      const t = await family(conn);
      const db = conn.db();
      const red = await db.entid(kw('color/red'));
      expect(await db.pull(['person/name', 'db/id'], t.ann as number)).toEqual({ 'person/name': 'Ann', 'db/id': t.ann });
      expect(await db.pull(['*'], t.ann as number)).toEqual({
        'db/id': t.ann,
        'person/name': 'Ann',
        'person/email': 'ann@x',
        'person/tags': ['a', 'b', 'c'],
        'person/address': { 'db/id': t.addr, 'address/street': 'Main', 'address/city': 'Oslo' },
        'person/pets': [{ 'db/id': t.rex, 'pet/name': 'Rex', 'pet/toy': { 'db/id': t.ball, 'toy/name': 'ball' } }],
        'person/friends': [{ 'db/id': t.bob }],
        'person/color': { 'db/id': red },
      });
      expect(await db.pull(['person/name'], ['person/email', 'bob@x'])).toEqual({ 'person/name': 'Bob' });
    });

    it('pulls a wildcard through cycles of components, stopping at the entity it began with', async () => {
      const conn = await makeConn();
      await conn.transact([attr('n/name', 'string'), attr('n/part', 'ref', { component: true, many: true }), attr('n/main', 'ref', { component: true })]);
      const r = await conn.transact([
        { 'db/id': 'a', 'n/name': 'a', 'n/part': ['b'], 'n/main': 'b' },
        { 'db/id': 'b', 'n/name': 'b', 'n/part': ['a'], 'n/main': 'a' },
      ]);
      const [a, b] = [r.tempids.a as number, r.tempids.b as number];
      const bFromA = { 'db/id': b, 'n/name': 'b', 'n/part': [{ 'db/id': a }], 'n/main': { 'db/id': a } };
      expect(await conn.db().pull(['*'], a)).toEqual({ 'db/id': a, 'n/name': 'a', 'n/part': [bFromA], 'n/main': bFromA });
    });

    it('pulls nested and reverse attributes', async () => {
      const conn = await peopleConn(makeConn);
      const t = await family(conn);
      const db = conn.db();
      expect(await db.pull(['person/name', { 'person/friends': ['person/name', { 'person/friends': ['person/name'] }] }], t.ann as number)).toEqual({
        'person/name': 'Ann',
        'person/friends': [{ 'person/name': 'Bob', 'person/friends': [{ 'person/name': 'Cy' }] }],
      });
      expect(await db.pull(['person/name', { 'person/_friends': ['person/name'] }], t.ann as number)).toEqual({
        'person/name': 'Ann',
        'person/_friends': [{ 'person/name': 'Cy' }],
      });
      expect(await db.pull(['person/_friends'], t.bob as number)).toEqual({ 'person/_friends': [{ 'db/id': t.ann }] });
      // A reverse component ref gives the single owner.
      expect(await db.pull([{ 'person/_address': ['person/name'] }], t.addr as number)).toEqual({ 'person/_address': { 'person/name': 'Ann' } });
    });

    it('honours as, limit and default', async () => {
      const conn = await peopleConn(makeConn);
      const t = await family(conn);
      const db = conn.db();
      expect(await db.pull([['person/name', { as: 'name' }], ['person/tags', { limit: 2 }], ['person/age', { default: 0 }], ['person/spouse', { default: 'none', as: 'spouse' }]], t.ann as number)).toEqual({
        name: 'Ann',
        'person/tags': ['a', 'b'],
        'person/age': 0,
        spouse: 'none',
      });
      expect(await db.pull([['person/tags', { limit: null }]], t.ann as number)).toEqual({ 'person/tags': ['a', 'b', 'c'] });
      // Options on a nested attribute: a Map key [attr, options].
      const nested = new Map([[['person/friends', { as: 'pals', limit: 5 }], ['person/name']]]);
      expect(await db.pull([nested as never], t.ann as number)).toEqual({ pals: [{ 'person/name': 'Bob' }] });
    });

    it('follows recursion with ... and a depth, stopping at cycles', async () => {
      const conn = await peopleConn(makeConn);
      const t = await family(conn);
      const db = conn.db();
      expect(await db.pull(['person/name', { 'person/friends': 1 }], t.ann as number)).toEqual({
        'person/name': 'Ann',
        'person/friends': [{ 'person/name': 'Bob', 'person/friends': [{ 'db/id': t.cy }] }],
      });
      expect(await db.pull(['person/name', { 'person/friends': '...' }], t.ann as number)).toEqual({
        'person/name': 'Ann',
        'person/friends': [{ 'person/name': 'Bob', 'person/friends': [{ 'person/name': 'Cy', 'person/friends': [{ 'db/id': t.ann }] }] }],
      });
    });

    it('pulls reverse refs with a limit, the wildcard with reverse and renamed attributes, and enum idents', async () => {
      const conn = await peopleConn(makeConn);
      const r = await conn.transact([
        { 'db/id': 'hub', 'person/name': 'hub', 'person/age': 3, 'person/color': kw('color/green') },
        { 'db/id': 'f1', 'person/friends': ['hub'] },
        { 'db/id': 'f2', 'person/friends': ['hub'] },
        { 'db/id': 'f3', 'person/friends': ['hub'] },
      ]);
      const t = r.tempids as Record<string, number>;
      const db = conn.db();
      const limited = (await db.pull([['person/_friends', { limit: 2 }]], t.hub as number)) as Record<string, unknown[]>;
      expect(limited['person/_friends']).toHaveLength(2);
      const green = await db.entid(kw('color/green'));
      expect(await db.pull(['*', ['person/name', { as: 'n' }], 'person/_friends'], t.hub as number)).toEqual({
        'db/id': t.hub,
        n: 'hub',
        'person/age': 3,
        'person/color': { 'db/id': green },
        'person/_friends': [{ 'db/id': t.f1 }, { 'db/id': t.f2 }, { 'db/id': t.f3 }],
      });
      expect(await db.pull([{ 'person/color': ['db/ident'] }], t.hub as number)).toEqual({ 'person/color': { 'db/ident': kw('color/green') } });
      expect(await db.pull([kw('person/name') as never], t.hub as number)).toEqual({ 'person/name': 'hub' });
      expect(await db.pull([['person/tags', { default: [] }]], t.hub as number)).toEqual({ 'person/tags': [] });
    });

    it('gives null for a missing entity and pulls many in order', async () => {
      const conn = await peopleConn(makeConn);
      const t = await family(conn);
      const db = conn.db();
      expect(await db.pull(['*'], 999_999)).toBeNull();
      expect(await db.pull(['person/name'], ['person/email', 'nobody@x'])).toBeNull();
      expect(await db.pullMany(['person/name'], [t.bob as number, 999_999, t.ann as number])).toEqual([{ 'person/name': 'Bob' }, null, { 'person/name': 'Ann' }]);
    });

    it('reads EDN pull patterns', async () => {
      const conn = await peopleConn(makeConn);
      const t = await family(conn);
      const db = conn.db();
      expect(await db.pull('[:person/name {:person/friends [:person/name]}]', t.ann as number)).toEqual({ 'person/name': 'Ann', 'person/friends': [{ 'person/name': 'Bob' }] });
      expect(await db.pull('[(:person/name :as "n") [:person/tags :limit 1] (:person/age :default 7)]', t.ann as number)).toEqual({ n: 'Ann', 'person/tags': ['a'], 'person/age': 7 });
      expect(await db.pull('[:person/name {:person/friends ...}]', t.bob as number)).toEqual({
        'person/name': 'Bob',
        'person/friends': [{ 'person/name': 'Cy', 'person/friends': [{ 'person/name': 'Ann', 'person/friends': [{ 'db/id': t.bob }] }] }],
      });
      expect(await db.pull('[:db/id {:person/_friends [:person/name]}]', t.cy as number)).toEqual({ 'db/id': t.cy, 'person/_friends': [{ 'person/name': 'Bob' }] });
      expect(await db.pullMany('[*]', [t.addr as number])).toEqual([{ 'db/id': t.addr, 'address/street': 'Main', 'address/city': 'Oslo' }]);
    });

    it('refuses a pattern naming an unknown attribute', async () => {
      const conn = await peopleConn(makeConn);
      const t = await family(conn);
      await rejects(conn.db().pull(['no/such'], t.ann as number), /unknown-attribute$/);
    });
  });

  describe('entities and identity', () => {
    it('resolves entids, idents and attributes', async () => {
      const conn = await peopleConn(makeConn);
      const { ann } = await sample(conn);
      const db = conn.db();
      expect(await db.entid(ann)).toBe(ann);
      expect(await db.entid(['person/email', 'ann@x'])).toBe(ann);
      expect(await db.entid([kw('person/email'), 'ann@x'])).toBe(ann);
      expect(await db.entid(['person/email', 'nobody@x'])).toBeNull();
      expect(await db.entid(999_999)).toBeNull();
      expect(await db.entid(kw('no/such'))).toBeNull();
      const nameId = await db.entid(kw('person/name'));
      expect(nameId).toBe(aid(db, 'person/name'));
      expect(db.ident(nameId as number)).toBe(kw('person/name'));
      expect(db.ident(ann)).toBeNull();
      expect(db.attribute(kw('db/ident'))).toMatchObject({ valueType: 'keyword', unique: 'identity' });
      expect(db.attribute('db/txInstant')?.valueType).toBe('instant');
      expect(db.schema().get('person/friends')).toMatchObject({ valueType: 'ref', cardinality: 'many' });
      await rejects(db.entid(['person/name', 'Ann']), 'db/arg');
    });

    it('has a stable database id', async () => {
      const conn = await peopleConn(makeConn);
      const db0 = conn.db();
      expect(db0.id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/);
      expect(conn.id).toBe(db0.id);
      await sample(conn);
      expect(conn.db().id).toBe(db0.id);
      expect(conn.db().asOf(1).id).toBe(db0.id);
      expect(conn.db().history().id).toBe(db0.id);
      const other = await makeConn();
      expect(other.id).not.toBe(db0.id);
      if (options.reconnect !== undefined) {
        const basisT = conn.db().basisT;
        const again = await options.reconnect(conn);
        expect(again.id).toBe(db0.id);
        expect(again.db().id).toBe(db0.id);
        expect(again.db().basisT).toBe(basisT);
        await again.close();
      }
    });

    it('converts between t and tx ids', async () => {
      const conn = await peopleConn(makeConn);
      const r = await conn.transact([{ 'person/name': 'x' }]);
      const db = r.dbAfter;
      const tx = r.tempids['datomic.tx'] as number;
      expect(db.txToT(tx)).toBe(db.basisT);
      expect(db.tToTx(db.basisT)).toBe(tx);
      expect(db.tToTx(db.basisT - 1)).toBeLessThan(tx);
    });

    it('a new connection to the database sees every committed transaction, and continues it', async () => {
      if (options.reconnect === undefined) return;
      const conn = await peopleConn(makeConn);
      const { ann, bob } = await sample(conn);
      await conn.transact([{ 'db/id': ann, 'person/age': 31 }, ['db/retractEntity', bob]]);
      const db = conn.db();
      const before = { eavt: await all(db, 'eavt'), history: await all(db.history(), 'eavt'), log: [] as unknown[] };
      for await (const e of conn.txRange()) before.log.push(e);
      const again = await options.reconnect(conn);
      const db2 = await again.sync();
      expect(db2.basisT).toBe(db.basisT);
      expect(await all(db2, 'eavt')).toEqual(before.eavt);
      expect(await all(db2.history(), 'eavt')).toEqual(before.history);
      const log: unknown[] = [];
      for await (const e of again.txRange()) log.push(e);
      expect(log).toEqual(before.log);
      expect(await value(db2.asOf(db.basisT - 1), ann, 'person/age')).toBe(30);
      // Schema, idents and entity ids carry on.
      const c = await create(again, { 'person/name': 'after', 'person/color': kw('color/green') });
      expect(c).toBeGreaterThan(Math.max(ann, bob));
      expect((await again.transact([{ 'person/name': 'x' }])).dbAfter.basisT).toBe(db.basisT + 2);
      await again.close();
    });
  });
}
