import { DatomError } from '../error/datom-error.js';
import { BigDec } from '../model/big-dec.js';
import { Keyword } from '../model/keyword.js';
import { Sym } from '../model/sym.js';
import { Uri } from '../model/uri.js';
import { Uuid, uuidFromBytes } from '../model/uuid.js';
import type { Scalar, Value } from '../model/value.js';

const T_NULL = 0;
const T_FALSE = 1;
const T_TRUE = 2;
const T_INT = 3;
const T_DOUBLE = 4;
const T_BIGINT = 5;
const T_STRING = 6;
const T_KEYWORD = 7;
const T_SYMBOL = 8;
const T_BIGDEC = 9;
const T_INSTANT = 10;
const T_UUID = 11;
const T_URI = 12;
const T_BYTES = 13;
const T_TUPLE = 14;

/** The value of a lower-case hex digit's character code (a {@link Uuid}'s text is canonical). */
function hexDigit(c: number): number {
  return c <= 57 ? c - 48 : c - 87;
}

const utf8 = new TextEncoder();
const utf8d = new TextDecoder('utf-8', { fatal: true });

/**
 * A growable byte buffer with the primitive writes of the storage formats: unsigned varints,
 * zig-zag varints for safe integers, float64, strings and tagged datom values.
 */
/** The bytes of `parts` one after the other (`parts[0]` itself when it is the only one). */
export function concatBytes(parts: readonly Uint8Array[]): Uint8Array {
  if (parts.length === 1) return parts[0] as Uint8Array;
  let size = 0;
  for (const p of parts) size += p.length;
  const out = new Uint8Array(size);
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

export class ByteWriter {
  /** A live object of this class, kept for the reason `Filler.kept` (db/column-read.ts) gives: a database's own die when it is closed, and the next database's code ran unoptimized. */
  static readonly kept: ByteWriter = new ByteWriter(16);

  #buf: Uint8Array;
  #view: DataView;
  #pos = 0;

  constructor(capacity = 4096) {
    this.#buf = new Uint8Array(capacity);
    this.#view = new DataView(this.#buf.buffer);
  }

  get length(): number {
    return this.#pos;
  }

  #ensure(n: number): void {
    if (this.#pos + n <= this.#buf.length) return;
    let cap = this.#buf.length * 2;
    while (cap < this.#pos + n) cap *= 2;
    const b = new Uint8Array(cap);
    b.set(this.#buf.subarray(0, this.#pos));
    this.#buf = b;
    this.#view = new DataView(b.buffer);
  }

  byte(x: number): void {
    this.#ensure(1);
    this.#buf[this.#pos++] = x;
  }

  /** An unsigned integer up to 2^53, 7 bits a byte. */
  uvar(x: number): void {
    this.#ensure(8);
    const buf = this.#buf;
    let p = this.#pos;
    // Below 2^31 (ids, lengths, most values) bit operations are exact, and cheaper than % and floor.
    if (x < 0x80000000) {
      while (x >= 0x80) {
        buf[p++] = (x & 0x7f) | 0x80;
        x >>>= 7;
      }
    } else {
      while (x >= 0x80) {
        buf[p++] = (x % 0x80) | 0x80;
        x = Math.floor(x / 0x80);
      }
    }
    buf[p++] = x;
    this.#pos = p;
  }

  /**
   * A log record's datom head: the entity as float64, the attribute as a varint, the added flag
   * (one bounds check for the three).
   */
  datomHead(e: number, a: number, added: boolean): void {
    this.#ensure(8 + 8 + 1);
    this.#view.setFloat64(this.#pos, e, true);
    this.#pos += 8;
    this.uvar(a);
    this.#buf[this.#pos++] = added ? 1 : 0;
  }

  /** A safe integer, zig-zag encoded so small negative numbers stay short. */
  svar(x: number): void {
    if (x >= -(2 ** 52)) {
      this.uvar(x < 0 ? -x * 2 - 1 : x * 2);
      return;
    }
    // Below -2^52 the zig-zag form is odd and past 2^53, where a double holds even numbers only:
    // its bytes come from a BigInt (the same bytes; doubling a positive number is always exact).
    let z = BigInt(-x) * 2n - 1n;
    this.#ensure(8);
    while (z >= 0x80n) {
      this.#buf[this.#pos++] = Number(z & 0x7fn) | 0x80;
      z >>= 7n;
    }
    this.#buf[this.#pos++] = Number(z);
  }

  f64(x: number): void {
    this.#ensure(8);
    this.#view.setFloat64(this.#pos, x, true);
    this.#pos += 8;
  }

  u32(x: number): void {
    this.#ensure(4);
    this.#view.setUint32(this.#pos, x, true);
    this.#pos += 4;
  }

  bytes(b: Uint8Array): void {
    this.#ensure(b.length);
    this.#buf.set(b, this.#pos);
    this.#pos += b.length;
  }

  /**
   * A uuid's 16 bytes, read from its canonical text in place (a `Buffer.from(hex)` of the text
   * without its dashes cost two strings and a buffer per uuid, 5% of a file restore's commits).
   */
  uuid(u: Uuid): void {
    this.#ensure(16);
    const s = u.text;
    const buf = this.#buf;
    let p = this.#pos;
    for (let i = 0; i < 36; i += 2) {
      // The dashes sit at 8, 13, 18 and 23: the pair that would start on one starts one later.
      if (i === 8 || i === 13 || i === 18 || i === 23) i++;
      buf[p++] = (hexDigit(s.charCodeAt(i)) << 4) | hexDigit(s.charCodeAt(i + 1));
    }
    this.#pos = p;
  }

  str(s: string): void {
    // Strings are mostly short: encode into place when the worst case fits.
    const n = s.length;
    const max = n * 3;
    this.#ensure(max + 8);
    const lenPos = this.#pos;
    if (n < 0x80) {
      // ASCII, byte by byte: cheaper than a call into the encoder for a short string.
      const buf = this.#buf;
      const at = lenPos + 1;
      let i = 0;
      while (i < n) {
        const c = s.charCodeAt(i);
        if (c >= 0x80) break;
        buf[at + i] = c;
        i++;
      }
      if (i === n) {
        buf[lenPos] = n;
        this.#pos = at + n;
        return;
      }
    }
    if (max < 0x80) {
      const r = utf8.encodeInto(s, this.#buf.subarray(lenPos + 1));
      this.#buf[lenPos] = r.written;
      this.#pos = lenPos + 1 + r.written;
      return;
    }
    const b = utf8.encode(s);
    this.uvar(b.length);
    this.bytes(b);
  }

  /** A datom value with its type tag. */
  value(v: Value | null): void {
    if (v === null) {
      this.byte(T_NULL);
      return;
    }
    switch (typeof v) {
      case 'boolean':
        this.byte(v ? T_TRUE : T_FALSE);
        return;
      case 'number':
        if (Number.isSafeInteger(v)) {
          this.byte(T_INT);
          this.svar(v);
          return;
        }
        this.byte(T_DOUBLE);
        this.f64(v);
        return;
      case 'bigint':
        this.byte(T_BIGINT);
        this.str(v.toString());
        return;
      case 'string':
        this.byte(T_STRING);
        this.str(v);
        return;
    }
    if (v instanceof Keyword) {
      this.byte(T_KEYWORD);
      this.str(v.fqn);
      return;
    }
    if (v instanceof Date) {
      this.byte(T_INSTANT);
      this.f64(v.getTime());
      return;
    }
    if (v instanceof Uuid) {
      this.byte(T_UUID);
      this.uuid(v);
      return;
    }
    if (v instanceof BigDec) {
      this.byte(T_BIGDEC);
      this.svar(v.scale);
      this.str(v.unscaled.toString());
      return;
    }
    if (v instanceof Sym) {
      this.byte(T_SYMBOL);
      this.str(v.fqn);
      return;
    }
    if (v instanceof Uri) {
      this.byte(T_URI);
      this.str(v.text);
      return;
    }
    if (v instanceof Uint8Array) {
      this.byte(T_BYTES);
      this.uvar(v.length);
      this.bytes(v);
      return;
    }
    if (Array.isArray(v)) {
      this.byte(T_TUPLE);
      this.uvar(v.length);
      for (const x of v as readonly (Scalar | null)[]) this.value(x);
      return;
    }
    throw new DatomError('storage/encode', `Cannot encode value ${String(v)}`);
  }

  /** Forgets what was written, keeping the buffer (the views given out before are overwritten by the next writes). */
  reset(): void {
    this.#pos = 0;
  }

  /** The buffer's size in bytes (what a kept writer holds on to). */
  get capacity(): number {
    return this.#buf.length;
  }

  /** The bytes written so far (a view, valid until the next write). */
  view(): Uint8Array {
    return this.#buf.subarray(0, this.#pos);
  }
}

/** Reads what {@link ByteWriter} wrote; any overrun is a `storage/corrupt` error naming `source`. */
export class ByteReader {
  /**
   * A live reader: V8 drops optimized code that checks for an object shape no live object has, and
   * a full collection between two page loads sent the page decoding back to the interpreter.
   */
  static readonly kept: ByteReader = new ByteReader(new Uint8Array(0), 'kept');

  readonly #buf: Uint8Array;
  readonly #view: DataView;
  #pos: number;
  readonly #end: number;

  constructor(
    buf: Uint8Array,
    readonly source: string,
    start = 0,
    end = buf.length,
  ) {
    this.#buf = buf;
    this.#view = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
    this.#pos = start;
    this.#end = end;
  }

  get pos(): number {
    return this.#pos;
  }

  get done(): boolean {
    return this.#pos >= this.#end;
  }

  #need(n: number): void {
    if (this.#pos + n > this.#end) {
      throw new DatomError('storage/corrupt', `${this.source} is truncated or corrupt (read past its end at byte ${this.#pos})`, {
        data: { source: this.source, offset: this.#pos },
      });
    }
  }

  byte(): number {
    this.#need(1);
    return this.#buf[this.#pos++] as number;
  }

  uvar(): number {
    let x = 0;
    let mul = 1;
    for (let i = 0; i < 8; i++) {
      const b = this.byte();
      x += (b & 0x7f) * mul;
      if (b < 0x80) return x;
      mul *= 0x80;
    }
    throw new DatomError('storage/corrupt', `${this.source} holds an overlong number at byte ${this.#pos}`, { data: { source: this.source } });
  }

  svar(): number {
    const start = this.#pos;
    const z = this.uvar();
    if (z <= Number.MAX_SAFE_INTEGER) return z % 2 === 1 ? -(z + 1) / 2 : z / 2;
    // Past 2^53 the sum above may have lost its lowest bit (an odd form, of a number below -2^52): read it exactly.
    let big = 0n;
    for (let p = this.#pos - 1; p >= start; p--) big = (big << 7n) | BigInt((this.#buf[p] as number) & 0x7f);
    return Number((big & 1n) === 1n ? -((big + 1n) >> 1n) : big >> 1n);
  }

  f64(): number {
    this.#need(8);
    const x = this.#view.getFloat64(this.#pos, true);
    this.#pos += 8;
    return x;
  }

  u32(): number {
    this.#need(4);
    const x = this.#view.getUint32(this.#pos, true);
    this.#pos += 4;
    return x;
  }

  /** A uuid's 16 bytes, read in place. */
  uuid(): Uuid {
    this.#need(16);
    const u = uuidFromBytes(this.#buf, this.#pos);
    this.#pos += 16;
    return u;
  }

  bytes(n: number): Uint8Array {
    this.#need(n);
    // A copy (Buffer's own slice would share the memory of a buffer that may be reused).
    const b = Uint8Array.prototype.slice.call(this.#buf, this.#pos, this.#pos + n);
    this.#pos += n;
    return b;
  }

  str(): string {
    const n = this.uvar();
    this.#need(n);
    const s = utf8d.decode(this.#buf.subarray(this.#pos, this.#pos + n));
    this.#pos += n;
    return s;
  }

  value(): Value | null {
    const tag = this.byte();
    switch (tag) {
      case T_NULL:
        return null;
      case T_FALSE:
        return false;
      case T_TRUE:
        return true;
      case T_INT:
        return this.svar();
      case T_DOUBLE:
        return this.f64();
      case T_BIGINT:
        return BigInt(this.str());
      case T_STRING:
        return this.str();
      case T_KEYWORD:
        return Keyword.of(this.str());
      case T_SYMBOL:
        return new Sym(this.str());
      case T_BIGDEC: {
        const scale = this.svar();
        return new BigDec(BigInt(this.str()), scale);
      }
      case T_INSTANT:
        return new Date(this.f64());
      case T_UUID:
        return this.uuid();
      case T_URI:
        return new Uri(this.str());
      case T_BYTES:
        return this.bytes(this.uvar());
      case T_TUPLE: {
        const n = this.uvar();
        const out = new Array<Scalar | null>(n);
        for (let i = 0; i < n; i++) out[i] = this.value() as Scalar | null;
        return Object.freeze(out);
      }
      default:
        throw new DatomError('storage/corrupt', `${this.source} holds an unknown value tag ${tag} at byte ${this.#pos - 1}`, {
          data: { source: this.source, offset: this.#pos - 1 },
        });
    }
  }
}
