import type { DbState } from './db-state.js';

/**
 * The result of processing one transaction: the new state and what it wrote. Made by tx/ (commits,
 * bulk loads) and by `db.with`, which is handed tx/'s processing by its connection.
 */
export interface TxOutcome {
  readonly state: DbState;
  /** The rows this transaction wrote, its txInstant first. */
  readonly rows: readonly number[];
  readonly tempids: Readonly<Record<string, number>>;
}
