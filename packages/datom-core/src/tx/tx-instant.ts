// The txInstant of a transaction: explicit (never earlier than the previous one, never far ahead
// of the clock) or the clock's, never going back.
import { DatomError } from '../error/datom-error.js';
import type { DbState } from '../db/db-state.js';
import { A, tToTx } from '../schema/bootstrap.js';
import type { TxEnv } from './tx-env.js';

/** How far ahead of the clock an explicit txInstant may be, unless the connection says otherwise: 10 minutes. */
export const DEFAULT_MAX_CLOCK_SKEW_MS = 10 * 60_000;

/**
 * Refuses an explicit txInstant further ahead of the clock than the skew allowed: every later
 * transaction would be stamped with it (txInstants never go back), for good.
 */
export function checkAhead(instant: Date, env: TxEnv): void {
  const now = env.now();
  const skew = env.maxClockSkewMs ?? DEFAULT_MAX_CLOCK_SKEW_MS;
  if (instant.getTime() > now + skew) {
    throw new DatomError(
      'transact/tx-instant',
      `db/txInstant ${instant.toISOString()} is ${Math.round((instant.getTime() - now) / 1000)} s ahead of this machine's clock (${new Date(now).toISOString()}); at most ${skew / 1000} s are allowed (the connect option maxClockSkewMs), since every later transaction would be stamped with it`,
      { data: { txInstant: instant.toISOString(), now: new Date(now).toISOString(), maxClockSkewMs: skew } },
    );
  }
}

/**
 * The txInstant value of the transaction that made `before`, or null. A transaction in the same
 * millisecond stores that Date again rather than a copy: stored values are never changed (reads
 * hand out copies of Dates), and at thousands of small transactions per second a Date per
 * transaction was a third of what each one left on the heap.
 */
export function previousInstant(before: DbState): Date | null {
  const r = before.txRows[0];
  if (r === undefined) return null;
  const { table } = before;
  const v = table.v(r);
  return table.a(r) === A.txInstant && table.e(r) === tToTx(before.basisT) && v instanceof Date ? v : null;
}

/** The txInstant of a transaction without an explicit one: now, or the previous one if the clock went back. */
export function clockInstant(before: DbState, env: TxEnv): Date {
  const ms = Math.max(env.now(), before.lastInstant);
  return (ms === before.lastInstant ? previousInstant(before) : null) ?? new Date(ms);
}
