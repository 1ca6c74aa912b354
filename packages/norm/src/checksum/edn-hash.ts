import { createHash } from 'node:crypto';
import { BigDec, DatomError, EdnBigInt, EdnDouble, EdnList, EdnSet, Keyword, Sym, Uri, Uuid } from '@datomkit/datom-core';
import { javaBigDecimalToString, javaDoubleToString } from '../internal/java-number-text.js';

// hasch's magic bytes (hasch.benc/magics). Changing any of them changes every checksum.
const NIL = 0x00;
const BOOLEAN = 0x01;
const NUMBER = 0x02;
const STRING = 0x03;
const SYMBOL = 0x04;
const KEYWORD = 0x05;
const INST = 0x06;
const UUID = 0x07;
const SEQ = 0x08;
const VECTOR = 0x09;
const MAP = 0x0a;
const SET = 0x0b;
const LITERAL = 0x0c;
const BINARY = 0x0d;

const SPLIT_SIZE = 1024;
const MAX_ENTROPY_BYTES = 32;

const utf8 = new TextEncoder();

function sha512(...parts: readonly Uint8Array[]): Buffer {
  const h = createHash('sha512');
  for (const p of parts) h.update(p);
  return h.digest();
}

function tagged(magic: number, body: Uint8Array): Buffer {
  return Buffer.concat([Uint8Array.of(magic), body]);
}

// Short byte strings are kept, followed by a mask marking bytes 1..29 so that they cannot be
// confused with the magic bytes of a following element; long ones are replaced by their digest.
function encodeSafe(bytes: Uint8Array): Uint8Array {
  if (bytes.length >= SPLIT_SIZE) return sha512(bytes);
  const out = new Uint8Array(bytes.length * 2);
  out.set(bytes);
  for (let i = 0; i < bytes.length; i++) {
    const b = bytes[i] as number;
    if (b >= 1 && b <= 29) out[bytes.length + i] = 1;
  }
  return out;
}

// hasch reads the first element of an empty sequence as nil, so `[]` hashes like `[nil]`.
function seqDigest(items: readonly unknown[]): Buffer {
  const h = createHash('sha512');
  if (items.length === 0) h.update(coerce(null));
  for (const x of items) h.update(coerce(x));
  return h.digest();
}

function xorHashes(hashes: readonly Uint8Array[]): Uint8Array {
  const first = hashes[0];
  if (first === undefined) return new Uint8Array(0);
  const len = Math.min(first.length, MAX_ENTROPY_BYTES);
  const acc = new Uint8Array(len);
  for (const h of hashes) for (let i = 0; i < len; i++) acc[i] = (acc[i] as number) ^ (h[i] as number);
  return acc;
}

function number(text: string): Buffer {
  return tagged(NUMBER, utf8.encode(text));
}

function coerce(v: unknown): Uint8Array {
  if (v === null) return Uint8Array.of(NIL);
  switch (typeof v) {
    case 'boolean':
      return Uint8Array.of(BOOLEAN, v ? 41 : 40);
    case 'number':
      // The EDN reader gives integers as numbers and non-integral floats as numbers; integral
      // floats arrive as EdnDouble, so an integral number here is a long.
      return number(Number.isInteger(v) ? BigInt(v).toString() : javaDoubleToString(v));
    case 'bigint':
      return number(v.toString());
    case 'string':
      return tagged(STRING, encodeSafe(utf8.encode(v)));
    default:
      break;
  }
  if (v instanceof Keyword) return tagged(KEYWORD, encodeSafe(utf8.encode(`:${v.fqn}`)));
  if (v instanceof Sym) return tagged(SYMBOL, encodeSafe(utf8.encode(v.fqn)));
  if (Array.isArray(v)) return tagged(VECTOR, seqDigest(v));
  if (v instanceof Map) {
    // A map entry is a two-element vector to hasch.
    const entries = [...v].map(([k, x]) => tagged(VECTOR, seqDigest([k, x])));
    return tagged(MAP, xorHashes(entries));
  }
  if (v instanceof EdnList) return tagged(SEQ, seqDigest(v.items));
  if (v instanceof EdnSet || v instanceof Set) {
    const items = v instanceof EdnSet ? v.items : [...v];
    return tagged(SET, xorHashes(items.map((x) => sha512(coerce(x)))));
  }
  if (v instanceof EdnDouble) return number(javaDoubleToString(v.value));
  if (v instanceof EdnBigInt) return number(v.value.toString());
  if (v instanceof BigDec) return number(javaBigDecimalToString(v));
  if (v instanceof Date) return tagged(INST, utf8.encode(String(v.getTime())));
  if (v instanceof Uuid) return tagged(UUID, utf8.encode(v.text));
  // Clojure's EDN reader knows no #uri; hashed the way hasch hashes any other tagged literal.
  if (v instanceof Uri) return tagged(LITERAL, seqDigest([new Sym('uri'), v.text]));
  if (v instanceof Uint8Array) return tagged(BINARY, encodeSafe(v));
  throw new DatomError('norm/checksum', `Cannot compute a checksum of ${describe(v)}: it is not an EDN value.`, {
    data: { value: v },
  });
}

function describe(v: unknown): string {
  if (v === undefined) return 'undefined';
  if (typeof v === 'object' && v !== null) return `an object of class ${v.constructor?.name ?? 'Object'}`;
  return `a ${typeof v}`;
}

/**
 * The hasch (replikativ/hasch 0.4) SHA-512 digest of an EDN value, byte for byte what Clojure's
 * `(hasch.core/edn-hash v)` returns. Values are those of `parseEdn`: `null`, booleans, numbers
 * (integers are longs), `bigint`, strings, `Keyword`, `Sym`, `EdnDouble`, `EdnBigInt`, `BigDec`,
 * `Date`, `Uuid`, arrays (vectors), lists, sets and `Map`s.
 *
 * @example
 * ```ts
 * ednHash(new Map()).toString('hex').slice(0, 8) // 'be688838'
 * ```
 */
export function ednHash(value: unknown): Buffer {
  return sha512(coerce(value));
}

/**
 * {@link ednHash} as 128 lowercase hex characters, the form `checksums.edn` stores.
 *
 * @example
 * ```ts
 * ednHashHex(new Map([[kw('tx-fn'), sym('datahike.norm.norm-test/tx-fn-test-fn')]])) // '221bca61…'
 * ```
 */
export function ednHashHex(value: unknown): string {
  return ednHash(value).toString('hex');
}
