// The log record format: one committed transaction per record, appended to a preallocated log and
// synced before the transaction counts as committed.
import { crc32 } from 'node:zlib';
import { DatomError } from '../error/datom-error.js';
import type { Value } from '../model/value.js';
import { ByteReader, ByteWriter, concatBytes } from '../storage/byte-codec.js';
import type { StoredDatom } from '../tx/replay-tx.js';
import { corrupt, REPAIR_HINT } from './repair-hint.js';

const RECORD_HEADER = 8;
const RECORD_TRAILER = 4;

/**
 * Writes log records, one after another, into one buffer: length, CRC-32, then t and its datoms,
 * then the CRC-32 again. The trailing copy tells a torn write from damage: logs are preallocated
 * with zeros, so a record whose end never reached the disk ends in zeros (see {@link parseLog}).
 * A commit writes its transactions' rows straight from the table, without a datom object each.
 */
export class LogRecordWriter {
  /** A live object of this class, kept for the reason `Filler.kept` (db/column-read.ts) gives: a database's own die when it is closed, and the next database's code ran unoptimized. */
  static readonly kept: LogRecordWriter = new LogRecordWriter(0);

  readonly #w: ByteWriter;
  #start = 0;

  constructor(datoms: number) {
    this.#w = new ByteWriter(64 + datoms * 24);
  }

  /** Starts the record of transaction `t`, which holds `count` datoms. */
  begin(t: number, count: number): void {
    const w = this.#w;
    this.#start = w.length;
    w.u32(0);
    w.u32(0);
    w.uvar(t);
    w.uvar(count);
  }

  /** Adds a datom to the record begun. */
  datom(e: number, a: number, v: Value, added: boolean): void {
    const w = this.#w;
    w.datomHead(e, a, added);
    w.value(v);
  }

  /** Ends the record begun: its length and checksums. */
  end(): void {
    const w = this.#w;
    w.u32(0);
    const all = w.view();
    const start = this.#start;
    const bodyEnd = all.length - RECORD_TRAILER;
    const crc = crc32(all.subarray(start + RECORD_HEADER, bodyEnd));
    const dv = new DataView(all.buffer, all.byteOffset);
    dv.setUint32(start, bodyEnd - start - RECORD_HEADER, true);
    dv.setUint32(start + 4, crc, true);
    dv.setUint32(bodyEnd, crc, true);
  }

  /** The records written (a view of the writer's buffer, valid until it writes more or is reset). */
  bytes(): Uint8Array {
    return this.#w.view();
  }

  /** Starts over with no records, keeping the buffer; `bytes()` given out before are overwritten. */
  reset(): void {
    this.#w.reset();
  }

  /** The buffer's size in bytes. */
  get capacity(): number {
    return this.#w.capacity;
  }
}

/** Encodes one transaction as a log record (see {@link LogRecordWriter}). */
export function encodeTxRecord(t: number, datoms: readonly StoredDatom[]): Uint8Array {
  const w = new LogRecordWriter(datoms.length);
  w.begin(t, datoms.length);
  for (const d of datoms) w.datom(d.e, d.a, d.v, d.added);
  w.end();
  return w.bytes();
}

/**
 * The bytes of a log holding `records` (consecutive transactions in t order, each with its datoms in
 * the order they were committed), exactly as a writer appends them: a log blob that a
 * `StoreSnapshot`-based copy (a physical backup point, see `writeStoreSnapshot`) can carry
 * in place of the pages a checkpoint rewrote. The engine replays it on open like any log.
 * A transaction out of order is `db/arg` (the engine could not replay it).
 *
 * @example
 * ```ts
 * const entries = []
 * for await (const e of conn.txRange({ start: 41 })) entries.push(e)
 * const bytes = encodeLogRecords(entries) // a log of transactions 41 onward
 * ```
 */
export function encodeLogRecords(records: Iterable<{ readonly t: number; readonly data: readonly StoredDatom[] }>): Uint8Array {
  const parts: Uint8Array[] = [];
  let last: number | null = null;
  for (const r of records) {
    if (last !== null && r.t !== last + 1) {
      throw new DatomError('db/arg', `A log holds consecutive transactions: t ${r.t} cannot follow t ${last}`, { data: { t: r.t, after: last } });
    }
    last = r.t;
    parts.push(encodeTxRecord(r.t, r.data));
  }
  return concatBytes(parts);
}

export interface ParsedLog {
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

/** Counts the whole records after the damaged one at `pos` (they are dropped with it). */
export function countRecordsAfter(buf: Uint8Array, pos: number, legacy: boolean): number {
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
