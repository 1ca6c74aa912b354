import { type Connection, type Database, DatomError, type TxData } from '@datomkit/datom-core';
import type { NormFile } from '../norm/norm-file.js';

/**
 * What a norm's tx-fn receives besides the connection.
 *
 * @example
 * ```ts
 * const fn: NormTxFn = async (_conn, { db }) => [['db/add', 'x', 'artist/name', 'Nina']]
 * ```
 */
export interface NormTxFnContext {
  /**
   * The database the fn should read: the current one, or during a dry run the speculative one
   * with the earlier pending norms applied.
   */
  readonly db: Database;
  /** The norm being applied. */
  readonly norm: NormFile;
  /** For a batched fn being resumed after an interruption: how many batches are already committed. */
  readonly batchesDone: number;
  /** True during {@link dryRun}: nothing will be committed, and `conn.transact` refuses. */
  readonly dryRun: boolean;
}

/**
 * What a tx-fn returns: transaction data appended to its norm's transaction (`null` for none),
 * or, for a large data migration, an async iterable of batches, each committed in its own
 * transaction (see the README on what that means for once-and-only-once).
 *
 * @example
 * ```ts
 * const result: NormTxFnResult = [{ 'db/id': 'x', 'artist/name': 'Nina' }]
 * ```
 */
export type NormTxFnResult = TxData | readonly unknown[] | null | undefined | AsyncIterable<TxData | readonly unknown[]>;

/**
 * A norm's tx-fn, named in the norm file by a qualified symbol (`:tx-fn my.app/backfill`) and
 * looked up in the registry the caller passes. Like Datahike's it gets the connection and runs
 * before its norm's transaction, so it sees earlier norms but not its own `:tx-data`; read through
 * `context.db` rather than `conn.db()` so that dry runs see the speculative database.
 *
 * @example
 * ```ts
 * const lowerCase: NormTxFn = async (_conn, { db }) =>
 *   (await db.datoms('aevt', 'character/place-of-occupation').toArray())
 *     .map((d) => ['db/add', d.e, 'character/place-of-occupation', String(d.v).toLowerCase()] as const)
 * ```
 */
export type NormTxFn = (conn: Connection, context: NormTxFnContext) => NormTxFnResult | Promise<NormTxFnResult>;

/**
 * The registry of tx-fns: qualified symbol name to function.
 *
 * @example
 * ```ts
 * const txFns: NormTxFns = { 'my.app/backfill': async (_conn, { db }) => [] }
 * ```
 */
export type NormTxFns = Readonly<Record<string, NormTxFn>>;

/**
 * Tx-fns every registry has: Datahike's `datahike.norm.norm/neutral-fn`, which returns nothing,
 * so that Datahike norm folders that name it apply unchanged.
 *
 * @example
 * ```ts
 * BUILTIN_TX_FNS['datahike.norm.norm/neutral-fn'] // () => []
 * ```
 */
export const BUILTIN_TX_FNS: NormTxFns = Object.freeze({
  'datahike.norm.norm/neutral-fn': () => [],
});

/**
 * Looks up the tx-fn of every norm in `norms` that has one; fails with `norm/unknown-tx-fn`,
 * naming the file and symbol, for the first one that is neither in `txFns` nor built in.
 *
 * @example
 * ```ts
 * const fns = resolveTxFns(pending, { 'my.app/backfill': backfill })
 * ```
 */
export function resolveTxFns(norms: readonly NormFile[], txFns: NormTxFns = {}): Map<string, NormTxFn> {
  const out = new Map<string, NormTxFn>();
  for (const n of norms) {
    if (n.txFn === null) continue;
    const fn = Object.hasOwn(txFns, n.txFn) ? txFns[n.txFn] : BUILTIN_TX_FNS[n.txFn];
    if (typeof fn !== 'function') {
      throw new DatomError(
        'norm/unknown-tx-fn',
        `${n.file}: the tx-fn ${n.txFn} is not registered. Pass it in the txFns option: { '${n.txFn}': async (conn, ctx) => txData }.`,
        { data: { file: n.file, norm: n.id, txFn: n.txFn, registered: Object.keys(txFns) } },
      );
    }
    out.set(n.id, fn);
  }
  return out;
}
