import {
  BigDec,
  type Database,
  type Datom,
  DatomError,
  EdnList,
  type TxLogEntry,
  type Value,
  Uri,
  Uuid,
  type ValueType,
  parseEdn,
  printEdn,
  txToT,
  valueToEdn,
} from '@datomkit/datom-core';
import { LogColumns } from '@datomkit/restore';
import { storedValue } from '../export/json-datom-value.js';

/**
 * What the first line of a datomkit backup file says (an EDN comment, which EDN readers skip): the
 * format version, the source database's durable identity, and whether the file keeps history.
 *
 * @example
 * ```ts
 * const header: BackupFileHeader = { version: 1, source: conn.id, history: true }
 * ```
 */
export interface BackupFileHeader {
  readonly version: 1;
  readonly source: string;
  readonly history: boolean;
}

const HEADER_PREFIX = ';; datomkit-backup ';

/**
 * The header line of a backup file, with its newline.
 *
 * @example
 * ```ts
 * formatHeader({ version: 1, source: conn.id, history: true }) // ';; datomkit-backup {:version 1, ...}\n'
 * ```
 */
export function formatHeader(h: BackupFileHeader): string {
  return `${HEADER_PREFIX}${printEdn(new Map<unknown, unknown>([
    [kwKey('version'), h.version],
    [kwKey('source'), h.source],
    [kwKey('history'), h.history],
  ]))}\n`;
}

function kwKey(name: string): unknown {
  return parseEdn(`:${name}`);
}

/**
 * Reads a header line; `null` when `line` is not one (a file written by another tool has none).
 *
 * @example
 * ```ts
 * parseHeader(firstLine)?.source
 * ```
 */
export function parseHeader(line: string): BackupFileHeader | null {
  if (!line.startsWith(HEADER_PREFIX)) return null;
  const m = parseEdn(line.slice(HEADER_PREFIX.length)) as Map<unknown, unknown>;
  const get = (k: string) => m.get(kwKey(k));
  const version = get('version');
  const source = get('source');
  const history = get('history');
  if (version !== 1 || typeof source !== 'string' || typeof history !== 'boolean') {
    throw new DatomError('backup/format', `Unknown backup file header ${JSON.stringify(line)}: this file was written by a newer datomkit or is damaged`, {
      data: { header: line },
    });
  }
  return { version, source, history };
}

/** Writes one attribute's values as EDN, typed by the attribute (`1.0` stays a double), into a sink. */
type ValueWriter = (v: Value, out: LineSink) => void;

/**
 * A growing byte buffer that backup lines are written into directly: ASCII pieces and integers
 * byte by byte, other text as UTF-8, with no intermediate string per datom or per line.
 */
export class LineSink {
  #buf: Buffer;
  /** Bytes written so far. */
  length = 0;

  constructor(capacity = 1 << 20) {
    this.#buf = Buffer.allocUnsafe(capacity);
  }

  #ensure(n: number): void {
    if (this.length + n <= this.#buf.length) return;
    const next = Buffer.allocUnsafe(Math.max(this.#buf.length * 2, this.length + n));
    this.#buf.copy(next, 0, 0, this.length);
    this.#buf = next;
  }

  /** Appends `s`, which holds only ASCII characters. */
  ascii(s: string): void {
    const n = s.length;
    this.#ensure(n);
    const buf = this.#buf;
    let p = this.length;
    for (let i = 0; i < n; i++) buf[p++] = s.charCodeAt(i);
    this.length = p;
  }

  /** Appends `s` as UTF-8. */
  utf8(s: string): void {
    this.#ensure(s.length * 3);
    this.length += this.#buf.write(s, this.length, 'utf8');
  }

  /** Appends one ASCII byte. */
  byte(c: number): void {
    this.#ensure(1);
    this.#buf[this.length++] = c;
  }

  /** Appends the decimal digits of a safe integer. */
  int(x: number): void {
    if (x < 0 || !Number.isSafeInteger(x)) {
      this.ascii(String(x));
      return;
    }
    let digits = 1;
    for (let y = x; y >= 10; y = Math.floor(y / 10)) digits++;
    this.#ensure(digits);
    const buf = this.#buf;
    let p = this.length + digits;
    this.length = p;
    for (let y = x; ; ) {
      const q = Math.floor(y / 10);
      buf[--p] = 48 + (y - q * 10);
      if (q === 0) break;
      y = q;
    }
  }

  /** The bytes written (a view, valid until the next write or {@link clear}). */
  bytes(): Buffer {
    return this.#buf.subarray(0, this.length);
  }

  clear(): void {
    this.length = 0;
  }
}

const DATOM_OPEN = '#datom[';
const TRUE_CLOSE = ' true]';
const FALSE_CLOSE = ' false]';

/**
 * Turns source transactions into backup lines: `(#datom[e a v tx added] ...)`, `e`, `a` and `tx`
 * the source's numeric ids, `v` the value printed as EDN, typed by its attribute (refs are ids).
 * Lines are written as bytes into a {@link LineSink}; a value writer is made once per attribute
 * (longs, refs, strings, booleans and UUIDs are written directly, other types through `printEdn`).
 *
 * @example
 * ```ts
 * const printer = new LinePrinter(sourceConn.db())
 * const sink = new LineSink()
 * printer.write(entry.data, sink)
 * out.write(sink.bytes())
 * ```
 */
export class LinePrinter {
  readonly #db: Database;
  readonly #writers = new Map<number, ValueWriter>();

  constructor(db: Database) {
    this.#db = db;
  }

  #writer(a: number): ValueWriter {
    let w = this.#writers.get(a);
    if (w !== undefined) return w;
    const attr = this.#db.attribute(a);
    if (attr === null) w = (v, out) => out.utf8(printEdn(v));
    else {
      switch (attr.valueType) {
        case 'ref':
        case 'long':
          w = (v, out) => (typeof v === 'number' ? out.int(v) : out.ascii(String(v)));
          break;
        case 'string':
          // JSON's escapes are all EDN escapes (printEdn prints strings the same way).
          w = (v, out) => out.utf8(JSON.stringify(v));
          break;
        case 'boolean':
          w = (v, out) => out.ascii(v === true ? 'true' : 'false');
          break;
        case 'uuid':
          w = (v, out) => {
            if (v instanceof Uuid) {
              out.ascii('#uuid "');
              out.ascii(v.text);
              out.byte(34);
            } else out.utf8(printEdn(v));
          };
          break;
        default: {
          const parts = attr.tupleAttrs?.map((id) => this.#db.attribute(id)?.valueType ?? ('ref' as ValueType));
          w = (v, out) => out.utf8(printEdn(valueToEdn(attr, v, parts)));
        }
      }
    }
    this.#writers.set(a, w);
    return w;
  }

  /** Appends the backup line of `datoms` (one transaction's), with its newline, to `out`. */
  write(datoms: readonly Datom[], out: LineSink): void {
    out.byte(40 /* ( */);
    for (let i = 0; i < datoms.length; i++) {
      const d = datoms[i] as Datom;
      if (i > 0) out.byte(32);
      out.ascii(DATOM_OPEN);
      out.int(d.e);
      out.byte(32);
      out.int(d.a);
      out.byte(32);
      this.#writer(d.a)(d.v, out);
      out.byte(32);
      out.int(d.tx);
      out.ascii(d.added ? TRUE_CLOSE : FALSE_CLOSE);
    }
    out.ascii(')\n');
  }

}

function isId(x: unknown): x is number {
  return typeof x === 'number' && Number.isSafeInteger(x) && x >= 0;
}

function readDatom(form: unknown): Datom {
  if (!Array.isArray(form) || form.length !== 5 || !isId(form[0]) || !isId(form[1]) || !isId(form[3]) || typeof form[4] !== 'boolean') {
    throw new DatomError('backup/format', `A #datom must be [e a v tx added] with numeric e, a and tx and a boolean added, not ${printEdn(form)}`, {
      data: { datom: printEdn(form) },
    });
  }
  return { e: form[0], a: form[1], v: storedValue(form[2]), tx: form[3], added: form[4] };
}

const TAGS = { datom: readDatom };

/** Keyword values the fast reader has read with `parseEdn`. */
const tokenCache = new Map<string, Value>();

/** Whether the string (or tagged string) that the last {@link tokenEnd} found holds a backslash. */
let tokenEscaped = false;
/** Whether the token that the last {@link tokenEnd} found holds a byte past ASCII (UTF-8 text). */
let tokenWide = false;

/**
 * The end of the token at `i` of the line bytes `b` (which end at `end`): the next space or `]` (a
 * scalar), or for a tag or a string, the end of its string; -1 when the value is not a scalar or a
 * tagged string or a tuple (a set, a map, a list). UTF-8 needs no decoding here: no byte of a
 * character past ASCII is a space, a quote, a backslash or a bracket.
 */
function tokenEnd(b: Uint8Array, i: number, end: number): number {
  let c = b[i];
  tokenWide = false;
  if (c === 35 /* # */) {
    let sp = i + 1;
    while (sp < end && b[sp] !== 32) sp++;
    if (sp + 1 >= end || b[sp + 1] !== 34) return -1;
    i = sp + 1;
    c = 34;
  }
  if (c === 34 /* " */) {
    tokenEscaped = false;
    for (let j = i + 1; j < end; j++) {
      const x = b[j] as number;
      if (x === 92 /* \ */) {
        tokenEscaped = true;
        j++;
      } else if (x === 34) return j + 1;
      else if (x >= 0x80) tokenWide = true;
    }
    return -1;
  }
  if (c === 91 /* [ */) {
    // A tuple: to its closing bracket, strings skipped (its text is decoded as UTF-8 whatever it holds).
    tokenWide = true;
    let depth = 0;
    for (let j = i; j < end; j++) {
      const x = b[j] as number;
      if (x === 91) depth++;
      else if (x === 93 && --depth === 0) return j + 1;
      else if (x === 34) {
        for (j++; j < end && b[j] !== 34; j++) if (b[j] === 92) j++;
      } else if (x === 40 || x === 123) return -1;
    }
    return -1;
  }
  if (c === 40 || c === 123 /* ( { */) return -1;
  let j = i;
  for (; j < end; j++) {
    const x = b[j] as number;
    if (x === 32 || x === 93) break;
    if (x >= 0x80) tokenWide = true;
  }
  return j === i ? -1 : j;
}

/** The non-negative integer of at most 15 digits (no leading zero) that is the whole of `b[from..to)`, or -1. */
function digitsAt(b: Uint8Array, from: number, to: number): number {
  if (to <= from || to - from > 15 || (b[from] === 48 && to - from > 1)) return -1;
  let n = 0;
  for (let i = from; i < to; i++) {
    const c = (b[i] as number) - 48;
    if (c < 0 || c > 9) return -1;
    n = n * 10 + c;
  }
  return n;
}

/** A double as `printEdn` writes it (`-12.5`, `1.0`, `1.5e-7`), which `Number` reads the same way. */
const DOUBLE = /^-?(?:0|[1-9][0-9]*)\.[0-9]+(?:[eE][-+]?[0-9]+)?$/;

/**
 * A tuple of non-negative longs, `[1052 1]` (a composite of refs and positions, the common kind),
 * from its bytes `b[from..to)`, as the frozen array the generic reader makes of it; `null` for any
 * other tuple.
 */
function longTupleAt(b: Uint8Array, from: number, to: number): Value | null {
  const out: number[] = [];
  let i = from + 1;
  const last = to - 1;
  if (b[last] !== 93 /* ] */) return null;
  while (i < last) {
    let j = i;
    while (j < last && b[j] !== 32) j++;
    const n = digitsAt(b, i, j);
    if (n < 0) return null;
    out.push(n);
    i = j + 1;
  }
  return out.length === 0 || i !== to ? null : (Object.freeze(out) as Value);
}

/** The digits of a field of the instant text at `at`, `count` long, or -1. */
function field(line: string, at: number, count: number, sep: number): number {
  if (line.charCodeAt(at + count) !== sep) return -1;
  let n = 0;
  // Leading zeros are part of the form here (01:07), unlike in an EDN integer.
  for (let i = at; i < at + count; i++) {
    const c = line.charCodeAt(i) - 48;
    if (!(c >= 0 && c <= 9)) return -1;
    n = n * 10 + c;
  }
  return n;
}

/**
 * An instant in exactly the form `printEdn` writes, `2026-12-07T01:07:38.599-00:00"` at `at` (the
 * text after `#inst "`), or `null` (another form, or a date that does not exist: the generic reader
 * then reads or rejects it).
 */
function instant(line: string, at: number): Date | null {
  if (!line.startsWith('-00:00"', at + 23)) return null;
  const y = field(line, at, 4, 45 /* - */);
  const mo = field(line, at + 5, 2, 45);
  const d = field(line, at + 8, 2, 84 /* T */);
  const h = field(line, at + 11, 2, 58 /* : */);
  const mi = field(line, at + 14, 2, 58);
  const s = field(line, at + 17, 2, 46 /* . */);
  const ms = field(line, at + 20, 3, 45);
  if (y < 0 || mo < 1 || mo > 12 || d < 1 || h < 0 || h > 23 || mi < 0 || mi > 59 || s < 0 || s > 59 || ms < 0) return null;
  const date = new Date(Date.UTC(y, mo - 1, d, h, mi, s, ms));
  // Date.UTC rolls an impossible day over into the next month, and maps years 0-99 to the 1900s.
  return date.getUTCDate() === d && date.getUTCFullYear() === y ? date : null;
}

/** A bigdec as `printEdn` writes it (`12.99M`, `-3M`), which `BigDec.parse` reads as the EDN reader does. */
const DECIMAL = /^-?(?:0|[1-9][0-9]*)(?:\.[0-9]+)?M$/;

/** Standard padded base64, the text of a `#bytes`. */
const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;

/**
 * The stored value of the value token `token` (its text), other than those {@link tokenAt} and
 * {@link readFast} read from the bytes (strings without escapes, uuids, longs, booleans, tuples of
 * non-negative longs).
 */
function tokenValue(token: string): Value {
  const c = token.charCodeAt(0);
  const n = token.length;
  if (c === 35 /* # */) {
    if (n === 37 && token.startsWith('#inst "')) {
      const d = instant(token, 7);
      if (d !== null) return d;
    } else if (token.startsWith('#bytes "')) {
      const text = token.slice(8, n - 1);
      // Strict base64 only (Buffer alone skips what it does not understand): else the generic reader.
      if (BASE64.test(text)) return new Uint8Array(Buffer.from(text, 'base64'));
    } else if (token.startsWith('#uri "')) {
      const text = token.slice(6, n - 1);
      // A URI the constructor refuses throws: the generic reader then says what is wrong.
      if (!text.includes('\\')) return new Uri(text);
    }
  }
  if (DOUBLE.test(token)) return Number(token);
  if (DECIMAL.test(token)) return BigDec.parse(token);
  let v = tokenCache.get(token);
  if (v === undefined) {
    v = storedValue(parseEdn(token));
    // Keywords are immutable and repeat; instants (mutable Dates) are read afresh.
    if (c === 58 /* : */) {
      if (tokenCache.size >= 10_000) tokenCache.clear();
      tokenCache.set(token, v);
    }
  }
  return v;
}

/**
 * Reads a line in exactly the form `LinePrinter` writes, `(#datom[e a v tx added] ...)` with single
 * spaces, from its UTF-8 bytes `b[from..to)`, without the generic EDN reader: ids, longs, strings
 * and uuids straight from the bytes, other values from the text of their token, into `cols` as one
 * transaction. `false` for anything else (other spacing, a set, a damaged line), with `cols` as it
 * was: the generic reader then reads or rejects it. Bytes are read rather than the line's text: a
 * typed array is read faster than a string's characters, and each value is a string of its own
 * rather than a slice that keeps the line alive.
 */
function readFast(b: Uint8Array, from: number, to: number, cols: LogColumns): boolean {
  const rows = cols.rows;
  try {
    if (readFastRows(b, from, to, cols)) return true;
  } catch {
    // A value the fast reader could not take: the generic reader says what is wrong with it.
  }
  if (cols.rows !== rows) cols.dropOpen();
  return false;
}

/** {@link readFast}'s reading, which may leave rows of a line it gives up on in `cols`, or throw. */
function readFastRows(b: Uint8Array, from: number, to: number, cols: LogColumns): boolean {
  // '(#datom[' at the start, then '#datom[' at each datom (compared byte by byte: cheaper than a call).
  if (b[from] !== 40) return false;
  let i = from + 1;
  let lineTx = -1;
  for (;;) {
    if (b[i] !== 35 || b[i + 1] !== 100 || b[i + 2] !== 97 || b[i + 3] !== 116 || b[i + 4] !== 111 || b[i + 5] !== 109 || b[i + 6] !== 91) {
      return false;
    }
    const e = idAt(b, i + 7, to);
    if (e < 0) return false;
    const a = idAt(b, idEnd + 1, to);
    if (a < 0) return false;
    i = idEnd + 1;
    // A ref or a non-negative long (the usual value) is read in one pass; any other by its token.
    let v: Value = idAt(b, i, to);
    let end = idEnd;
    if (v < 0) {
      end = tokenEnd(b, i, to);
      if (end < 0 || b[end] !== 32) return false;
      v = tokenAt(b, i, end);
    }
    const tx = idAt(b, end + 1, to);
    // Datoms of two transactions on one line: the generic reader's path says so.
    if (tx < 0 || (tx !== lineTx && lineTx !== -1)) return false;
    lineTx = tx;
    i = idEnd + 1;
    let added: boolean;
    // 'true]' or 'false]'.
    const t0 = b[i];
    if (t0 === 116 && b[i + 1] === 114 && b[i + 2] === 117 && b[i + 3] === 101 && b[i + 4] === 93) {
      added = true;
      i += 5;
    } else if (t0 === 102 && b[i + 1] === 97 && b[i + 2] === 108 && b[i + 3] === 115 && b[i + 4] === 101 && b[i + 5] === 93) {
      added = false;
      i += 6;
    } else return false;
    cols.row(e, a, v, added);
    const c = b[i];
    if (c === 41 /* ) */) {
      if (i !== to - 1) return false;
      cols.endTx(tx);
      return true;
    }
    if (c !== 32) return false;
    i++;
  }
}

/**
 * A Buffer's own decoders, which `toString(encoding, start, end)` calls after checking its
 * arguments and looking up the encoding: called directly, they cost a value a third of what
 * `toString` did (it was a tenth of a file restore's parsing). Every Node version has them; the
 * fallback is for one that would not.
 */
interface Slicing {
  latin1Slice(from: number, to: number): string;
  utf8Slice(from: number, to: number): string;
}
const DIRECT = typeof (Buffer.prototype as unknown as Partial<Slicing>).latin1Slice === 'function' && typeof (Buffer.prototype as unknown as Partial<Slicing>).utf8Slice === 'function';

/** `b[from..to)` as text: Latin-1 (a byte a character, no decoding) when the last {@link tokenEnd} met only ASCII. */
function text(b: Uint8Array, from: number, to: number): string {
  if (DIRECT) return tokenWide ? (b as unknown as Slicing).utf8Slice(from, to) : (b as unknown as Slicing).latin1Slice(from, to);
  return (b as Buffer).toString(tokenWide ? 'utf8' : 'latin1', from, to);
}

/** The stored value of the value token `from..to` that {@link tokenEnd} found. */
function tokenAt(b: Uint8Array, from: number, to: number): Value {
  const c = b[from];
  // A string without escapes, and a uuid in its printed form: read from the bytes.
  if (c === 34 && !tokenEscaped) return text(b, from + 1, to - 1);
  if (c === 35 && to - from === 44 && b[from + 1] === 117 && b[from + 5] === 32 && b[from + 6] === 34) return new Uuid(text(b, from + 7, to - 1));
  const n = to - from;
  if (c === 45 /* - */) {
    const x = digitsAt(b, from + 1, to);
    if (x > 0) return -x;
  } else if (c === 116 /* t */ && n === 4 && b[from + 1] === 114 && b[from + 2] === 117 && b[from + 3] === 101) return true;
  else if (c === 102 /* f */ && n === 5 && b[from + 1] === 97 && b[from + 2] === 108 && b[from + 3] === 115 && b[from + 4] === 101) return false;
  else if (c === 91 /* [ */) {
    const tuple = longTupleAt(b, from, to);
    if (tuple !== null) return tuple;
  }
  return tokenValue(text(b, from, to));
}

/** Where the last {@link idAt} that found a number stopped: at the space after it. */
let idEnd = 0;

/** A non-negative integer of at most 15 digits at `i` (before `to`), followed by a space, or -1: {@link digitsAt}'s rule, read in the one pass that finds its end. */
function idAt(b: Uint8Array, i: number, to: number): number {
  let n = 0;
  let j = i;
  for (; j < to; j++) {
    const c = (b[j] as number) - 48;
    if (!(c >= 0 && c <= 9)) break;
    n = n * 10 + c;
  }
  if (j === i || j - i > 15 || b[j] !== 32 || (j - i > 1 && b[i] === 48)) return -1;
  idEnd = j;
  return n;
}

/**
 * Reads one backup line back into a transaction: its datoms with their values in stored form. Every
 * datom of a line belongs to one transaction (the first datom's `tx`).
 *
 * @example
 * ```ts
 * const entry = parseLine('(#datom[1000 10 :person/name 4398046511105 true])', 'backup.edn:2')
 * ```
 */
export function parseLine(line: string, where: string): TxLogEntry {
  const b = Buffer.from(line, 'utf8');
  return parseLineBytes(b, 0, b.length, where);
}

/**
 * {@link parseLine} of the line whose UTF-8 bytes are `b[from..to)` (without its newline), as a
 * file is read: the usual line is read from its bytes, and only an unusual one is decoded.
 *
 * @example
 * ```ts
 * const chunk = Buffer.from('(#datom[1000 10 :person/name 4398046511105 true])\n')
 * const entry = parseLineBytes(chunk, 0, chunk.indexOf(10), 'backup.edn:2') // entry.data[0].v: :person/name
 * ```
 */
export function parseLineBytes(b: Buffer, from: number, to: number, where: string): TxLogEntry {
  const cols = new LogColumns();
  parseLineInto(b, from, to, where, cols);
  return cols.entry(0);
}

/**
 * {@link parseLineBytes} that appends the line's transaction to `cols` (as a file's restore reads
 * it, with no `Datom` per datom for the usual line); throws as it does, with `cols` as it was.
 *
 * @example
 * ```ts
 * const chunk = Buffer.from('(#datom[1000 10 :person/name 4398046511105 true])\n')
 * const cols = new LogColumns()
 * parseLineInto(chunk, 0, chunk.indexOf(10), 'backup.edn:2', cols) // cols.count: 1
 * ```
 */
export function parseLineInto(b: Buffer, from: number, to: number, where: string, cols: LogColumns): void {
  // (readFast checks that every datom is of the first one's transaction.)
  if (readFast(b, from, to, cols)) return;
  const line = b.toString('utf8', from, to);
  let form: unknown;
  try {
    form = parseEdn(line, { source: where, tags: TAGS });
  } catch (err) {
    throw new DatomError('backup/format', `${where}: not a backup line (${(err as Error).message}); cut the file before this line or restore from another backup`, {
      data: { where },
      cause: err,
    });
  }
  if (!(form instanceof EdnList)) {
    throw new DatomError('backup/format', `${where}: a backup line is a list of #datom, not ${printEdn(form)}`, { data: { where } });
  }
  const data = form.items as Datom[];
  for (const d of data) {
    if (typeof d !== 'object' || d === null || Array.isArray(d) || !('added' in d)) {
      throw new DatomError('backup/format', `${where}: a backup line holds only #datom[e a v tx added] forms, not ${printEdn(d)}`, { data: { where } });
    }
  }
  cols.push(entryOf(data, where));
}

/** The transaction of a line's datoms: every one must belong to the first one's transaction. */
function entryOf(data: Datom[], where: string): TxLogEntry {
  const first = data[0];
  if (first === undefined) throw new DatomError('backup/format', `${where}: an empty backup line`, { data: { where } });
  for (const d of data) {
    if (d.tx !== first.tx) {
      throw new DatomError('backup/format', `${where}: datoms of transactions ${first.tx} and ${d.tx} on one line`, { data: { where, tx: [first.tx, d.tx] } });
    }
  }
  return { t: txToT(first.tx), tx: first.tx, data };
}
