import type { Database } from '@datomkit/datom-core';
import { isDatomError, kw } from '@datomkit/datom-core';
import { afterAll, describe, expect, it } from 'vitest';
import { currentStateRestore, incrementalRestore } from '../src/index.js';
import { catalogConn, dropAll, freshConn, instrumented } from './helpers.js';

afterAll(dropAll);

/** `db` whose n-th range read (through asOf values too) fails. */
function failingReads(db: Database, failAt: number): Database {
  let calls = 0;
  const wrap = (inner: Database): Database =>
    new Proxy(inner, {
      get(target, prop) {
        if (prop === 'asOf') return (x: number) => wrap(target.asOf(x));
        if (prop === 'seekDatoms') {
          return (...args: unknown[]) => {
            if (++calls === failAt) {
              return {
                // biome-ignore lint/correctness/useYield: it fails before yielding anything
                async *batches() {
                  throw new Error('disk on fire');
                },
              };
            }
            return target.seekDatoms(...(args as [never]));
          };
        }
        const v = Reflect.get(target, prop);
        return typeof v === 'function' ? v.bind(target) : v;
      },
    });
  return wrap(db);
}

const ticks = async (n: number) => {
  for (let i = 0; i < n; i++) await new Promise((r) => setImmediate(r));
};

describe('failures surface', () => {
  it('a writer error aborts the whole run with context, and no transaction follows it', async () => {
    const src = await catalogConn(3_000);
    let calls = 0;
    const dest = instrumented(await freshConn(), {
      before: (n) => {
        calls = n;
        if (n === 8) throw new Error('write failed');
      },
    });
    const err = await currentStateRestore({ sourceDb: src.db(), destConn: dest, maxBatchSize: 20, txParallelism: 4, readParallelism: 4, readChunk: 30 }).catch(
      (e: unknown) => e,
    );
    expect(isDatomError(err, 'restore/failed')).toBe(true);
    expect((err as Error).message).toContain('write failed');
    expect((err as { data: Record<string, unknown> }).data).toMatchObject({ step: 'copying the current state', stepsDone: ['session', 'schema'] });
    const at = calls;
    await ticks(20);
    expect(calls).toBe(at);
  });

  it('a reader error aborts the run, while writers wait on it', async () => {
    const src = await catalogConn(3_000);
    const dest = await freshConn();
    const err = await currentStateRestore({ sourceDb: failingReads(src.db(), 3), destConn: dest, readParallelism: 2, readChunk: 20 }).catch((e: unknown) => e);
    expect(isDatomError(err, 'restore/failed')).toBe(true);
    expect((err as Error).message).toContain('disk on fire');
  });

  it('a transaction the destination rejects fails the run with its own code', async () => {
    const src = await freshConn();
    await src.transact([{ 'db/ident': kw('u/k'), 'db/valueType': kw('db.type/string'), 'db/cardinality': kw('db.cardinality/one'), 'db/unique': kw('db.unique/value') }]);
    await src.transact([{ 'u/k': 'taken' }]);
    const dest = await freshConn();
    await dest.transact([{ 'db/ident': kw('u/k'), 'db/valueType': kw('db.type/string'), 'db/cardinality': kw('db.cardinality/one'), 'db/unique': kw('db.unique/value') }]);
    await dest.transact([{ 'u/k': 'taken' }]);
    const err = await currentStateRestore({ sourceDb: src.db(), destConn: dest, merge: true }).catch((e: unknown) => e);
    expect(isDatomError(err, 'transact/unique')).toBe(true);
  });

  it('aborting through the signal fails with restore/aborted', async () => {
    const src = await catalogConn(3_000);
    const dest = await freshConn();
    const ctl = new AbortController();
    const err = await currentStateRestore({
      sourceDb: src.db(),
      destConn: dest,
      maxBatchSize: 50,
      progressIntervalMs: 0,
      signal: ctl.signal,
      onProgress: (p) => {
        if (p.datomsWritten > 500) ctl.abort();
      },
    }).catch((e: unknown) => e);
    expect(isDatomError(err, 'restore/aborted')).toBe(true);
    // The interrupted copy resumes and completes.
    await currentStateRestore({ sourceDb: src.db(), destConn: dest });
  });

  it('a state database ahead of the destination is refused with restore/state-mismatch', async () => {
    const src = await catalogConn(600);
    const dest = await freshConn();
    const state = await freshConn();
    const first = await incrementalRestore({ sourceConn: src, destConn: dest, stateConn: state });
    const e = await state.db().entid([kw('datomkit.restore.state/id'), (await import('@datomkit/datom-core')).uuid(first.sessionId)]);
    await state.transact([['db/add', e as number, 'datomkit.restore.state/last-source-t', first.lastSourceT + 5]]);
    const err = await incrementalRestore({ sourceConn: src, destConn: dest, stateConn: state }).catch((x: unknown) => x);
    expect(isDatomError(err, 'restore/state-mismatch')).toBe(true);
  });
});

describe('a restore refuses databases that are not distinct (restore/same-database)', () => {
  it('a current-state copy into its own source, even with merge, and leaves it unchanged', async () => {
    const source = await catalogConn(300, 7);
    const before = await source.db().datoms('eavt').count();
    const err = await currentStateRestore({ sourceDb: source.db(), destConn: source, merge: true }).catch((e: unknown) => e);
    expect(isDatomError(err, 'restore/same-database')).toBe(true);
    expect((err as Error).message).toMatch(/destination database is the source database/);
    expect(await source.db().datoms('eavt').count()).toBe(before);
  });

  it.each([
    ['destination', 'source'],
    ['state', 'source'],
    ['state', 'destination'],
  ])('an incremental restore whose %s is its %s', async (role, other) => {
    const source = await catalogConn(300, 8);
    const dest = await freshConn('same-dest');
    const state = await freshConn('same-state');
    const conns: Record<string, typeof source> = { source, destination: dest, state };
    conns[role] = conns[other]!;
    const before = await source.db().datoms('eavt').count();
    const err = await incrementalRestore({ sourceConn: conns.source!, destConn: conns.destination!, stateConn: conns.state! }).catch((e: unknown) => e);
    expect(isDatomError(err, 'restore/same-database')).toBe(true);
    expect((err as Error).message).toContain(`The ${role} database is the ${other} database`);
    expect(await source.db().datoms('eavt').count()).toBe(before);
  });
});
