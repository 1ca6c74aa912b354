import { RandomSource, randomScenario } from '@datomkit/testkit';
import { fc, test } from '@fast-check/vitest';
import { afterAll, describe, expect } from 'vitest';
import { currentStateRestore, incrementalRestore, verifyRestore } from '../src/index.js';
import { dropAll, freshConn } from './helpers.js';

afterAll(dropAll);

const NUM_RUNS = Number(process.env.RESTORE_PROP_RUNS ?? 40);

// The restores' own rules are about refs, tuples, uniqueness and renames: those types, no metadata.
const scenario = fc.record({
  base: randomScenario({ types: ['string', 'long', 'boolean', 'keyword', 'ref', 'pair', 'refs'], minOps: 15, maxOps: 80 }),
  maxBatchSize: fc.integer({ min: 1, max: 30 }),
  txParallelism: fc.integer({ min: 1, max: 4 }),
  readParallelism: fc.integer({ min: 1, max: 4 }),
  readChunk: fc.integer({ min: 1, max: 20 }),
});

describe('random schema, random history', () => {
  test.prop([scenario], { numRuns: NUM_RUNS })('restore then verifyRestore reports no difference (current state, and initial + incremental)', async (s) => {
    const { schema, history, split: at } = s.base;
    const src = new RandomSource(await freshConn('prop-src'), { txMeta: false });
    for (const spec of schema) await src.addAttr(spec);
    const split = at % (history.length + 1);
    for (const o of history.slice(0, split)) await src.apply(o);
    const dest = await freshConn('prop-dest');
    const state = await freshConn('prop-state');
    const opts = { maxBatchSize: s.maxBatchSize, txParallelism: s.txParallelism, readParallelism: s.readParallelism, readChunk: s.readChunk };
    await incrementalRestore({ sourceConn: src.conn, destConn: dest, stateConn: state, ...opts });
    for (const o of history.slice(split)) await src.apply(o);
    await incrementalRestore({ sourceConn: src.conn, destConn: dest, stateConn: state, ...opts });
    const incremental = await verifyRestore(src.conn.db(), dest.db());
    expect(incremental.differences).toEqual([]);

    const copy = await freshConn('prop-copy');
    await currentStateRestore({ sourceDb: src.conn.db(), destConn: copy, ...opts });
    const snapshot = await verifyRestore(src.conn.db(), copy.db());
    expect(snapshot.differences).toEqual([]);
    expect(snapshot.equal && incremental.equal).toBe(true);
  });
});
