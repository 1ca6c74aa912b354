import type { Database } from '../db/database.js';
import type { DbState, LiveTrees } from '../db/db-state.js';
import type { TxFunction } from './tx-data.js';

/** What a transaction needs from its surroundings. */
export interface TxEnv {
  /** Registered transaction functions by name (without colon). */
  readonly txFns: ReadonlyMap<string, TxFunction>;
  /** The database value that transaction functions receive. */
  readonly dbOf: (state: DbState) => Database;
  /** Reads EDN transaction data. */
  readonly parseTx: (text: string) => readonly unknown[];
  /** The clock, in ms. */
  readonly now: () => number;
  /** How far ahead of `now` an explicit txInstant may be (default `DEFAULT_MAX_CLOCK_SKEW_MS`, 10 minutes). */
  readonly maxClockSkewMs?: number;
  /**
   * True for a connection's commits: the trees of the head are changed in place (see
   * {@link LiveTrees}). Absent for `db.with`, whose result must leave the database untouched.
   */
  readonly inPlace?: boolean;
}
