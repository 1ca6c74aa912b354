import { connect, createDatabase, kw } from '@datomkit/datom-core';
import { describe, expect, it } from 'vitest';
import { incrementalRestore } from '../src/index.js';

describe('a session left half-made by a killed run', () => {
  it('is named and used by the next run, which completes the copy', async () => {
    for (const n of ['src', 'dst', 'state']) await createDatabase(`mem://session-recovery-${n}`);
    const sourceConn = await connect('mem://session-recovery-src');
    const destConn = await connect('mem://session-recovery-dst');
    const stateConn = await connect('mem://session-recovery-state');
    await sourceConn.transact('[{:db/ident :a/n :db/valueType :db.type/long :db/cardinality :db.cardinality/one}]');
    await sourceConn.transact('[{:a/n 1} {:a/n 2}]');
    // What a run killed right after creating its session leaves: the session, without its id.
    await incrementalRestore({ sourceConn, destConn: await emptyDest(), stateConn }).catch(() => undefined);
    const key = `${sourceConn.id} ${destConn.id}`;
    await stateConn.transact([{ 'datomkit.restore.state/key': key, 'datomkit.restore.state/source': sourceConn.id, 'datomkit.restore.state/dest': destConn.id }]);
    const session = await stateConn.db().entid([kw('datomkit.restore.state/key'), key]);
    expect(await stateConn.db().datoms('eavt', session as number, 'datomkit.restore.state/id').count()).toBe(0);

    const first = await incrementalRestore({ sourceConn, destConn, stateConn });
    expect(first.status).toBe('initial');
    expect(await stateConn.db().datoms('eavt', session as number, 'datomkit.restore.state/id').count()).toBe(1);
    expect(await destConn.db().datoms('aevt', 'a/n').count()).toBe(2);
  });
});

/** Runs one throwaway restore so that the state database has its schema installed. */
async function emptyDest() {
  await createDatabase('mem://session-recovery-scratch');
  return connect('mem://session-recovery-scratch');
}
