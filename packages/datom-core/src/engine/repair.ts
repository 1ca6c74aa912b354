// Repair: a database that refuses to open (a log missing, cut short or damaged) is opened as far as
// it is whole, and made the database again, with what was dropped reported.
import { isDatomError } from '../error/datom-error.js';
import { replayTx } from '../tx/replay-tx.js';
import { writeCheckpoint } from './checkpoint.js';
import { countRecordsAfter, parseLog } from './log-record.js';
import { type LoadedDatabase, openRoot, readLog, readRoot } from './open-database.js';
import { createLog, encodeRoot, type LogRef, type Root, storageKey } from './root-record.js';
import type { StoreState } from './store-state.js';

/** A damaged database as far as it is whole, and what repairing it drops. */
export interface RepairScan {
  readonly db: LoadedDatabase;
  readonly dropped: number;
  readonly missing: string[];
  readonly damaged: string[];
}

/**
 * Opens a damaged database as far as it is whole: the directory, then the logs up to the first
 * one missing, cut short or damaged, or the first gap in t. Reports what is dropped: the records
 * found after the damage, and what the root promised beyond them.
 */
export async function openForRepair(st: StoreState): Promise<RepairScan> {
  const db = await openRoot(st, await readRoot(st));
  const root = st.root as Root;
  let { state } = db;
  const missing: string[] = [];
  const damaged: string[] = [];
  let stopped = false;
  let beyond = 0;
  let promised = 0;
  for (let i = 0; i < root.logs.length; i++) {
    const ref = root.logs[i] as LogRef;
    const source = `${st.store.location}/${ref.name}`;
    if (ref.lastT !== undefined) promised = Math.max(promised, ref.lastT);
    let bytes: Uint8Array;
    try {
      bytes = await readLog(st, ref, i === root.logs.length - 1, 0);
    } catch (err) {
      if (isDatomError(err, 'storage/missing')) missing.push(ref.name);
      else if (isDatomError(err, 'storage/corrupt')) {
        damaged.push(ref.name);
        bytes = await st.store.readLog(ref.name, 0);
      } else throw err;
      bytes ??= new Uint8Array(0);
      stopped = true;
      if (bytes.length === 0) continue;
    }
    const parsed = parseLog(bytes, source, 0, { legacy: ref.legacy === true, damage: 'report' });
    for (const rec of parsed.records) {
      if (rec.t <= state.basisT) continue;
      if (stopped || rec.t !== state.basisT + 1) {
        stopped = true;
        beyond += 1;
        continue;
      }
      const out = replayTx(state, rec.t, rec.datoms, source);
      state = out.state;
      db.log.pushRows(rec.t, out.rows, state.lastInstant);
    }
    if (parsed.damage !== null) {
      if (!damaged.includes(ref.name)) damaged.push(ref.name);
      stopped = true;
      // The damaged record itself, unless the log was cut inside it, and the whole ones after it.
      beyond += (parsed.validLength < bytes.length ? 1 : 0) + countRecordsAfter(bytes, parsed.validLength, ref.legacy === true);
    } else if (ref.length !== undefined && (parsed.validLength !== ref.length || state.basisT !== ref.lastT) && !stopped) {
      damaged.push(ref.name);
      stopped = true;
    }
  }
  const dropped = Math.max(beyond, promised - state.basisT);
  return { db: { ...db, state }, dropped, missing, damaged };
}

/**
 * Makes `db` (opened by {@link openForRepair}) the database: its pages and directory are written,
 * and the root names them and a fresh log. The damaged logs are left for gc.
 */
export async function rewriteRoot(st: StoreState, db: LoadedDatabase): Promise<void> {
  const t = db.state.basisT;
  const log = storageKey('log', t);
  await createLog(st.store, log);
  const { root } = await writeCheckpoint(st, db, { dir: storageKey('dir', t), pack: storageKey('pack', t) }, [{ name: log }]);
  await st.store.writeRoot(encodeRoot(root));
  st.root = root;
}
