import type { Connection, TxLogEntry } from '@datomkit/datom-core';
import { checkAborted } from './internal/abort.js';

/**
 * Options of {@link readLog}.
 *
 * @example
 * ```ts
 * const options: ReadLogOptions = { sourceConn, fromT: basisT + 1 }
 * ```
 */
export interface ReadLogOptions {
  readonly sourceConn: Connection;
  /** The first t to read (a catch-up starts at the basis t + 1). */
  readonly fromT: number;
  /** The last t to read, inclusive; default the source's basis when the read starts. */
  readonly toT?: number;
  readonly signal?: AbortSignal;
}

/**
 * The log reader: the source's transactions from `fromT` to `toT` (inclusive), in order. The end is
 * fixed when reading starts, so transactions committed meanwhile wait for the next catch-up.
 *
 * @example
 * ```ts
 * for await (const tx of readLog({ sourceConn, fromT: basisT + 1 })) console.log(tx.t, tx.data.length)
 * ```
 */
export async function* readLog(options: ReadLogOptions): AsyncGenerator<TxLogEntry> {
  const toT = options.toT ?? options.sourceConn.db().basisT;
  if (toT < options.fromT) return;
  for await (const entry of options.sourceConn.txRange({ start: options.fromT, end: toT + 1 })) {
    checkAborted(options.signal, `reading source transaction ${entry.t}`);
    yield entry;
  }
}
