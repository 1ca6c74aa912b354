import { DatomError, isDatomError } from '../error/datom-error.js';
import { type LoadedDatabase, openDatabase, replayLogs } from './open-database.js';
import { decodeRoot } from './root-record.js';
import type { StoreState } from './store-state.js';

/**
 * Catches a read-only view up with the writer: new records are replayed onto `db`, through logs the
 * writer has added; when the writer has switched to a new directory, the database is opened afresh.
 */
export async function catchUp(st: StoreState, db: LoadedDatabase): Promise<LoadedDatabase> {
  const rootBytes = await st.store.readRoot();
  if (rootBytes === null) throw new DatomError('db/not-found', `The database at ${st.store.location} is gone`, { data: { location: st.store.location } });
  const root = decodeRoot(rootBytes, st.store.location);
  const cur = st.root;
  const extends_ = cur !== null && root.dir === cur.dir && cur.logs.every((l, i) => root.logs[i]?.name === l.name);
  if (extends_) {
    st.root = root;
    try {
      return await replayLogs(st, db);
    } catch (err) {
      // The writer moved on to a new checkpoint and removed the log meanwhile: open afresh.
      if (!isDatomError(err, 'storage/missing')) throw err;
    }
  }
  const fresh = await openDatabase(st);
  return fresh.state.basisT >= db.state.basisT ? fresh : db;
}
