// When a writer checkpoints, and what it does with what the checkpoint wrote: the rows and
// branches written leave memory and are read from pages from then on.
import type { DbState } from '../db/db-state.js';
import type { TxLog } from '../log/tx-log.js';
import type { DurableStore } from './durable-store.js';
import type { LoadedDatabase } from './open-database.js';
import { swapWritten } from './paged-index.js';

/** A checkpoint is written once at least this many rows have been logged since the last one. */
export const CHECKPOINT_MIN_ROWS = 200_000;
/** ...and a quarter of the database, up to this many rows (so that novelty in memory stays bounded). */
export const CHECKPOINT_MAX_ROWS = 1_000_000;

/** A writer's database as the checkpoint policy sees it (the connection's shared database). */
export interface CheckpointSubject {
  readonly state: DbState;
  readonly log: TxLog;
  readonly bootRows: readonly number[];
  readonly durable: DurableStore | null;
  readonly readOnly: boolean;
  /** Rows written since the last checkpoint, and in the database at it. */
  noveltyRows: number;
  snapshotRows: number;
  /** The least novelty that starts a checkpoint (`ConnectOptions.checkpointRows`). */
  checkpointRows: number;
  /** The checkpoint being written in the background, if any. */
  checkpointing: Promise<void> | null;
  /** Why the last background checkpoint failed (it is retried after the next transaction). */
  checkpointError: unknown;
}

/** Whether a novelty of `noveltyRows` over a database of `snapshotRows` calls for a checkpoint. */
export function checkpointDue(noveltyRows: number, snapshotRows: number, checkpointRows: number): boolean {
  return noveltyRows >= Math.max(checkpointRows, Math.min(snapshotRows / 4, CHECKPOINT_MAX_ROWS));
}

/**
 * Starts a checkpoint when the log since the last one has grown past `checkpointRows` and a
 * quarter of the database (at most CHECKPOINT_MAX_ROWS), or when forced. Transactions go on into a
 * fresh log while the pages are written in the background; `force` waits for it.
 */
export async function maybeCheckpoint(db: CheckpointSubject, force = false): Promise<void> {
  const durable = db.durable;
  if (durable === null || db.readOnly) return;
  if (db.checkpointing !== null) {
    if (!force) return;
    await db.checkpointing;
  }
  if (db.noveltyRows === 0) return;
  if (!force && !checkpointDue(db.noveltyRows, db.snapshotRows, db.checkpointRows)) return;
  // The state is immutable and the log entries up to it never change: a consistent picture.
  // Its trees are made permanent first, as the commits during the snapshot would change them.
  db.state.stableTrees();
  const picture: LoadedDatabase = { state: db.state, bootRows: db.bootRows, log: db.log.slice() };
  await durable.startCheckpoint(picture.state.basisT);
  db.snapshotRows = picture.state.table.size;
  db.noveltyRows = 0;
  const running = durable
    .finishCheckpoint(picture)
    .then((written) => {
      db.checkpointError = null;
      // The rows and branches written are in storage now: they leave memory, read from pages from now on.
      picture.state.table.rebase(written.dir.meta.rows, written.table, written.dir.pinned);
      const head = db.state.trees;
      const lazy = [head.lazyAevt.base, head.lazyAevt.built, head.lazyAvet.base, head.lazyAvet.built].filter((x) => x !== null);
      swapWritten(written.written, [head.eavt, head.vaet, head.uavet, ...lazy, ...Object.values(db.state.history.base)]);
    })
    .catch((err: unknown) => {
      // The transactions are safe in the logs; the next checkpoint tries again.
      db.checkpointError = err;
      db.noveltyRows = Math.max(db.noveltyRows, 1);
    })
    .finally(() => {
      db.checkpointing = null;
    });
  db.checkpointing = running;
  if (force) await running;
}
