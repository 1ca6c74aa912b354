import { describe } from 'vitest';
import type { ConformanceOptions, MakeConn } from './helpers.js';
import { describeDifferential } from './differential.js';
import { describeEntity } from './entity.js';
import { describeModel } from './model.js';
import { describeProperties } from './properties.js';
import { describeReading } from './reading.js';
import { describeTransactions } from './transactions.js';

export type { ConformanceOptions, MakeConn } from './helpers.js';

/**
 * The conformance suite of datom-core: every scenario runs on connections from `makeConn`, so the
 * same suite checks every storage backend. Each `makeConn()` call must give a new, empty database.
 *
 * @example
 * ```ts
 * describeConformance('mem', async () => {
 *   const uri = `mem://t-${++n}`
 *   await createDatabase(uri)
 *   return connect(uri)
 * })
 * ```
 */
export function describeConformance(name: string, makeConn: MakeConn, options: ConformanceOptions = {}): void {
  describe(`conformance: ${name}`, () => {
    describeModel(makeConn, options);
    describeTransactions(makeConn);
    describeReading(makeConn, options);
    describeEntity(makeConn);
    describeProperties(makeConn);
    describeDifferential(makeConn);
  });
}
