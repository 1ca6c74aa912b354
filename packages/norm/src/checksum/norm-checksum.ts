import { kw } from '@datomkit/datom-core';
import { ednHashHex } from './edn-hash.js';

const TX_DATA = kw('tx-data');
const TX_FN = kw('tx-fn');

/**
 * The checksum of a parsed norm file, as Datahike computes it: the hasch SHA-512 of the map holding
 * only the file's `:tx-data` and `:tx-fn` entries (whichever are present). Whitespace, comments,
 * key order and any other key make no difference. `null` (an empty file) counts as `{}`.
 *
 * @example
 * ```ts
 * normChecksum(parseEdn('{:tx-fn datahike.norm.norm-test/tx-fn-test-fn}')) // '221bca61…'
 * ```
 */
export function normChecksum(parsed: unknown): string {
  const selected = new Map<unknown, unknown>();
  if (parsed instanceof Map) {
    for (const key of [TX_DATA, TX_FN]) if (parsed.has(key)) selected.set(key, parsed.get(key));
  }
  return ednHashHex(selected);
}
