import type { Datom } from '../model/datom.js';

/**
 * The result of an index read. Iterate it with `for await` for convenience, or read it in
 * {@link DatomStream.batches} on a hot path, which costs one promise per batch, not per datom.
 *
 * @example
 * ```ts
 * for await (const batch of db.datoms('eavt').batches()) for (const d of batch) total++
 * ```
 */
export interface DatomStream extends AsyncIterable<Datom> {
  /** The datoms in index order, a few thousand at a time. */
  batches(): AsyncIterable<readonly Datom[]>;
  /** Every datom, in index order. */
  toArray(): Promise<Datom[]>;
  /** How many datoms there are. */
  count(): Promise<number>;
}
