// Opening a database: the root, its directory (pages load when first read), then every record of
// the root's logs after it, replayed onto the directory's database.
import { DatomError, isDatomError } from '../error/datom-error.js';
import { HistoryIndex } from '../db/history-index.js';
import { DbState, indexTrees } from '../db/db-state.js';
import { LazyTree } from '../db/lazy-tree.js';
import { currentRows } from '../db/lookup.js';
import { DatomTable } from '../index/datom-table.js';
import { IndexComparators } from '../index/index-order.js';
import { TxLog } from '../log/tx-log.js';
import type { Value } from '../model/value.js';
import { Schema, SCHEMA_ATTRS } from '../schema/schema.js';
import { replayTx } from '../tx/replay-tx.js';
import { parseLog } from './log-record.js';
import type { PageCache } from './page-cache.js';
import { decodeDirectory, type Directory, type PackReader, TablePages } from './paged-index.js';
import { corrupt, REPAIR_HINT } from './repair-hint.js';
import { decodeRoot, type LogRef, type Root } from './root-record.js';
import type { StoreState } from './store-state.js';

/** What an open database holds in memory. */
export interface LoadedDatabase {
  readonly state: DbState;
  /** Rows of t = 0 (the bootstrap schema). */
  readonly bootRows: readonly number[];
  /** Every transaction from t = 1, in order. */
  readonly log: TxLog;
}

/** Rebuilds the schema of `state` from its live schema datoms. */
function schemaOf(state: DbState, aliases: Iterable<[string, number]>): Schema {
  const datoms: [number, number, Value][] = [];
  for (const a of SCHEMA_ATTRS) {
    for (const r of currentRows(state, 'aevt', [a])) datoms.push([state.table.e(r), a, state.table.v(r)]);
  }
  return Schema.fromDatoms(datoms, aliases);
}

/** The database a directory describes (pages load when read), with its log up to the directory. */
function openDirectory(dir: Directory, reader: PackReader, rowCache: PageCache): LoadedDatabase {
  const { meta } = dir;
  for (const [r, row] of dir.pinned) reader.pins.keep(r, row);
  const table = DatomTable.paged(meta.rows, new TablePages(reader, dir.tablePages, rowCache), reader.pins);
  const cmp = new IndexComparators(table);
  const tr = dir.trees;
  const trees = indexTrees(tr.eavt, new LazyTree(tr.aevt, null, cmp.aevt, false), tr.vaet, tr.uavet, new LazyTree(tr.avet, null, cmp.avet, true));
  const fields = {
    id: meta.id,
    table,
    cmp,
    schema: Schema.fromDatoms([]),
    basisT: meta.basisT,
    maxEid: meta.maxEid,
    lastInstant: meta.lastInstant,
    history: new HistoryIndex({ heavt: tr.heavt, haevt: tr.haevt, havet: tr.havet, hvaet: tr.hvaet }, null),
  };
  const partial = new DbState(fields, trees);
  const state = partial.derive({ schema: schemaOf(partial, meta.aliases) }, trees);
  const bootRows = Array.from({ length: meta.bootRows }, (_, i) => i);
  return { state, bootRows, log: TxLog.from(dir.txs) };
}

function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && a.every((x, i) => x === b[i]);
}

/** The root record's bytes; a store without one holds no database (`db/not-found`). */
export async function readRoot(st: StoreState): Promise<Uint8Array> {
  const rootBytes = await st.store.readRoot();
  if (rootBytes === null) {
    throw new DatomError('db/not-found', `No database at ${st.store.location}: create it first`, { data: { location: st.store.location } });
  }
  return rootBytes;
}

/**
 * Opens the database: the root's directory, then every record of its logs. A reader that finds a
 * log gone because the writer moved the root on meanwhile (and removed the logs a checkpoint made
 * obsolete) opens again from the new root.
 */
export async function openDatabase(st: StoreState): Promise<LoadedDatabase> {
  for (let attempt = 0; ; attempt++) {
    const rootBytes = await readRoot(st);
    try {
      return await replayLogs(st, await openRoot(st, rootBytes));
    } catch (err) {
      if (attempt < 5 && isDatomError(err, 'storage/missing') && !sameBytes(rootBytes, await readRoot(st))) continue;
      throw err;
    }
  }
}

/** The database of the root's directory; its logs are still to be read. */
export async function openRoot(st: StoreState, rootBytes: Uint8Array): Promise<LoadedDatabase> {
  const root = decodeRoot(rootBytes, st.store.location);
  const dir = decodeDirectory(await st.store.getBlob(root.dir), `${st.store.location}/${root.dir}`, st.reader);
  await st.reader.prepare(dir.packs);
  st.root = root;
  st.dir = dir;
  st.logIndex = 0;
  st.logLength = 0;
  st.sinceSnapshot = 0;
  return openDirectory(dir, st.reader, st.rowCache);
}

/**
 * Reads the log `ref` from `offset`: a missing log is `storage/missing` (a legacy last log may
 * never have been created), and the open log of a store with a log grain must be a whole number
 * of grains long (it was cut short otherwise).
 */
export async function readLog(st: StoreState, ref: LogRef, last: boolean, offset: number): Promise<Uint8Array> {
  const source = `${st.store.location}/${ref.name}`;
  let bytes: Uint8Array;
  try {
    bytes = await st.store.readLog(ref.name, offset);
  } catch (err) {
    if (!isDatomError(err, 'storage/missing')) throw err;
    if (ref.legacy === true && last) return new Uint8Array(0);
    throw new DatomError('storage/missing', `The transaction log ${source} is missing: the transactions in it are lost. ${REPAIR_HINT}`, {
      data: { file: source, log: ref.name },
      cause: err,
    });
  }
  const grain = st.store.logGrain;
  if (last && ref.legacy !== true && grain !== undefined && (offset + bytes.length) % grain !== 0) {
    throw corrupt(`The transaction log ${source} is ${offset + bytes.length} bytes long, not a whole number of its ${grain}-byte chunks: it was cut short. ${REPAIR_HINT}`, source, {
      log: ref.name,
      length: offset + bytes.length,
    });
  }
  return bytes;
}

/**
 * Reads log records past what has been read, through every log of the root, and applies them.
 * Transactions follow each other without a gap, and each closed log holds what the root promises.
 */
export async function replayLogs(st: StoreState, db: LoadedDatabase): Promise<LoadedDatabase> {
  const root = st.root as Root;
  let { state } = db;
  for (;;) {
    const ref = root.logs[st.logIndex] as LogRef;
    const last = st.logIndex === root.logs.length - 1;
    const source = `${st.store.location}/${ref.name}`;
    const bytes = await readLog(st, ref, last, st.logLength);
    const parsed = parseLog(bytes, source, st.logLength, { legacy: ref.legacy === true });
    // A writer zeroes a torn record, so that the next append starts where it started.
    if (last && parsed.torn && !st.readOnly && ref.legacy !== true) await st.store.truncateLog(ref.name, st.logLength + parsed.validLength);
    for (const rec of parsed.records) {
      if (rec.t <= state.basisT) continue;
      if (rec.t !== state.basisT + 1) {
        throw corrupt(`The transaction log ${source} goes on at t ${rec.t} after t ${state.basisT}: the transactions between are lost. ${REPAIR_HINT}`, source, {
          log: ref.name,
          t: rec.t,
          basisT: state.basisT,
        });
      }
      const out = replayTx(state, rec.t, rec.datoms, source);
      state = out.state;
      db.log.pushRows(rec.t, out.rows, state.lastInstant);
      st.sinceSnapshot += 1;
    }
    st.logLength += parsed.validLength;
    if (last) return { ...db, state };
    if (ref.length !== undefined && (st.logLength !== ref.length || parsed.torn || state.basisT !== ref.lastT)) {
      throw corrupt(
        `The transaction log ${source} holds ${st.logLength} bytes up to t ${state.basisT}; the root names it with ${ref.length} bytes up to t ${ref.lastT}: it was cut short or damaged. ${REPAIR_HINT}`,
        source,
        { log: ref.name, length: st.logLength, expectedLength: ref.length, t: state.basisT, expectedT: ref.lastT },
      );
    }
    st.logIndex += 1;
    st.logLength = 0;
  }
}
