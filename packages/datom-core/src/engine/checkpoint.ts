// A checkpoint: the rows and tree pages written since the last one go into a new pack, named by a
// new directory, and the root switches to it and to the logs after it. It runs in two halves, so
// that transactions go on into a fresh log while the pages are written.
import { DatomError } from '../error/datom-error.js';
import type { DbState } from '../db/db-state.js';
import type { Tree } from '../index/btree.js';
import type { LoadedDatabase } from './open-database.js';
import { encodeDirectory, type PackResult, type TreeName, type TxSpan, writePack } from './paged-index.js';
import { createLog, encodeRoot, type LogRef, ROOT_FORMAT, type Root, storageKey } from './root-record.js';
import type { StoreState } from './store-state.js';

/** A checkpoint rewrites every page once the packs hold this many times the bytes still used. */
const COMPACT_RATIO = 2;
/** ...plus this many bytes, so that a small database is not rewritten at every checkpoint. */
const COMPACT_SLACK = 256 << 10;

/** The trees of `state` to store, the history brought up to date. */
function treesOf(state: DbState): Record<TreeName, Tree> {
  const t = state.stableTrees();
  const h = state.history.trees(state.cmp);
  return { eavt: t.eavt, aevt: t.aevt, avet: t.avet, vaet: t.vaet, uavet: t.uavet, heavt: h.heavt, haevt: h.haevt, havet: h.havet, hvaet: h.hvaet };
}

/** Writes the pack and directory of `db`; the root to switch to is returned, not written. */
export async function writeCheckpoint(st: StoreState, db: LoadedDatabase, names: { dir: string; pack: string }, logs: readonly LogRef[]): Promise<{ root: Root; result: PackResult }> {
  const { state } = db;
  const prevRoot = st.root;
  // Rewrite everything once the packs hold mostly pages that are no longer used.
  const used = prevRoot?.packs ?? [];
  const bytes = used.reduce((n, p) => n + p.bytes, 0);
  const live = used.reduce((n, p) => n + p.live, 0);
  const full = st.dir === null || bytes > COMPACT_RATIO * live + COMPACT_SLACK;
  const txs: TxSpan[] = [...db.log];
  const result = await writePack({
    store: st.store,
    reader: st.reader,
    rowCache: st.rowCache,
    pack: names.pack,
    prev: st.dir,
    table: state.table,
    meta: {
      id: state.id,
      basisT: state.basisT,
      maxEid: state.maxEid,
      lastInstant: state.lastInstant,
      aliases: [...state.schema.aliases()],
      rows: state.table.size,
      bootRows: db.bootRows.length,
    },
    txs,
    trees: treesOf(state),
    full,
  });
  await st.store.putBlob(names.dir, encodeDirectory(result.dir));
  const sizes = new Map<string, number>((prevRoot?.packs ?? []).map((p) => [p.name, p.bytes]));
  sizes.set(names.pack, result.packBytes);
  const packs = [...result.packLive].map(([name, live]) => ({ name, bytes: sizes.get(name) ?? live, live }));
  await st.reader.prepare(result.dir.packs);
  const root: Root = { format: ROOT_FORMAT, id: state.id, dir: names.dir, dirT: state.basisT, packs, logs };
  return { root, result };
}

/**
 * Closes the open log at t (the root promises its length and last t from now on) and names a
 * fresh one, created first, that appends go on into. Returns the fresh log's name.
 */
export async function rollLog(st: StoreState, t: number): Promise<string> {
  const root = st.root as Root;
  const log = storageKey('log', t);
  await createLog(st.store, log);
  const open = root.logs[root.logs.length - 1] as LogRef;
  const closed: LogRef = { ...open, length: st.logLength, lastT: t };
  const next: Root = { ...root, logs: [...root.logs.slice(0, -1), closed, { name: log }] };
  await st.store.writeRoot(encodeRoot(next));
  st.root = next;
  st.logIndex = next.logs.length - 1;
  st.logLength = 0;
  return log;
}

/**
 * First half of a checkpoint at t: the root gains a fresh log, and transactions after t go on
 * into it while the pages are written. Quick: one root write.
 */
export async function startCheckpoint(st: StoreState, t: number): Promise<void> {
  const log = await rollLog(st, t);
  st.sinceSnapshot = 0;
  st.pending = { log, dir: storageKey('dir', t), pack: storageKey('pack', t), t };
}

/**
 * Second half: writes the pages of `db` (the database as of the started checkpoint's t) that are
 * not stored yet, in slices, and its directory; then switches the root to it and to the logs from
 * the checkpoint's on. Returns what was written, for `swapWritten`.
 */
export async function finishCheckpoint(st: StoreState, db: LoadedDatabase): Promise<PackResult> {
  const pending = st.pending;
  if (pending === null || db.state.basisT !== pending.t) throw new DatomError('storage/encode', 'No checkpoint was started at this t');
  const root = st.root as Root;
  const from = root.logs.findIndex((l) => l.name === pending.log);
  const { root: next, result } = await writeCheckpoint(st, db, pending, root.logs.slice(from));
  await st.store.writeRoot(encodeRoot(next));
  st.logIndex -= from;
  st.root = next;
  st.dir = result.dir;
  st.pending = null;
  // The logs before the checkpoint's are in its pages now: they go at once (each is at least a
  // preallocated chunk). A reader that was about to read one opens again from the new root.
  for (const l of root.logs.slice(0, from)) await st.store.remove(l.name).catch(() => undefined);
  return result;
}
