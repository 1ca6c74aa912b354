import { FIRST_USER_EID, TX_BASE } from '@datomkit/datom-core';
import { fc, test } from '@fast-check/vitest';
import { afterAll, describe, expect } from 'vitest';
import { IdMapping } from '../src/index.js';
import { dropAll, freshConn } from './helpers.js';

afterAll(dropAll);

// Source ids of every kind the cache keeps apart: built-ins, the dense run after FIRST_USER_EID
// (near its start and near its end), far-off entities and transactions.
const sourceId = fc.oneof(
  fc.integer({ min: 0, max: FIRST_USER_EID - 1 }),
  fc.integer({ min: FIRST_USER_EID, max: FIRST_USER_EID + 5000 }),
  fc.integer({ min: FIRST_USER_EID + (1 << 22) - 3, max: FIRST_USER_EID + (1 << 22) + 3 }),
  fc.integer({ min: FIRST_USER_EID + (1 << 22), max: TX_BASE - 1 }),
  fc.integer({ min: TX_BASE, max: TX_BASE + 1000 }),
);

describe('IdMapping', () => {
  // The cache needs its connection only to look up what it lacks, which a complete mapping never does.
  const conn = freshConn('map');

  test.prop([fc.array(fc.tuple(sourceId, fc.integer({ min: 0, max: TX_BASE + 1000 })), { maxLength: 200 }), fc.array(sourceId, { maxLength: 50 })], { numRuns: 100 })(
    'get, size and entries agree with a map of what was set (built-ins map to themselves)',
    async (sets, probes) => {
      const m = new IdMapping(await conn, { complete: true });
      const model = new Map<number, number>();
      for (const [src, dest] of sets) {
        m.set(src, dest);
        model.set(src, dest);
      }
      for (const src of [...probes, ...model.keys()]) expect(m.get(src)).toBe(src < FIRST_USER_EID ? src : model.get(src));
      expect(m.size).toBe(model.size);
      expect(new Map(m.entries())).toEqual(model);
      expect([...m.entries()].length).toBe(model.size);
    },
    // Ids near the end of the array's range make it 32 MB, which entries() walks.
    60_000,
  );
});
