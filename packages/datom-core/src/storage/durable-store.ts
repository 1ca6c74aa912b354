import { crc32 } from 'node:zlib';
import { TxLog } from '../log/tx-log.js';
import { DatomError, isDatomError } from '../error/datom-error.js';
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
 * One log a root names. Every log but the last is closed: the root promises its `length` in bytes
 * and the t of its last transaction (`lastT`), so a log cut short or removed is found, not read as a
 * shorter history. The last log is open for appends; it exists before a root names it.
 */
export interface LogRef {
  readonly name: string;
  readonly length?: number;
  readonly lastT?: number;
  /** A log of format 3: records without the trailing CRC, and no promises about it. */
  readonly legacy?: true;
}

/**
 * The root record: the directory of the last checkpoint, the t it holds, the packs its pages are
 * in, and the logs after it, in order. A checkpoint first adds a fresh log (transactions go on into
 * it while the pages are written), then names the new directory with only the logs after it.
 */
export interface Root {
  readonly format: 4;
  readonly id: string;
  readonly dir: string;
  readonly dirT: number;
  readonly packs: readonly PackUse[];
  readonly logs: readonly LogRef[];
}

/** The root format this version writes; it reads this one and format 3. */
export const ROOT_FORMAT = 4;

const RECORD_HEADER = 8;
const RECORD_TRAILER = 4;

/** What a storage error tells the user to do. */
export const REPAIR_HINT = 'The database refuses to open until it is repaired: `datomkit repair <db>` (or repairDatabase) truncates it to the last good transaction and reports what it drops; or restore it from a backup';

function corrupt(message: string, source: string, extra: Record<string, unknown> = {}): DatomError {
  return new DatomError('storage/corrupt', message, { data: { source, ...extra } });
}

/** The keys a database writes: everything else in a store is someone else's. */
const STORAGE_KEY = /^(dir|pack|log)-\d+-[0-9a-f]{8}$/;

/** Creates an empty log (an append of nothing), so that a root never names a log that is not there. */
async function createLog(store: BlobStore, log: string): Promise<void> {
  await store.appendLog(log, 0, new Uint8Array(0));
}

function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && a.every((x, i) => x === b[i]);
}

/** Counts the whole records after the damaged one at `pos` (they are dropped with it). */
function countRecordsAfter(buf: Uint8Array, pos: number, legacy: boolean): number {
  if (buf.length - pos < RECORD_HEADER) return 0;
  let at = pos + RECORD_HEADER + new DataView(buf.buffer, buf.byteOffset + pos, 4).getUint32(0, true) + (legacy ? 0 : RECORD_TRAILER);
  let n = 0;
  while (at < buf.length) {
    const r = recordAt(buf, at, legacy);
    if (!r.ok) break;
    n += 1;
    at = r.end;
  }
  return n;
}

function shortId(): string {
  return Uuid.random().text.slice(0, 8);
}

/**
 * Encodes one transaction as a log record: length, CRC-32, then t and its datoms, then the CRC-32
 * again. The trailing copy tells a torn write from damage: logs are preallocated with zeros, so a
 * record whose end never reached the disk ends in zeros (see {@link parseLog}).
 */
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
  w.u32(0);
  const out = w.view().slice();
  const dv = new DataView(out.buffer);
  const bodyEnd = out.length - RECORD_TRAILER;
  const crc = crc32(out.subarray(RECORD_HEADER, bodyEnd));
  dv.setUint32(0, bodyEnd - RECORD_HEADER, true);
  dv.setUint32(4, crc, true);
  dv.setUint32(bodyEnd, crc, true);
  return out;
}

interface ParsedLog {
  readonly records: { t: number; datoms: StoredDatom[] }[];
  /** Bytes of whole, valid records. */
  readonly validLength: number;
  /** True when bytes after the valid records were dropped as a torn write. */
  readonly torn: boolean;
  /** Set when the log is damaged rather than torn (only when parsing with `damage: 'report'`). */
  readonly damage: DatomError | null;
}

/** How a log is read: records with the trailing CRC (format 4) or without (format 3, `legacy`). */
export interface ParseLogOptions {
  readonly legacy?: boolean;
  /** 'throw' (the default) fails on damage; 'report' returns the records before it (repair). */
  readonly damage?: 'throw' | 'report';
}

/** A disk writes whole sectors: a torn record has at least one sector of it still zero. */
const SECTOR = 512;

function recordAt(buf: Uint8Array, pos: number, legacy: boolean): { end: number; ok: boolean; past: boolean } {
  if (buf.length - pos < RECORD_HEADER) return { end: buf.length, ok: false, past: true };
  const dv = new DataView(buf.buffer, buf.byteOffset + pos, RECORD_HEADER);
  const len = dv.getUint32(0, true);
  const crc = dv.getUint32(4, true);
  // A record holds at least its t and datom count: a zero length is preallocated space.
  if (len === 0) return { end: pos + RECORD_HEADER, ok: false, past: false };
  const bodyEnd = pos + RECORD_HEADER + len;
  const end = bodyEnd + (legacy ? 0 : RECORD_TRAILER);
  if (end > buf.length) return { end: buf.length, ok: false, past: true };
  if (crc32(buf.subarray(pos + RECORD_HEADER, bodyEnd)) !== crc) return { end, ok: false, past: false };
  return { end, ok: legacy || new DataView(buf.buffer, buf.byteOffset + bodyEnd, 4).getUint32(0, true) === crc, past: false };
}

function allZero(buf: Uint8Array, from: number, to: number): boolean {
  for (let i = from; i < to; i++) if (buf[i] !== 0) return false;
  return true;
}

/**
 * Whether the damaged record at [pos, end) of a preallocated log is a torn write: the part of it in
 * its last sector (its trailing CRC) is still zero, or a whole sector inside it is. Offsets count
 * from the start of the log (`base` is where `buf` starts).
 */
function looksTorn(buf: Uint8Array, pos: number, end: number, base: number): boolean {
  const lastSector = Math.max(pos, Math.floor((base + end - 1) / SECTOR) * SECTOR - base);
  if (allZero(buf, Math.max(lastSector, end - RECORD_TRAILER), end)) return true;
  for (let s = Math.ceil((base + pos) / SECTOR) * SECTOR - base; s + SECTOR <= end; s += SECTOR) if (allZero(buf, s, s + SECTOR)) return true;
  return false;
}

/**
 * Reads the records of a log. Logs are preallocated with zeros, so the log ends at the first zero
 * header. A damaged record at the end whose end never reached the disk is a torn write (the process
 * or the machine died while appending; the record was never acknowledged): it is dropped. Any other
 * damage is `storage/corrupt` naming the file and offset: a damaged record followed by valid ones, a
 * last record that is whole but wrong, and a record that runs past the end of the file (the log was
 * cut short: appends never outrun the preallocated space). Legacy (format 3) logs keep the old rule:
 * anything damaged at the end is dropped.
 */
export function parseLog(buf: Uint8Array, source: string, baseOffset = 0, options: ParseLogOptions = {}): ParsedLog {
  const legacy = options.legacy === true;
  const records: { t: number; datoms: StoredDatom[] }[] = [];
  let pos = 0;
  const fail = (message: string): ParsedLog => {
    const err = corrupt(`${source} is corrupt at byte ${baseOffset + pos}: ${message}. ${REPAIR_HINT}`, source, { offset: baseOffset + pos });
    if (options.damage !== 'report') throw err;
    return { records, validLength: pos, torn: false, damage: err };
  };
  while (pos < buf.length) {
    // Zeros past the last record are preallocated space: the log ends here.
    if (buf.length - pos >= RECORD_HEADER && buf[pos] === 0 && buf[pos + 1] === 0 && buf[pos + 2] === 0 && buf[pos + 3] === 0) {
      return { records, validLength: pos, torn: buf.subarray(pos).some((b) => b !== 0), damage: null };
    }
    const r = recordAt(buf, pos, legacy);
    if (!r.ok) {
      if (!r.past && r.end < buf.length && recordAt(buf, r.end, legacy).ok) return fail('a damaged transaction record is followed by valid ones');
      if (legacy) return { records, validLength: pos, torn: true, damage: null };
      if (r.past) return fail('its last transaction record runs past the end of the file: the log was cut short');
      if (!looksTorn(buf, pos, r.end, baseOffset)) return fail('its last transaction record is damaged, and not by a torn write');
      return { records, validLength: pos, torn: true, damage: null };
    }
    const rd = new ByteReader(buf, source, pos + RECORD_HEADER, r.end - (legacy ? 0 : RECORD_TRAILER));
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
  return { records, validLength: pos, torn: false, damage: null };
}

export function encodeRoot(root: Root): Uint8Array {
  return new TextEncoder().encode(`${JSON.stringify(root)}\n`);
}

export function decodeRoot(bytes: Uint8Array, source: string): Root {
  let raw: { format?: unknown; id?: unknown; dir?: unknown; packs?: unknown; logs?: unknown };
  try {
    raw = JSON.parse(new TextDecoder().decode(bytes)) as typeof raw;
  } catch (err) {
    throw new DatomError('storage/corrupt', `The root record of ${source} is not readable`, { data: { source }, cause: err });
  }
  if (raw.format !== 3 && raw.format !== ROOT_FORMAT) {
    throw new DatomError(
      'storage/format',
      `The root record of ${source} is in format ${JSON.stringify(raw.format)}; this version of datomkit reads formats 3 and ${ROOT_FORMAT}: open it with the version that wrote it and copy it (\`datomkit restore\`) into a database made by this one`,
      { data: { source, format: raw.format, expected: ROOT_FORMAT } },
    );
  }
  if (typeof raw.id !== 'string' || typeof raw.dir !== 'string' || !Array.isArray(raw.packs) || !Array.isArray(raw.logs) || raw.logs.length === 0) {
    throw corrupt(`The root record of ${source} is incomplete`, source);
  }
  // Format 3 named its logs only; they are read by its rules until a checkpoint moves past them.
  const logs: LogRef[] = raw.format === 3 ? (raw.logs as string[]).map((name) => ({ name, legacy: true })) : (raw.logs as LogRef[]);
  return { ...(raw as unknown as Root), format: ROOT_FORMAT, logs };
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
    const log = `log-0-${shortId()}`;
    // Creating the log is a write to it, which a store may allow only to the lock's holder.
    await store.lock();
    try {
      await createLog(store, log);
      const { root } = await d.#writeCheckpoint(db, names, [{ name: log }]);
      await store.writeRoot(encodeRoot(root));
    } finally {
      await store.unlock();
      store.closeReads?.();
    }
    return true;
  }

  /**
   * Opens the database: the root's directory, then every record of its logs. A reader that finds a
   * log gone because the writer moved the root on meanwhile (and removed the logs a checkpoint made
   * obsolete) opens again from the new root.
   */
  async open(): Promise<LoadedDatabase> {
    for (let attempt = 0; ; attempt++) {
      const rootBytes = await this.#readRoot();
      try {
        return await this.#replay(await this.#openRoot(rootBytes));
      } catch (err) {
        if (attempt < 5 && isDatomError(err, 'storage/missing') && !sameBytes(rootBytes, await this.#readRoot())) continue;
        throw err;
      }
    }
  }

  async #readRoot(): Promise<Uint8Array> {
    const rootBytes = await this.store.readRoot();
    if (rootBytes === null) {
      throw new DatomError('db/not-found', `No database at ${this.store.location}: create it first`, { data: { location: this.store.location } });
    }
    return rootBytes;
  }

  /** The database of the root's directory; its logs are still to be read. */
  async #openRoot(rootBytes: Uint8Array): Promise<LoadedDatabase> {
    const root = decodeRoot(rootBytes, this.store.location);
    const dir = decodeDirectory(await this.store.getBlob(root.dir), `${this.store.location}/${root.dir}`, this.#reader);
    await this.#reader.prepare(dir.packs);
    this.#root = root;
    this.#dir = dir;
    this.#logIndex = 0;
    this.#logLength = 0;
    this.#sinceSnapshot = 0;
    return openDirectory(dir, this.#reader, this.#rowCache);
  }

  /**
   * Reads the log `ref` from `offset`: a missing log is `storage/missing` (a legacy last log may
   * never have been created), and the open log of a store with a log grain must be a whole number
   * of grains long (it was cut short otherwise).
   */
  async #readLog(ref: LogRef, last: boolean, offset: number): Promise<Uint8Array> {
    const source = `${this.store.location}/${ref.name}`;
    let bytes: Uint8Array;
    try {
      bytes = await this.store.readLog(ref.name, offset);
    } catch (err) {
      if (!isDatomError(err, 'storage/missing')) throw err;
      if (ref.legacy === true && last) return new Uint8Array(0);
      throw new DatomError('storage/missing', `The transaction log ${source} is missing: the transactions in it are lost. ${REPAIR_HINT}`, {
        data: { file: source, log: ref.name },
        cause: err,
      });
    }
    const grain = this.store.logGrain;
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
  async #replay(db: LoadedDatabase): Promise<LoadedDatabase> {
    const root = this.#root as Root;
    let { state } = db;
    for (;;) {
      const ref = root.logs[this.#logIndex] as LogRef;
      const last = this.#logIndex === root.logs.length - 1;
      const source = `${this.store.location}/${ref.name}`;
      const bytes = await this.#readLog(ref, last, this.#logLength);
      const parsed = parseLog(bytes, source, this.#logLength, { legacy: ref.legacy === true });
      // A writer zeroes a torn record, so that the next append starts where it started.
      if (last && parsed.torn && !this.readOnly && ref.legacy !== true) await this.store.truncateLog(ref.name, this.#logLength + parsed.validLength);
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
        this.#sinceSnapshot += 1;
      }
      this.#logLength += parsed.validLength;
      if (last) return { ...db, state };
      if (ref.length !== undefined && (this.#logLength !== ref.length || parsed.torn || state.basisT !== ref.lastT)) {
        throw corrupt(
          `The transaction log ${source} holds ${this.#logLength} bytes up to t ${state.basisT}; the root names it with ${ref.length} bytes up to t ${ref.lastT}: it was cut short or damaged. ${REPAIR_HINT}`,
          source,
          { log: ref.name, length: this.#logLength, expectedLength: ref.length, t: state.basisT, expectedT: ref.lastT },
        );
      }
      this.#logIndex += 1;
      this.#logLength = 0;
    }
  }

  /**
   * Opens a damaged database as far as it is whole: the directory, then the logs up to the first
   * one missing, cut short or damaged, or the first gap in t. Reports what is dropped: the records
   * found after the damage, and what the root promised beyond them.
   */
  async openForRepair(): Promise<{ db: LoadedDatabase; dropped: number; missing: string[]; damaged: string[] }> {
    const db = await this.#openRoot(await this.#readRoot());
    const root = this.#root as Root;
    let { state } = db;
    const missing: string[] = [];
    const damaged: string[] = [];
    let stopped = false;
    let beyond = 0;
    let promised = 0;
    for (let i = 0; i < root.logs.length; i++) {
      const ref = root.logs[i] as LogRef;
      const source = `${this.store.location}/${ref.name}`;
      if (ref.lastT !== undefined) promised = Math.max(promised, ref.lastT);
      let bytes: Uint8Array;
      try {
        bytes = await this.#readLog(ref, i === root.logs.length - 1, 0);
      } catch (err) {
        if (isDatomError(err, 'storage/missing')) missing.push(ref.name);
        else if (isDatomError(err, 'storage/corrupt')) {
          damaged.push(ref.name);
          bytes = await this.store.readLog(ref.name, 0);
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
   * Makes `db` (opened by {@link DurableStore.openForRepair}) the database: its pages and directory
   * are written, and the root names them and a fresh log. The damaged logs are left for gc.
   */
  async rewriteRoot(db: LoadedDatabase): Promise<void> {
    const t = db.state.basisT;
    const log = `log-${t}-${shortId()}`;
    await createLog(this.store, log);
    const { root } = await this.#writeCheckpoint(db, { dir: `dir-${t}-${shortId()}`, pack: `pack-${t}-${shortId()}` }, [{ name: log }]);
    await this.store.writeRoot(encodeRoot(root));
    this.#root = root;
  }

  /** Appends one committed transaction to the current log, durably. */
  async append(t: number, state: DbState, rows: readonly number[]): Promise<void> {
    const root = this.#root as Root;
    const log = (root.logs[root.logs.length - 1] as LogRef).name;
    const tb = state.table;
    const datoms: StoredDatom[] = rows.map((r) => ({ e: tb.e(r), a: tb.a(r), v: tb.v(r), added: tb.added(r) }));
    const rec = encodeTxRecord(t, datoms);
    try {
      await this.store.appendLog(log, this.#logLength, rec);
    } catch (err) {
      // Leave no partial record behind (zeroed, as the store keeps the space); the next append starts at the same place.
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
    const log = await this.#rollLog(t);
    this.#sinceSnapshot = 0;
    this.#pending = { log, dir: `dir-${t}-${shortId()}`, pack: `pack-${t}-${shortId()}`, t };
  }

  /**
   * Closes the open log at t (the root promises its length and last t from now on) and names a
   * fresh one, created first, that appends go on into. Returns the fresh log's name.
   */
  async #rollLog(t: number): Promise<string> {
    const root = this.#root as Root;
    const log = `log-${t}-${shortId()}`;
    await createLog(this.store, log);
    const open = root.logs[root.logs.length - 1] as LogRef;
    const closed: LogRef = { ...open, length: this.#logLength, lastT: t };
    const next: Root = { ...root, logs: [...root.logs.slice(0, -1), closed, { name: log }] };
    await this.store.writeRoot(encodeRoot(next));
    this.#root = next;
    this.#logIndex = next.logs.length - 1;
    this.#logLength = 0;
    return log;
  }

  /**
   * A writer that opened a database of format 3 goes on in a fresh log of the current format (the
   * root is rewritten in the current format, promising the old log's length).
   */
  async upgradeLog(t: number): Promise<void> {
    const root = this.#root as Root;
    if ((root.logs[root.logs.length - 1] as LogRef).legacy === true) await this.#rollLog(t);
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
    const from = root.logs.findIndex((l) => l.name === pending.log);
    const { root: next, result } = await this.#writeCheckpoint(db, pending, root.logs.slice(from));
    await this.store.writeRoot(encodeRoot(next));
    this.#logIndex -= from;
    this.#root = next;
    this.#dir = result.dir;
    this.#pending = null;
    // The logs before the checkpoint's are in its pages now: they go at once (each is at least a
    // preallocated chunk). A reader that was about to read one opens again from the new root.
    for (const l of root.logs.slice(0, from)) await this.store.remove(l.name).catch(() => undefined);
    return result;
  }

  /** Writes the pack and directory of `db`; the root to switch to is returned, not written. */
  async #writeCheckpoint(db: LoadedDatabase, names: { dir: string; pack: string }, logs: readonly LogRef[]): Promise<{ root: Root; result: PackResult }> {
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
    const root: Root = { format: ROOT_FORMAT, id: state.id, dir: names.dir, dirT: state.basisT, packs, logs };
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
    const extends_ = cur !== null && root.dir === cur.dir && cur.logs.every((l, i) => root.logs[i]?.name === l.name);
    if (extends_) {
      this.#root = root;
      try {
        return await this.#replay(db);
      } catch (err) {
        // The writer moved on to a new checkpoint and removed the log meanwhile: open afresh.
        if (!isDatomError(err, 'storage/missing')) throw err;
      }
    }
    const fresh = await this.open();
    return fresh.state.basisT >= db.state.basisT ? fresh : db;
  }

  /** Releases open read handles. */
  close(): void {
    this.store.closeReads?.();
  }

  /**
   * Removes directories, packs and logs that the root does not name and that were last written
   * before `olderThanMs`. Keys that are not storage of a database (anything the user put beside it)
   * are left alone.
   */
  async gc(olderThanMs: number): Promise<{ removed: string[] }> {
    const root = this.#root ?? decodeRoot(await this.#readRoot(), this.store.location);
    // What a checkpoint is writing right now is kept too (the writer's own store knows its names).
    const keep = new Set<string | null>([root.dir, ...root.packs.map((p) => p.name), ...root.logs.map((l) => l.name), this.#pending?.dir ?? null, this.#pending?.pack ?? null]);
    const removed: string[] = [];
    for (const { key, mtimeMs } of await this.store.list()) {
      if (keep.has(key) || mtimeMs >= olderThanMs || !STORAGE_KEY.test(key)) continue;
      await this.store.remove(key);
      removed.push(key);
    }
    return { removed };
  }
}
