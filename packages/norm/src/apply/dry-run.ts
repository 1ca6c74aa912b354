import { type Connection, type Database, DatomError, type TxReport } from '@datomkit/datom-core';
import type { NormSink } from '../internal/norm-runner.js';
import { assertChecksums, runNorms } from '../internal/run-norms.js';
import { readNorms } from '../norm/read-norms.js';
import type { EnsureNormsOptions, EnsureNormsResult } from './ensure-norms.js';

/**
 * What {@link dryRun} found: the steps {@link ensureNorms} would take, each `applied` step with the
 * datoms it would write, and the speculative database with all of them applied.
 *
 * @example
 * ```ts
 * const { steps, db } = await dryRun(conn, 'migrations')
 * ```
 */
export interface DryRunResult extends EnsureNormsResult {
  /** The database as it would be after the run. Nothing of it is committed. */
  readonly db: Database;
}

/** A connection whose database is the speculative one; it refuses to commit anything. */
function speculativeConnection(conn: Connection, current: () => Database): Connection {
  const refuse = (): never => {
    throw new DatomError('norm/dry-run', 'A tx-fn tried to transact during a dry run; return transaction data instead.');
  };
  return {
    id: conn.id,
    db: current,
    transact: async () => refuse(),
    listen: () => () => {},
    registerTxFn: refuse,
    txRange: (range) => conn.txRange(range),
    sync: async () => current(),
    close: async () => {},
  };
}

/**
 * Applies the pending norms under `dir` to a speculative database (`db.with`), in order and with
 * their tx-fns, and reports the datoms each would write. Commits nothing. Checks the files,
 * checksums and tx-fns exactly as {@link ensureNorms} does, and fails the same way.
 *
 * @example
 * ```ts
 * const { steps } = await dryRun(conn, 'migrations', { txFns })
 * for (const s of steps) if (s.status === 'applied') console.log(s.id, s.datoms.length, 'datoms')
 * ```
 */
export async function dryRun(conn: Connection, dir: string, options: EnsureNormsOptions = {}): Promise<DryRunResult> {
  const norms = await readNorms(dir);
  if (options.verifyChecksums !== false) await assertChecksums(dir, norms);
  let db = conn.db();
  const sink: NormSink = {
    dryRun: true,
    waitMs: 0,
    conn: speculativeConnection(conn, () => db),
    db: () => db,
    latest: async () => db,
    transact: async (tx) => {
      const report: TxReport = await db.with(tx);
      db = report.dbAfter;
      return report;
    },
  };
  const result = await runNorms(sink, norms, options);
  return { ...result, db };
}
