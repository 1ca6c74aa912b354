import { crc32 } from 'node:zlib';
import { TxLog } from '../log/tx-log.js';
import { DatomError } from '../error/datom-error.js';
import type { Tree } from '../index/btree.js';
import { DatomTable } from '../index/datom-table.js';
import { IndexComparators } from '../index/index-order.js';
import { HistoryIndex } from '../db/history-index.js';
import { DbState, indexTrees } from '../db/db-state.js';
import { LazyTree } from '../db/lazy-tree.js';
import { currentRows } from '../db/lookup.js';
import { Uuid } from '../model/uuid.js';
import type { Value } from '../model/value.js';
import { Schema, SCHEMA_ATTRS } from '../schema/schema.js';
import { replayTx, type StoredDatom } from '../tx/replay-tx.js';
import type { BlobStore } from './blob-store.js';
import { ByteReader, ByteWriter } from './byte-codec.js';
import { DEFAULT_CACHE_BYTES, DEFAULT_WRITER_CACHE_BYTES, PageCache } from './page-cache.js';
import { decodeDirectory, type Directory, encodeDirectory, PackReader, type PackResult, TablePages, type TreeName, type TxSpan, writePack } from './paged-index.js';

/** One committed transaction as the connection keeps it: its rows are `start` onwards, `count` of them. */
/** What an open database holds in memory. */
export interface LoadedDatabase {
  readonly state: DbState;
  /** Rows of t = 0 (the bootstrap schema). */
  readonly bootRows: readonly number[];
  /** Every transaction from t = 1, in order. */
  readonly log: TxLog;
}

/** A pack and how many of its bytes the directory still uses. */
interface PackUse {
  readonly name: string;
  readonly bytes: number;
  readonly live: number;
}

/**
 * The root record: the directory of the last checkpoint, the t it holds, the packs its pages are
 * in, and the logs after it, in order. A checkpoint first adds a fresh log (transactions go on into
 * it while the pages are written), then names the new directory with only the logs after it.
 */
interface Root {
  readonly format: 3;
  readonly id: string;
  readonly dir: string;
  readonly dirT: number;
  readonly packs: readonly PackUse[];
  readonly logs: readonly string[];
}

const RECORD_HEADER = 8;

function corrupt(message: string, source: string, extra: Record<string, unknown> = {}): DatomError {
  return new DatomError('storage/corrupt', message, { data: { source, ...extra } });
}

function shortId(): string {
  return Uuid.random().text.slice(0, 8);
}

/** Encodes one transaction as a log record: length, CRC-32, then t and its datoms. */
export function encodeTxRecord(t: number, datoms: readonly StoredDatom[]): Uint8Array {
  const w = new ByteWriter(64 + datoms.length * 24);
  w.u32(0);
  w.u32(0);
  w.uvar(t);
  w.uvar(datoms.length);
  for (const d of datoms) {
    w.f64(d.e);
    w.uvar(d.a);
    w.byte(d.added ? 1 : 0);
    w.value(d.v);
  }
  const out = w.view().slice();
  const dv = new DataView(out.buffer);
  dv.setUint32(0, out.length - RECORD_HEADER, true);
  dv.setUint32(4, crc32(out.subarray(RECORD_HEADER)), true);
  return out;
}

interface ParsedLog {
  readonly records: { t: number; datoms: StoredDatom[] }[];
  /** Bytes of whole, valid records. */
  readonly validLength: number;
  /** True when bytes after the valid records were dropped as a torn write. */
  readonly torn: boolean;
}

function recordAt(buf: Uint8Array, pos: number): { end: number; ok: boolean } {
  if (buf.length - pos < RECORD_HEADER) return { end: buf.length, ok: false };
  const dv = new DataView(buf.buffer, buf.byteOffset + pos, RECORD_HEADER);
  const len = dv.getUint32(0, true);
  const crc = dv.getUint32(4, true);
  const end = pos + RECORD_HEADER + len;
  if (end > buf.length) return { end: buf.length, ok: false };
  return { end, ok: crc32(buf.subarray(pos + RECORD_HEADER, end)) === crc };
}

/**
 * Reads the records of a log. A damaged record at the very end is a torn write (the process died
 * while appending): it is dropped. A damaged record followed by valid ones is corruption and fails.
 */
export function parseLog(buf: Uint8Array, source: string, baseOffset = 0): ParsedLog {
  const records: { t: number; datoms: StoredDatom[] }[] = [];
  let pos = 0;
  while (pos < buf.length) {
    // Zeros past the last record are preallocated space: the log ends here.
    if (buf.length - pos >= RECORD_HEADER && buf[pos] === 0 && buf[pos + 1] === 0 && buf[pos + 2] === 0 && buf[pos + 3] === 0) {
      return { records, validLength: pos, torn: buf.subarray(pos).some((b) => b !== 0) };
    }
    const r = recordAt(buf, pos);
    if (!r.ok) {
      if (r.end < buf.length && recordAt(buf, r.end).ok) {
        throw corrupt(`${source} is corrupt at byte ${baseOffset + pos}: a damaged transaction record is followed by valid ones`, source, {
          offset: baseOffset + pos,
        });
      }
      return { records, validLength: pos, torn: true };
    }
    const rd = new ByteReader(buf, source, pos + RECORD_HEADER, r.end);
    const t = rd.uvar();
    const n = rd.uvar();
    const datoms: StoredDatom[] = new Array(n);
    for (let i = 0; i < n; i++) {
      const e = rd.f64();
      const a = rd.uvar();
      const added = rd.byte() === 1;
      datoms[i] = { e, a, v: rd.value() as Value, added };
    }
    records.push({ t, datoms });
    pos = r.end;
  }
  return { records, validLength: pos, torn: false };
}

function encodeRoot(root: Root): Uint8Array {
  return new TextEncoder().encode(`${JSON.stringify(root)}\n`);
}

function decodeRoot(bytes: Uint8Array, source: string): Root {
  let root: Root;
  try {
    root = JSON.parse(new TextDecoder().decode(bytes)) as Root;
  } catch (err) {
    throw new DatomError('storage/corrupt', `The root record of ${source} is not readable`, { data: { source }, cause: err });
  }
  if (root.format !== 3) {
    throw new DatomError('storage/format', `The root record of ${source} is in format ${JSON.stringify(root.format)}; this version of datomkit reads format 3`, {
      data: { source, format: root.format, expected: 3 },
    });
  }
  if (typeof root.id !== 'string' || typeof root.dir !== 'string' || !Array.isArray(root.packs) || !Array.isArray(root.logs) || root.logs.length === 0) {
    throw corrupt(`The root record of ${source} is incomplete`, source);
  }
  return root;
}

/** Rebuilds the schema of `state` from its live schema datoms. */
function schemaOf(state: DbState, aliases: Iterable<[string, number]>): Schema {
  const datoms: [number, number, Value][] = [];
  for (const a of SCHEMA_ATTRS) {
    for (const r of currentRows(state, 'aevt', [a])) datoms.push([state.table.e(r), a, state.table.v(r)]);
  }
  return Schema.fromDatoms(datoms, aliases);
}

/** A checkpoint rewrites every page once the packs hold this many times the bytes still used. */
const COMPACT_RATIO = 2;
/** ...plus this many bytes, so that a small database is not rewritten at every checkpoint. */
const COMPACT_SLACK = 256 << 10;

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

/** The trees of `state` to store, the history brought up to date. */
function treesOf(state: DbState): Record<TreeName, Tree> {
  const t = state.stableTrees();
  const h = state.history.trees(state.cmp);
  return { eavt: t.eavt, aevt: t.aevt, avet: t.avet, vaet: t.vaet, uavet: t.uavet, heavt: h.heavt, haevt: h.haevt, havet: h.havet, hvaet: h.hvaet };
}

/**
 * A database kept in a {@link BlobStore}: index pages in packs named by a directory, plus the
 * transaction log since that directory. Opening reads the directory and replays the log after it;
 * pages load when first read, through a page cache bounded in bytes. Each transaction is appended
 * to the log and synced before it counts as committed; a checkpoint writes the pages that changed
 * into a new pack, a new directory, and switches the root to them and to a fresh log.
 */
export class DurableStore {
  #root: Root | null = null;
  #dir: Directory | null = null;
  /** Which log of the root is being read or appended to, and how much of it has been read. */
  #logIndex = 0;
  #logLength = 0;
  #sinceSnapshot = 0;
  /** The log a started checkpoint switched to, and the names and t of what it writes. */
  #pending: { readonly log: string; readonly dir: string; readonly pack: string; readonly t: number } | null = null;
  readonly #cache: PageCache;
  /** Where table pages are kept: the page cache for a reader, a cache without bound for the writer. */
  readonly #rowCache: PageCache;
  readonly #reader: PackReader;

  constructor(
    readonly store: BlobStore,
    readonly readOnly: boolean,
    cacheBytes?: number,
  ) {
    this.#cache = new PageCache(cacheBytes ?? (readOnly ? DEFAULT_CACHE_BYTES : DEFAULT_WRITER_CACHE_BYTES));
    // Maintaining AVET and VAET compares rows in value order, all over the table: a writer whose
    // table pages came and went would read the same pages again and again. So the writer keeps the
    // table pages it has read; readers keep what their cache allows.
    this.#rowCache = readOnly ? this.#cache : new PageCache(Number.POSITIVE_INFINITY);
    this.#reader = new PackReader(store, this.#cache);
  }

  /** Transactions appended since the last checkpoint. */
  get transactionsSinceSnapshot(): number {
    return this.#sinceSnapshot;
  }

  /** The cache that index pages load into. */
  get cache(): PageCache {
    return this.#cache;
  }

  /** Creates a new, empty database in the store (the store must hold none). */
  static async create(store: BlobStore, bootstrap: () => LoadedDatabase): Promise<boolean> {
    if (await store.exists()) return false;
    await store.create();
    const db = bootstrap();
    const d = new DurableStore(store, false);
    const names = { dir: `dir-0-${shortId()}`, pack: `pack-0-${shortId()}` };
    const { root } = await d.#writeCheckpoint(db, names, [`log-0-${shortId()}`]);
    await store.writeRoot(encodeRoot(root));
    store.closeReads?.();
    return true;
  }

  /** Opens the database: the root's directory, then every whole record of its logs. */
  async open(): Promise<LoadedDatabase> {
    const rootBytes = await this.store.readRoot();
    if (rootBytes === null) {
      throw new DatomError('db/not-found', `No database at ${this.store.location}: create it first`, { data: { location: this.store.location } });
    }
    const root = decodeRoot(rootBytes, this.store.location);
    const dir = decodeDirectory(await this.store.getBlob(root.dir), `${this.store.location}/${root.dir}`, this.#reader);
    await this.#reader.prepare(dir.packs);
    this.#root = root;
    this.#dir = dir;
    this.#logIndex = 0;
    this.#logLength = 0;
    this.#sinceSnapshot = 0;
    return this.#replay(openDirectory(dir, this.#reader, this.#rowCache));
  }

  /** Reads log records past what has been read, through every log of the root, and applies them. */
  async #replay(db: LoadedDatabase): Promise<LoadedDatabase> {
    const root = this.#root as Root;
    let { state } = db;
    for (;;) {
      const log = root.logs[this.#logIndex] as string;
      const last = this.#logIndex === root.logs.length - 1;
      const source = `${this.store.location}/${log}`;
      const bytes = await this.store.readLog(log, this.#logLength);
      const parsed = parseLog(bytes, source, this.#logLength);
      // A writer cuts off a torn record and the preallocated space after the last record.
      if (last && parsed.validLength < bytes.length && !this.readOnly) await this.store.truncateLog(log, this.#logLength + parsed.validLength);
      for (const rec of parsed.records) {
        if (rec.t <= state.basisT) continue;
        const out = replayTx(state, rec.t, rec.datoms, source);
        state = out.state;
        db.log.pushRows(rec.t, out.rows, state.lastInstant);
        this.#sinceSnapshot += 1;
      }
      if (last) {
        this.#logLength += parsed.validLength;
        return { ...db, state };
      }
      this.#logIndex += 1;
      this.#logLength = 0;
    }
  }

  /** Appends one committed transaction to the current log, durably. */
  async append(t: number, state: DbState, rows: readonly number[]): Promise<void> {
    const root = this.#root as Root;
    const log = root.logs[root.logs.length - 1] as string;
    const tb = state.table;
    const datoms: StoredDatom[] = rows.map((r) => ({ e: tb.e(r), a: tb.a(r), v: tb.v(r), added: tb.added(r) }));
    const rec = encodeTxRecord(t, datoms);
    try {
      await this.store.appendLog(log, this.#logLength, rec);
    } catch (err) {
      // Leave no partial record behind; the next append starts at the same place.
      await this.store.truncateLog(log, this.#logLength).catch(() => undefined);
      throw err;
    }
    this.#logLength += rec.length;
    this.#sinceSnapshot += 1;
  }

  /**
   * First half of a checkpoint at t: the root gains a fresh log, and transactions after t go on
   * into it while the pages are written. Quick: one root write.
   */
  async startCheckpoint(t: number): Promise<void> {
    const root = this.#root as Root;
    const log = `log-${t}-${shortId()}`;
    const next: Root = { ...root, logs: [...root.logs, log] };
    await this.store.writeRoot(encodeRoot(next));
    this.#root = next;
    this.#logIndex = next.logs.length - 1;
    this.#logLength = 0;
    this.#sinceSnapshot = 0;
    this.#pending = { log, dir: `dir-${t}-${shortId()}`, pack: `pack-${t}-${shortId()}`, t };
  }

  /**
   * Second half: writes the pages of `db` (the database as of the started checkpoint's t) that are
   * not stored yet, in slices, and its directory; then switches the root to it and to the logs from
   * the checkpoint's on. Returns what was written, for {@link DurableStore.settle}.
   */
  async finishCheckpoint(db: LoadedDatabase): Promise<PackResult> {
    const pending = this.#pending;
    if (pending === null || db.state.basisT !== pending.t) throw new DatomError('storage/encode', 'No checkpoint was started at this t');
    const root = this.#root as Root;
    const from = root.logs.indexOf(pending.log);
    const { root: next, result } = await this.#writeCheckpoint(db, pending, root.logs.slice(from));
    await this.store.writeRoot(encodeRoot(next));
    this.#logIndex -= from;
    this.#root = next;
    this.#dir = result.dir;
    this.#pending = null;
    return result;
  }

  /** Writes the pack and directory of `db`; the root to switch to is returned, not written. */
  async #writeCheckpoint(db: LoadedDatabase, names: { dir: string; pack: string }, logs: readonly string[]): Promise<{ root: Root; result: PackResult }> {
    const { state } = db;
    const prevRoot = this.#root;
    // Rewrite everything once the packs hold mostly pages that are no longer used.
    const used = prevRoot?.packs ?? [];
    const bytes = used.reduce((n, p) => n + p.bytes, 0);
    const live = used.reduce((n, p) => n + p.live, 0);
    const full = this.#dir === null || bytes > COMPACT_RATIO * live + COMPACT_SLACK;
    const txs: TxSpan[] = [...db.log];
    const result = await writePack({
      store: this.store,
      reader: this.#reader,
      rowCache: this.#rowCache,
      pack: names.pack,
      prev: this.#dir,
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
    await this.store.putBlob(names.dir, encodeDirectory(result.dir));
    const sizes = new Map<string, number>((prevRoot?.packs ?? []).map((p) => [p.name, p.bytes]));
    sizes.set(names.pack, result.packBytes);
    const packs = [...result.packLive].map(([name, live]) => ({ name, bytes: sizes.get(name) ?? live, live }));
    await this.#reader.prepare(result.dir.packs);
    const root: Root = { format: 3, id: state.id, dir: names.dir, dirT: state.basisT, packs, logs };
    return { root, result };
  }

  /**
   * Catches a read-only view up with the writer: new records are replayed onto `db`, through logs the
   * writer has added; when the writer has switched to a new directory, the database is opened afresh.
   */
  async catchUp(db: LoadedDatabase): Promise<LoadedDatabase> {
    const rootBytes = await this.store.readRoot();
    if (rootBytes === null) throw new DatomError('db/not-found', `The database at ${this.store.location} is gone`, { data: { location: this.store.location } });
    const root = decodeRoot(rootBytes, this.store.location);
    const cur = this.#root;
    const extends_ = cur !== null && root.dir === cur.dir && cur.logs.every((l, i) => root.logs[i] === l);
    if (!extends_) {
      const fresh = await this.open();
      return fresh.state.basisT >= db.state.basisT ? fresh : db;
    }
    this.#root = root;
    return this.#replay(db);
  }

  /** Releases open read handles. */
  close(): void {
    this.store.closeReads?.();
  }

  /** Removes blobs and logs that the root does not name and that were last written before `olderThanMs`. */
  async gc(olderThanMs: number): Promise<{ removed: string[] }> {
    const root = this.#root ?? decodeRoot((await this.store.readRoot()) ?? new Uint8Array(), this.store.location);
    // What a checkpoint is writing right now is kept too (the writer's own store knows its names).
    const keep = new Set<string | null>([root.dir, ...root.packs.map((p) => p.name), ...root.logs, this.#pending?.dir ?? null, this.#pending?.pack ?? null]);
    const removed: string[] = [];
    for (const { key, mtimeMs } of await this.store.list()) {
      if (keep.has(key) || mtimeMs >= olderThanMs) continue;
      await this.store.remove(key);
      removed.push(key);
    }
    return { removed };
  }
}
