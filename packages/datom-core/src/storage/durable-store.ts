import { crc32 } from 'node:zlib';
import { DatomError } from '../error/datom-error.js';
import { treeFromSorted, treeForEach, type Tree } from '../index/btree.js';
import { DatomTable } from '../index/datom-table.js';
import { IndexComparators } from '../index/index-order.js';
import { HistoryIndex } from '../db/history-index.js';
import { DbState, indexTrees, uniqueOnly } from '../db/db-state.js';
import { LazyTree } from '../db/lazy-tree.js';
import { currentRows } from '../db/lookup.js';
import { Uuid } from '../model/uuid.js';
import type { Value } from '../model/value.js';
import { Schema, SCHEMA_ATTRS } from '../schema/schema.js';
import { replayTx, type StoredDatom } from '../tx/replay-tx.js';
import type { BlobStore } from './blob-store.js';
import { ByteReader, ByteWriter } from './byte-codec.js';

/** One committed transaction as the connection keeps it. */
export interface LogEntry {
  readonly t: number;
  readonly rows: readonly number[];
  /** Its txInstant, in ms. */
  readonly instant: number;
}

/** What an open database holds in memory. */
export interface LoadedDatabase {
  readonly state: DbState;
  /** Rows of t = 0 (the bootstrap schema). */
  readonly bootRows: readonly number[];
  /** Every transaction from t = 1, in order. */
  readonly log: LogEntry[];
}

/**
 * The root record: the snapshot, the t it holds, and the logs after it, in order. A checkpoint
 * first adds a fresh log (transactions go on into it while the snapshot is written), then names the
 * new snapshot with only the logs after it.
 */
interface Root {
  readonly format: 2;
  readonly id: string;
  readonly snapshot: string | null;
  readonly snapshotT: number;
  readonly logs: readonly string[];
}

const SNAP_MAGIC = 'DKSNAP03';
const TREE_NAMES = ['eavt', 'aevt', 'avet', 'vaet', 'heavt', 'haevt', 'havet', 'hvaet'] as const;
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
  if (root.format !== 2 || typeof root.id !== 'string' || !Array.isArray(root.logs) || root.logs.length === 0) {
    throw corrupt(`The root record of ${source} has an unknown format`, source);
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

/** Rows encoded between two yields of {@link encodeSnapshotSteps}. */
const ROWS_PER_STEP = 50_000;

/** Writes the committed rows and trees of `db` as one snapshot blob. */
export function encodeSnapshot(db: LoadedDatabase): Uint8Array {
  const steps = encodeSnapshotSteps(db);
  for (;;) {
    const r = steps.next();
    if (r.done === true) return r.value;
  }
}

/** {@link encodeSnapshot} in slices, yielding to the event loop so transactions go on meanwhile. */
export async function encodeSnapshotAsync(db: LoadedDatabase): Promise<Uint8Array> {
  const steps = encodeSnapshotSteps(db);
  for (;;) {
    const r = steps.next();
    if (r.done === true) return r.value;
    await new Promise((res) => setImmediate(res));
  }
}

/** The snapshot encoder, pausing every {@link ROWS_PER_STEP} rows. */
function* encodeSnapshotSteps(db: LoadedDatabase): Generator<void, Uint8Array> {
  const { state } = db;
  const table = state.table;
  const renum = new Int32Array(table.size).fill(-1);
  let next = 0;
  const order: number[] = [];
  const place = (r: number): void => {
    renum[r] = next++;
    order.push(r);
  };
  for (const r of db.bootRows) place(r);
  for (const e of db.log) for (const r of e.rows) place(r);
  const meta = {
    id: state.id,
    basisT: state.basisT,
    maxEid: state.maxEid,
    lastInstant: state.lastInstant,
    aliases: [...state.schema.aliases()],
    rows: order.length,
    bootRows: db.bootRows.length,
  };
  const w = new ByteWriter(1 << 20);
  for (const ch of SNAP_MAGIC) w.byte(ch.charCodeAt(0));
  const metaBytes = new TextEncoder().encode(JSON.stringify(meta));
  w.u32(metaBytes.length);
  w.bytes(metaBytes);
  w.uvar(db.log.length);
  for (const e of db.log) w.uvar(e.rows.length);
  // Entities and index orders are delta-encoded: neighbouring rows mostly have nearby numbers.
  let prevE = 0;
  let done = 0;
  for (const r of order) {
    if (++done % ROWS_PER_STEP === 0) yield;
    const e = table.e(r);
    w.svar(e - prevE);
    prevE = e;
    w.uvar(table.a(r));
    const added = table.added(r);
    w.svar(added ? table.t(r) + 1 : -(table.t(r) + 1));
    w.value(table.v(r));
    if (!added) w.uvar(renum[table.link(r)] as number);
  }
  const history = state.history.trees(state.cmp);
  for (const name of TREE_NAMES) {
    const tree: Tree = name.startsWith('h') ? history[name as keyof typeof history] : state.stableTrees()[name as 'eavt' | 'aevt' | 'avet' | 'vaet'];
    w.uvar(tree.size);
    yield;
    let prev = 0;
    treeForEach(tree, (r) => {
      const n = renum[r] as number;
      if (n < 0) throw new DatomError('storage/encode', `Index ${name} holds an uncommitted row`);
      w.svar(n - prev);
      prev = n;
    });
  }
  const body = w.view();
  const out = new Uint8Array(body.length + 4);
  out.set(body);
  new DataView(out.buffer).setUint32(body.length, crc32(body), true);
  return out;
}

/** Reads a snapshot blob back into an in-memory database. */
export function decodeSnapshot(buf: Uint8Array, source: string): LoadedDatabase {
  if (buf.length < SNAP_MAGIC.length + 8) throw corrupt(`Snapshot ${source} is truncated`, source);
  const magic = new TextDecoder().decode(buf.subarray(0, SNAP_MAGIC.length));
  if (magic !== SNAP_MAGIC) {
    throw new DatomError('storage/format', `Snapshot ${source} is in format ${JSON.stringify(magic)}; this version of datomkit reads ${SNAP_MAGIC}`, {
      data: { source, format: magic, expected: SNAP_MAGIC },
    });
  }
  const body = buf.subarray(0, buf.length - 4);
  const crc = new DataView(buf.buffer, buf.byteOffset + buf.length - 4, 4).getUint32(0, true);
  if (crc32(body) !== crc) throw corrupt(`Snapshot ${source} is corrupt (checksum mismatch)`, source);
  const rd = new ByteReader(body, source, SNAP_MAGIC.length);
  const metaLen = rd.u32();
  const meta = JSON.parse(new TextDecoder().decode(rd.bytes(metaLen))) as {
    id: string;
    basisT: number;
    maxEid: number;
    lastInstant: number;
    aliases: [string, number][];
    rows: number;
    bootRows: number;
  };
  const txCount = rd.uvar();
  const txRows = new Array<number>(txCount);
  for (let i = 0; i < txCount; i++) txRows[i] = rd.uvar();
  const table = new DatomTable(Math.max(1024, meta.rows));
  let e = 0;
  for (let i = 0; i < meta.rows; i++) {
    e += rd.svar();
    const a = rd.uvar();
    const st = rd.svar();
    const v = rd.value() as Value;
    table.add(e, a, v, st > 0 ? st - 1 : -st - 1, st > 0, st > 0 ? -1 : rd.uvar());
  }
  const trees: Partial<Record<(typeof TREE_NAMES)[number], Tree>> = {};
  for (const name of TREE_NAMES) {
    const n = rd.uvar();
    const rows = new Uint32Array(n);
    let prev = 0;
    for (let i = 0; i < n; i++) {
      prev += rd.svar();
      if (prev < 0 || prev >= meta.rows) throw corrupt(`Snapshot ${source} names row ${prev} of ${meta.rows} in index ${name}`, source);
      rows[i] = prev;
    }
    trees[name] = treeFromSorted(rows, null);
  }
  const bootRows = Array.from({ length: meta.bootRows }, (_, i) => i);
  const log: LogEntry[] = [];
  let r = meta.bootRows;
  for (let i = 0; i < txCount; i++) {
    const n = txRows[i] as number;
    const rows = Array.from({ length: n }, (_, k) => r + k);
    log.push({ t: i + 1, rows, instant: (table.v(r) as Date).getTime() });
    r += n;
  }
  const { heavt, haevt, havet, hvaet, eavt, aevt, avet, vaet } = trees as Record<(typeof TREE_NAMES)[number], Tree>;
  const cmp = new IndexComparators(table);
  const lazyAvet = new LazyTree(avet, null, cmp.avet);
  const partial = new DbState(
    {
      id: meta.id,
      table,
      cmp,
      schema: Schema.fromDatoms([]),
      basisT: meta.basisT,
      maxEid: meta.maxEid,
      lastInstant: meta.lastInstant,
      history: new HistoryIndex({ heavt, haevt, havet, hvaet }, null),
    },
    indexTrees(eavt, aevt, vaet, avet, lazyAvet),
  );
  const schema = schemaOf(partial, meta.aliases);
  const state = partial.derive({ schema }, indexTrees(eavt, aevt, vaet, uniqueOnly(avet, schema, table), lazyAvet));
  return { state, bootRows, log };
}

/**
 * A database kept in a {@link BlobStore}: a snapshot of the indexes plus the transaction log since
 * that snapshot. Opening loads the snapshot and replays the log; each transaction is appended to the
 * log and synced before it counts as committed; a checkpoint writes a new snapshot and switches the
 * root to it and to a fresh log.
 */
export class DurableStore {
  #root: Root | null = null;
  /** Which log of the root is being read or appended to, and how much of it has been read. */
  #logIndex = 0;
  #logLength = 0;
  #sinceSnapshot = 0;
  /** The log a started checkpoint switched to, and the t its snapshot will hold. */
  #pending: { readonly log: string; readonly snapshot: string; readonly t: number } | null = null;

  constructor(
    readonly store: BlobStore,
    readonly readOnly: boolean,
  ) {}

  /** Transactions appended since the last snapshot. */
  get transactionsSinceSnapshot(): number {
    return this.#sinceSnapshot;
  }

  /** Creates a new, empty database in the store (the store must hold none). */
  static async create(store: BlobStore, bootstrap: () => LoadedDatabase): Promise<boolean> {
    if (await store.exists()) return false;
    await store.create();
    const db = bootstrap();
    const snapshot = `snap-0-${shortId()}`;
    await store.putBlob(snapshot, encodeSnapshot(db));
    await store.writeRoot(encodeRoot({ format: 2, id: db.state.id, snapshot, snapshotT: 0, logs: [`log-0-${shortId()}`] }));
    return true;
  }

  /** Loads the database: the root's snapshot, then every whole record of its logs. */
  async open(): Promise<LoadedDatabase> {
    const rootBytes = await this.store.readRoot();
    if (rootBytes === null) {
      throw new DatomError('db/not-found', `No database at ${this.store.location}: create it first`, { data: { location: this.store.location } });
    }
    const root = decodeRoot(rootBytes, this.store.location);
    if (root.snapshot === null) throw corrupt(`The root of ${this.store.location} names no snapshot`, this.store.location);
    const db = decodeSnapshot(await this.store.getBlob(root.snapshot), `${this.store.location}/${root.snapshot}`);
    this.#root = root;
    this.#logIndex = 0;
    this.#logLength = 0;
    this.#sinceSnapshot = 0;
    return this.#replay(db);
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
        db.log.push({ t: rec.t, rows: out.rows, instant: state.lastInstant });
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
   * into it while the snapshot is written. Quick: one root write.
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
    this.#pending = { log, snapshot: `snap-${t}-${shortId()}`, t };
  }

  /**
   * Second half: writes the snapshot of `db` (the database as of the started checkpoint's t) in
   * slices, then switches the root to it and to the logs from the checkpoint's on.
   */
  async finishCheckpoint(db: LoadedDatabase): Promise<void> {
    const pending = this.#pending;
    if (pending === null || db.state.basisT !== pending.t) throw new DatomError('storage/encode', 'No checkpoint was started at this t');
    const snapshot = pending.snapshot;
    await this.store.putBlob(snapshot, await encodeSnapshotAsync(db));
    const root = this.#root as Root;
    const from = root.logs.indexOf(pending.log);
    const next: Root = { format: 2, id: db.state.id, snapshot, snapshotT: pending.t, logs: root.logs.slice(from) };
    await this.store.writeRoot(encodeRoot(next));
    this.#logIndex -= from;
    this.#root = next;
    this.#pending = null;
  }

  /**
   * Catches a read-only view up with the writer: new records are replayed onto `db`, through logs the
   * writer has added; when the writer has switched to a new snapshot, the database is loaded afresh.
   */
  async catchUp(db: LoadedDatabase): Promise<LoadedDatabase> {
    const rootBytes = await this.store.readRoot();
    if (rootBytes === null) throw new DatomError('db/not-found', `The database at ${this.store.location} is gone`, { data: { location: this.store.location } });
    const root = decodeRoot(rootBytes, this.store.location);
    const cur = this.#root;
    const extends_ = cur !== null && root.snapshot === cur.snapshot && cur.logs.every((l, i) => root.logs[i] === l);
    if (!extends_) {
      const fresh = await this.open();
      return fresh.state.basisT >= db.state.basisT ? fresh : db;
    }
    this.#root = root;
    return this.#replay(db);
  }

  /** Removes blobs and logs that the root does not name and that were last written before `olderThanMs`. */
  async gc(olderThanMs: number): Promise<{ removed: string[] }> {
    const root = this.#root ?? decodeRoot((await this.store.readRoot()) ?? new Uint8Array(), this.store.location);
    // A snapshot still being written is kept too (the writer's own store knows its name).
    const keep = new Set<string | null>([root.snapshot, ...root.logs, this.#pending?.snapshot ?? null]);
    const removed: string[] = [];
    for (const { key, mtimeMs } of await this.store.list()) {
      if (keep.has(key) || mtimeMs >= olderThanMs) continue;
      await this.store.remove(key);
      removed.push(key);
    }
    return { removed };
  }
}
