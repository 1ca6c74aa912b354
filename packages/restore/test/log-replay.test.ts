import { isDatomError, kw } from '@datomkit/datom-core';
import { afterAll, describe, expect, test } from 'vitest';
import { LogReplay, RESTORE_ATTRS, SourceSchema, incrementalRestore, openReplaySession, readLog, verifyRestore } from '../src/index.js';
import { catalogConn, dropAll, freshConn } from './helpers.js';

afterAll(dropAll);

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
});
