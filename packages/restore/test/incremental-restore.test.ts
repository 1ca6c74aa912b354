import { type Database, kw } from '@datomkit/datom-core';
import { afterAll, describe, expect, it } from 'vitest';
import { incrementalRestore, verifyRestore } from '../src/index.js';
import { hardCases } from './fixtures.js';
import { catalogConn, dropAll, duplicatesOf, freshConn } from './helpers.js';

afterAll(dropAll);

const attr = (ident: string, type: string, card = 'one') => ({
  'db/ident': kw(ident),
  'db/valueType': kw(`db.type/${type}`),
  'db/cardinality': kw(`db.cardinality/${card}`),
});

async function expectSame(src: Database, dest: Database): Promise<void> {
  const v = await verifyRestore(src, dest);
  expect(v.differences).toEqual([]);
  expect(v.equal).toBe(true);
}

describe('incrementalRestore', () => {
  it('copies, then replays schema created, renamed and altered in the log, retractions, retractEntity, card-one replacement, tuples and tx metadata', async () => {
    const src = await freshConn();
    const ids = await hardCases(src);
    const dest = await freshConn();
    const state = await freshConn();
    const first = await incrementalRestore({ sourceConn: src, destConn: dest, stateConn: state });
    expect(first).toMatchObject({ status: 'initial', transactionsReplayed: 0, lastSourceT: src.db().basisT });
    await expectSame(src.db(), dest.db());
    // Attribute ids differ between the two databases: types must come from the source schema.
    expect(dest.db().attribute('node/next')?.id).not.toBe(src.db().attribute('node/next')?.id);

    const a = ids.a as number;
    const b = ids.b as number;
    const x1 = ids.x1 as number;
    await src.transact([attr('node/score', 'long'), attr('node/tags', 'keyword', 'many'), attr('node/via', 'ref'), attr('audit/by', 'string')]);
    await src.transact([
      ['db/add', a, 'node/score', 1],
      ['db/add', a, 'node/tags', kw('t/x')],
      ['db/add', a, 'node/tags', kw('t/y')],
      { 'db/id': 'new', 'node/name': 'new', 'node/next': a, 'node/via': 'new2' },
      { 'db/id': 'new2', 'node/next': 'new' },
      ['db/add', 'datomic.tx', 'audit/by', 'ann'],
    ]);
    const t1 = src.db().basisT;
    await src.transact([['db/add', a, 'node/score', 2], ['db/retract', a, 'node/tags', kw('t/x')], ['db/add', a, 'node/name', 'A']]);
    await src.transact([{ 'db/id': kw('node/score'), 'db/ident': kw('node/rank') }]);
    await src.transact([{ 'db/id': kw('node/rank'), 'db/cardinality': kw('db.cardinality/many') }, ['db/add', b, 'node/rank', 9]]);
    await src.transact([['db/retractEntity', x1]]);
    await src.transact([['db/add', b, 'node/pair', [a, 'changed', null]]]);
    // A ref to a transaction replayed before: it lands on the destination's replaying transaction.
    await src.transact([attr('audit/of', 'ref')]);
    await src.transact([{ 'audit/of': src.db().tToTx(t1), 'node/name': 'audit' }]);

    const second = await incrementalRestore({ sourceConn: src, destConn: dest, stateConn: state });
    expect(second).toMatchObject({ status: 'incremental', sessionId: first.sessionId, transactionsReplayed: 9, lastSourceTx: src.db().tToTx(src.db().basisT) });
    expect(second.unmappable).toMatchObject({ danglingRefs: 0, txEntityRefs: 0 });
    await expectSame(src.db(), dest.db());
    const auditRef = (await dest.db().datoms('aevt', 'audit/of').toArray())[0]?.v as number;
    expect(await dest.db().datoms('eavt', auditRef, 'audit/by').toArray()).toHaveLength(1);
    expect(dest.db().attribute('node/score')?.ident).toEqual(kw('node/rank'));

    const third = await incrementalRestore({ sourceConn: src, destConn: dest, stateConn: state });
    expect(third).toMatchObject({ status: 'incremental', transactionsReplayed: 0, sessionId: first.sessionId });
  });

  it('one basis: writes made during the initial copy appear exactly once after the next call', async () => {
    const src = await catalogConn(3_000);
    const dest = await freshConn();
    const state = await freshConn();
    let wrote = 0;
    const first = await incrementalRestore({
      sourceConn: src,
      destConn: dest,
      stateConn: state,
      maxBatchSize: 100,
      progressIntervalMs: 0,
      onProgress: (p) => {
        if (p.phase === 'current-state' && wrote < 3) {
          wrote++;
          void src.transact([{ 'artist/name': `During ${wrote}` }]);
        }
      },
    });
    expect(wrote).toBe(3);
    expect(first.lastSourceT).toBeLessThan(src.db().basisT);
    const second = await incrementalRestore({ sourceConn: src, destConn: dest, stateConn: state });
    expect(second.transactionsReplayed).toBe(3);
    await expectSame(src.db(), dest.db());
    expect(await duplicatesOf(dest, 'artist/name')).toBe(await duplicatesOf(src, 'artist/name'));
    const during = (await dest.db().datoms('aevt', 'artist/name').toArray()).filter((d) => String(d.v).startsWith('During'));
    expect(during).toHaveLength(3);
  });

  it('keys sessions by the durable identities of source and destination', async () => {
    const src = await catalogConn(400);
    const state = await freshConn();
    const d1 = await freshConn();
    const d2 = await freshConn();
    const r1 = await incrementalRestore({ sourceConn: src, destConn: d1, stateConn: state });
    const r2 = await incrementalRestore({ sourceConn: src, destConn: d2, stateConn: state });
    expect(r1.sessionId).not.toBe(r2.sessionId);
    const again = await incrementalRestore({ sourceConn: src, destConn: d1, stateConn: state });
    expect(again.sessionId).toBe(r1.sessionId);
    expect(again.status).toBe('incremental');
  });

  it('applies pipeline stages during replay too (excluded attribute, scrubbed value)', async () => {
    const { selectAttributes, transformValues } = await import('../src/index.js');
    const src = await freshConn();
    await src.transact([attr('user/name', 'string'), attr('user/email', 'string'), attr('user/secret', 'string')]);
    await src.transact([{ 'user/name': 'ann', 'user/email': 'ann@x.org', 'user/secret': 's1' }]);
    const dest = await freshConn();
    const state = await freshConn();
    const transforms = [selectAttributes({ exclude: ['user/secret'] }), transformValues({ 'user/email': (_v, d) => `user-${d.e}@example.invalid` })];
    await incrementalRestore({ sourceConn: src, destConn: dest, stateConn: state, transforms });
    await src.transact([{ 'user/name': 'bob', 'user/email': 'bob@x.org', 'user/secret': 's2' }]);
    const ann = (await src.db().datoms('aevt', 'user/name').toArray())[0]?.e as number;
    await src.transact([['db/retract', ann, 'user/email', 'ann@x.org']]);
    await incrementalRestore({ sourceConn: src, destConn: dest, stateConn: state, transforms });
    expect(await dest.db().datoms('aevt', 'user/secret').count()).toBe(0);
    const emails = (await dest.db().datoms('aevt', 'user/email').toArray()).map((d) => d.v);
    expect(emails).toHaveLength(1);
    expect(String(emails[0])).toMatch(/@example\.invalid$/);
    const v = await verifyRestore(src.db(), dest.db(), { ignore: ['user/secret'], countOnly: ['user/email'] });
    expect(v.equal).toBe(true);
  });
  it('a copy can itself be the source of another copy: its bookkeeping is never copied', async () => {
    const src = await catalogConn(1_500);
    const copy1 = await freshConn();
    const copy2 = await freshConn();
    const state = await freshConn();
    await incrementalRestore({ sourceConn: src, destConn: copy1, stateConn: state });
    await incrementalRestore({ sourceConn: copy1, destConn: copy2, stateConn: state });
    await src.transact([{ 'artist/name': 'second generation' }]);
    await incrementalRestore({ sourceConn: src, destConn: copy1, stateConn: state });
    const r = await incrementalRestore({ sourceConn: copy1, destConn: copy2, stateConn: state });
    expect(r.transactionsReplayed).toBe(1);
    await expectSame(copy1.db(), copy2.db());
    expect(await copy2.db().datoms('aevt', 'datomkit.restore.session/source').count()).toBe(1);
  });
  it('reports refs it cannot map during replay (a transaction before the basis, an entity with no datoms) and keeps them', async () => {
    const src = await freshConn();
    await src.transact([attr('doc/name', 'string'), attr('doc/ref', 'ref', 'many')]);
    const early = await src.transact([{ 'db/id': 'g', 'doc/name': 'gone' }]);
    const gone = early.tempids.g as number;
    const earlyTx = early.tempids['datomic.tx'] as number;
    await src.transact([['db/retractEntity', gone]]);
    const dest = await freshConn();
    const state = await freshConn();
    await incrementalRestore({ sourceConn: src, destConn: dest, stateConn: state });
    await src.transact([{ 'doc/name': 'holder', 'doc/ref': [earlyTx, gone] }]);
    const r = await incrementalRestore({ sourceConn: src, destConn: dest, stateConn: state });
    expect(r.unmappable).toMatchObject({ txEntityRefs: 1, danglingRefs: 1 });
    expect(await dest.db().datoms('aevt', 'doc/ref').count()).toBe(2);
    await expectSame(src.db(), dest.db());
  });
});

