import { type Connection, type Datom, type TxLogEntry, isDatomError, kw } from '@datomkit/datom-core';
import { afterAll, describe, expect, test } from 'vitest';
import { LogColumns, LogReplay, RESTORE_ATTRS, SourceSchema, incrementalRestore, openReplaySession, readLog, verifyRestore } from '../src/index.js';
import { catalogConn, dropAll, freshConn } from './helpers.js';

afterAll(dropAll);

async function logOf(sourceConn: Connection): Promise<TxLogEntry[]> {
  const out: TxLogEntry[] = [];
  for await (const entry of readLog({ sourceConn, fromT: 1 })) out.push(entry);
  return out;
}

describe('openReplaySession and LogReplay', () => {
  test('a whole log replayed from t 0 gives an equal copy, which incrementalRestore then catches up', async () => {
    const source = await catalogConn(800);
    const dest = await freshConn('dest');
    const session = await openReplaySession(dest, source.id);
    expect(session).toMatchObject({ basisT: 0, lastT: 0 });
    const replay = new LogReplay({ destConn: dest, schema: await SourceSchema.load(dest.db(), 0), session });
    for await (const entry of readLog({ sourceConn: source, fromT: 1 })) await replay.replay(entry);
    expect(replay.lastT).toBe(source.db().basisT);
    expect((await verifyRestore(source.db(), dest.db())).equal).toBe(true);
    await source.transact([{ 'artist/name': 'Late' }]);
    const r = await incrementalRestore({ sourceConn: source, destConn: dest, stateConn: await freshConn('state') });
    expect(r).toMatchObject({ status: 'incremental', transactionsReplayed: 1 });
    expect((await verifyRestore(source.db(), dest.db())).equal).toBe(true);
    // Replaying a transaction the destination holds is refused before anything is written.
    const again = new LogReplay({ destConn: dest, schema: await SourceSchema.load(source.db(), 1), session: (await openReplaySession(dest, source.id)) });
    const first = (await readLog({ sourceConn: source, fromT: 1, toT: 1 }).next()).value;
    await expect(again.replay(first!)).rejects.toSatisfy((e) => isDatomError(e, 'restore/state-mismatch'));
  });

  test('a destination with other data is refused; a session cut off after its first step is completed', async () => {
    const busy = await freshConn('busy');
    await busy.transact([{ 'db/ident': kw('x/y'), 'db/valueType': kw('db.type/long'), 'db/cardinality': kw('db.cardinality/one') }]);
    await expect(openReplaySession(busy, 'src')).rejects.toSatisfy((e) => isDatomError(e, 'restore/dest-not-empty'));
    const cut = await freshConn('cut');
    await openReplaySession(cut, 'other');
    await cut.transact([{ [RESTORE_ATTRS.sessionSource]: 'src', [RESTORE_ATTRS.sessionBasisT]: 0 }]);
    expect(await openReplaySession(cut, 'src')).toMatchObject({ lastT: 0 });
    const copying = await freshConn('copying');
    await openReplaySession(copying, 'other');
    await copying.transact([{ [RESTORE_ATTRS.sessionSource]: 'src', [RESTORE_ATTRS.sessionBasisT]: 7 }]);
    await expect(openReplaySession(copying, 'src')).rejects.toSatisfy((e) => isDatomError(e, 'restore/state-mismatch'));
  });

  test('replayBatch commits runs of data-only transactions together, equal to replaying them one by one; a second replay from the same watermark fails', async () => {
    const source = await catalogConn(2000, 3, 50);
    const [artist] = await source.db().datoms('aevt', 'artist/name').toArray();
    await source.transact([['db/add', artist!.e, 'artist/name', 'Renamed']]); // changes an artist of an earlier run
    await source.transact([{ 'db/id': 'datomic.tx', 'db/doc': 'why' }, { 'artist/name': 'With metadata' }]);
    await source.transact([{ 'artist/name': 'Last' }]);
    const entries = await logOf(source);
    const dest = await freshConn('batch');
    const session = await openReplaySession(dest, source.id);
    const replay = new LogReplay({ destConn: dest, schema: await SourceSchema.load(dest.db(), 0), session });
    const [schemaTx, ...data] = entries as [TxLogEntry, ...TxLogEntry[]];
    await replay.replayBatch([schemaTx]);
    // A rival replay at the same watermark, about to write the same data-only run.
    const rivalSchema = await SourceSchema.load(dest.db(), 0);
    rivalSchema.apply(schemaTx.data, schemaTx.t);
    const rival = new LogReplay({ destConn: dest, schema: rivalSchema, session: (await openReplaySession(dest, source.id)) });
    const before = dest.db().basisT;
    await replay.replayBatch(data);
    expect(replay.lastT).toBe(source.db().basisT);
    expect((await verifyRestore(source.db(), dest.db())).equal).toBe(true);
    // Fewer destination transactions than source ones: the data-only runs shared commits.
    expect(dest.db().basisT - before).toBeLessThan(data.length / 2);
    // The transaction with metadata kept its own destination transaction, with its source t.
    const docs = (await dest.db().datoms('aevt', 'db/doc').toArray()).filter((d) => d.v === 'why');
    expect(docs).toHaveLength(1);
    expect(await dest.db().datoms('eavt', docs[0]!.e, RESTORE_ATTRS.sourceT).toArray()).toHaveLength(1);
    // The rival read the same watermark: its first commit must fail, whichever way it writes.
    await expect(rival.replayBatch(data)).rejects.toSatisfy((e) => isDatomError(e, 'transact/'));
    expect((await verifyRestore(source.db(), dest.db())).equal).toBe(true);
  });

  test('replayColumns replays a range of its columns: a log in three ranges gives the copy the whole log gives', async () => {
    const source = await catalogConn(600, 6, 40);
    const [artist] = await source.db().datoms('aevt', 'artist/name').toArray();
    await source.transact([['db/add', artist!.e, 'artist/name', 'Renamed']]);
    const cols = LogColumns.of(await logOf(source));
    const dest = await freshConn('ranges');
    const replay = new LogReplay({ destConn: dest, schema: await SourceSchema.load(dest.db(), 0), session: await openReplaySession(dest, source.id) });
    const [a, b] = [Math.floor(cols.count / 3), Math.floor((2 * cols.count) / 3)];
    await replay.replayColumns(cols, 0, a);
    expect(replay.lastT).toBe(cols.t[a - 1]);
    await replay.replayColumns(cols, a, b);
    await replay.replayColumns(cols, b);
    expect(replay.lastT).toBe(source.db().basisT);
    expect((await verifyRestore(source.db(), dest.db())).equal).toBe(true);
    // A range the destination holds already is refused, naming its first t.
    await expect(replay.replayColumns(cols, b, b + 1)).rejects.toSatisfy((e) => isDatomError(e, 'restore/state-mismatch') && e.data.t === cols.t[b]);
  });

  test('cardinality-one changes of entities from earlier runs join runs; an entity changed twice in a run splits it', async () => {
    const source = await catalogConn(1000, 5, 50);
    const artists = (await source.db().datoms('aevt', 'artist/name').toArray()).map((d) => d.e);
    const firstName = (await source.db().datoms('eavt', artists[0]!, 'artist/name').toArray())[0]!.v;
    const load = source.db().basisT;
    // Renames of loaded artists, one per transaction, the first artist renamed twice in a row.
    await source.transact([['db/add', artists[0]!, 'artist/name', 'First rename']]);
    await source.transact([['db/add', artists[0]!, 'artist/name', 'Second rename']]);
    expect(artists.length).toBeGreaterThan(5);
    for (let i = 1; i < artists.length; i++) await source.transact([['db/add', artists[i]!, 'artist/name', `Renamed ${i}`]]);
    const entries = await logOf(source);
    const dest = await freshConn('changes');
    const replay = new LogReplay({ destConn: dest, schema: await SourceSchema.load(dest.db(), 0), session: await openReplaySession(dest, source.id) });
    await replay.replayBatch(entries.filter((e) => e.t <= load));
    const before = dest.db().basisT;
    await replay.replayBatch(entries.filter((e) => e.t > load));
    expect((await verifyRestore(source.db(), dest.db())).equal).toBe(true);
    // All of them in 2 destination transactions: the second rename of the first artist starts a new run.
    expect(dest.db().basisT - before).toBe(2);
    // The history keeps every value with its retraction, as the source's does.
    const destArtist = (await dest.db().datoms('avet', 'artist/name', 'Second rename').toArray())[0]!.e;
    const history = await dest.db().history().datoms('eavt', destArtist, 'artist/name').toArray();
    const values = (added: boolean) => history.filter((d) => d.added === added).map((d) => d.v).sort();
    expect(values(true)).toEqual([firstName, 'First rename', 'Second rename'].sort());
    expect(values(false)).toEqual([firstName, 'First rename'].sort());
  });

  test('segments split by a repeated change share one commit; an entity an uncommitted segment creates is named by later ones, never created twice', async () => {
    const source = await catalogConn(600, 6, 50);
    const [x] = (await source.db().datoms('aevt', 'artist/name').toArray()).map((d) => d.e);
    const load = source.db().basisT;
    await source.transact([['db/add', x!, 'artist/name', 'X1']]);
    await source.transact([['db/add', x!, 'artist/name', 'X2']]); // x changed again: a new segment
    const y = (await source.transact([{ 'db/id': 'y', 'artist/name': 'Y' }])).tempids.y as number; // joins it
    await source.transact([['db/add', x!, 'artist/name', 'X3']]); // a third segment
    await source.transact([['db/add', y, 'artist/startYear', 1970]]); // y is not committed yet: named by its place in the commit
    await source.transact([['db/add', x!, 'artist/name', 'X4']]);
    const entries = await logOf(source);
    const dest = await freshConn('segments');
    const replay = new LogReplay({ destConn: dest, schema: await SourceSchema.load(dest.db(), 0), session: await openReplaySession(dest, source.id) });
    await replay.replayBatch(entries.filter((e) => e.t <= load));
    const commits: number[] = [];
    const all = dest.bulkLoadAll!.bind(dest);
    dest.bulkLoadAll = (batches) => {
      commits.push(batches.length);
      return all(batches);
    };
    const before = dest.db().basisT;
    await replay.replayBatch(entries.filter((e) => e.t > load));
    expect((await verifyRestore(source.db(), dest.db())).equal).toBe(true);
    // Four segments, all in one commit: y's year and the last rename in the fourth.
    expect(commits).toEqual([4]);
    expect(dest.db().basisT - before).toBe(4);
    // One artist Y, with its year; every name of x in the history, each on its own destination transaction.
    const ys = await dest.db().datoms('avet', 'artist/name', 'Y').toArray();
    expect(ys).toHaveLength(1);
    expect((await dest.db().datoms('eavt', ys[0]!.e, 'artist/startYear').toArray()).map((d) => d.v)).toEqual([1970]);
    const destX = (await dest.db().datoms('avet', 'artist/name', 'X4').toArray())[0]!.e;
    const added = (await dest.db().history().datoms('eavt', destX, 'artist/name').toArray()).filter((d) => d.added && String(d.v).startsWith('X'));
    expect(added.map((d) => d.v).sort()).toEqual(['X1', 'X2', 'X3', 'X4']);
    expect(new Set(added.map((d) => d.tx)).size).toBe(4);
  });

  test('a load reaches the bulk load in [e a] order, forward refs included, so that it is not sorted again', async () => {
    const source = await catalogConn(600, 7, 50);
    const entries = await logOf(source);
    // The catalog's load holds refs to entities its transaction asserts further on.
    expect(entries.some((x) => x.data.some((d) => d.added && typeof d.v === 'number' && d.v > d.e && d.v < x.tx && x.data.some((o) => o.e === d.v)))).toBe(true);
    const dest = await freshConn('in-order');
    const replay = new LogReplay({ destConn: dest, schema: await SourceSchema.load(dest.db(), 0), session: await openReplaySession(dest, source.id) });
    const all = dest.bulkLoadAll!.bind(dest);
    let batches = 0;
    dest.bulkLoadAll = (bs) => {
      for (const b of bs) {
        // The order of the destination's entity of each row: the batch's new entities come after all
        // others (new entity k the k-th), the earlier batches' before them, existing ones first.
        const entity = (x: number) => (x >= 0 ? x : -x <= b.newEntities ? 2 ** 50 - x : 2 ** 49 - x);
        for (let i = 1; i < b.e.length; i++) {
          const [p, q] = [entity(b.e[i - 1]!), entity(b.e[i]!)];
          expect(p < q || (p === q && b.a[i - 1]! <= b.a[i]!), `row ${i} of ${b.e.length}`).toBe(true);
        }
        batches++;
      }
      return all(bs);
    };
    // Segments of at most 300 datoms: several batches, the later ones naming the earlier ones' entities.
    await replay.replayBatch(entries, 300);
    expect(batches).toBeGreaterThan(1);
    expect((await verifyRestore(source.db(), dest.db())).equal).toBe(true);
  });

  test.each([true, false])('a segment refers to entities an earlier segment of its commit creates, as entity and as ref (bulkLoadAll: %s)', async (groupCommit) => {
    const source = await catalogConn(300, 4, 50);
    const [x] = (await source.db().datoms('aevt', 'artist/name').toArray()).map((d) => d.e);
    const load = source.db().basisT;
    await source.transact([['db/add', x!, 'artist/name', 'X1']]);
    const made = await source.transact([
      { 'db/id': 'y', 'artist/name': 'Y' },
      { 'db/id': 'z', 'artist/name': 'Z' },
    ]);
    const [y, z] = [made.tempids.y as number, made.tempids.z as number];
    await source.transact([['db/add', x!, 'artist/name', 'X2']]); // x changed again: a new segment
    // The new segment names y and z: a release crediting both, z's year, and a release of its own crediting y.
    await source.transact([{ 'release/name': 'R', 'release/artists': [y, z] }, ['db/add', z, 'artist/startYear', 1971]]);
    await source.transact([{ 'db/id': 'r2', 'release/name': 'R2', 'release/artists': [y] }]);
    const entries = await logOf(source);
    const dest = await freshConn(`earlier-${groupCommit}`);
    if (!groupCommit) (dest as { bulkLoadAll?: unknown }).bulkLoadAll = undefined;
    const replay = new LogReplay({ destConn: dest, schema: await SourceSchema.load(dest.db(), 0), session: await openReplaySession(dest, source.id) });
    await replay.replayBatch(entries.filter((e) => e.t <= load));
    const before = dest.db().basisT;
    await replay.replayBatch(entries.filter((e) => e.t > load));
    // Two segments, two destination transactions.
    expect(dest.db().basisT - before).toBe(2);
    expect((await verifyRestore(source.db(), dest.db())).equal).toBe(true);
    const one = async (name: string) => {
      const found = await dest.db().datoms('avet', 'artist/name', name).toArray();
      expect(found).toHaveLength(1);
      return found[0]!.e;
    };
    const [dy, dz] = [await one('Y'), await one('Z')];
    expect((await dest.db().datoms('eavt', dz, 'artist/startYear').toArray()).map((d) => d.v)).toEqual([1971]);
    const credited = async (release: string) => {
      const r = (await dest.db().datoms('avet', 'release/name', release).toArray())[0]!.e;
      return (await dest.db().datoms('eavt', r, 'release/artists').toArray()).map((d) => d.v).sort();
    };
    expect(await credited('R')).toEqual([dy, dz].sort());
    expect(await credited('R2')).toEqual([dy]);
  });

  test.each([3, 35])('a retraction without a new value beside it keeps its transaction out of a group (%i renames beside it)', async (renames) => {
    const source = await catalogConn(4000, 5, 50);
    const artists = (await source.db().datoms('aevt', 'artist/name').toArray()).map((d) => d.e);
    expect(artists.length).toBeGreaterThan(renames + 1);
    const load = source.db().basisT;
    const [gone] = await source.db().datoms('eavt', artists[0]!, 'artist/name').toArray();
    // Renames (each a retraction and an assertion) and one name retracted with nothing in its place:
    // 35 renames make a transaction of more than 64 datoms.
    const renamed = artists.slice(1, renames + 1).map((e, i): ['db/add', number, string, string] => ['db/add', e, 'artist/name', `R${i}`]);
    await source.transact([...renamed, ['db/retract', artists[0]!, 'artist/name', gone!.v as string]]);
    const entries = await logOf(source);
    const dest = await freshConn(`lone-retraction-${renames}`);
    const replay = new LogReplay({ destConn: dest, schema: await SourceSchema.load(dest.db(), 0), session: await openReplaySession(dest, source.id) });
    await replay.replayBatch(entries.filter((e) => e.t <= load));
    await replay.replayBatch(entries.filter((e) => e.t > load));
    // A bulk load writes no lone retraction: had the transaction joined a group, the old name would still be there.
    expect((await verifyRestore(source.db(), dest.db())).equal).toBe(true);
    const names = await dest.db().datoms('avet', 'artist/name', gone!.v as string).toArray();
    expect(names).toHaveLength(0);
  });

  test.each([true, false])('a run the bulk load refuses is replayed one transaction at a time (bulkLoadAll: %s)', async (groupCommit) => {
    const source = await catalogConn(300, 4, 50);
    const [artist] = await source.db().datoms('aevt', 'artist/name').toArray();
    await source.transact([['db/add', artist!.e, 'artist/name', 'Renamed']]);
    const entries = await logOf(source);
    const dest = await freshConn('fallback');
    // Without bulkLoadAll, each segment is its own bulkLoad.
    if (!groupCommit) dest.bulkLoadAll = undefined;
    const session = await openReplaySession(dest, source.id);
    // Without its retraction the rename only asserts, so it joins the run that created the artist's
    // name: two values of a cardinality-one attribute in one bulk load.
    const dropRetractions = (datoms: readonly Datom[]) => datoms.filter((d) => d.added);
    const replay = new LogReplay({ destConn: dest, schema: await SourceSchema.load(dest.db(), 0), session, transforms: [dropRetractions] });
    await replay.replayBatch(entries);
    expect((await verifyRestore(source.db(), dest.db())).equal).toBe(true);
  });
});
