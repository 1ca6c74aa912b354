import { randomBytes } from 'node:crypto';

/** Set while {@link uuidFromBytes} constructs a Uuid from text it made canonical itself. */
let canonical = false;

/** Character codes of the lower-case hex digits. */
const HEX_CODES = Array.from('0123456789abcdef', (c) => c.charCodeAt(0));
/** The character codes of one uuid's text, reused. */
const UUID_CODES: number[] = new Array<number>(36).fill(0);

/**
 * A UUID value (Datomic's `:db.type/uuid`, EDN `#uuid "..."`), kept apart from strings so that it
 * round-trips. The text is normalised to lower case.
 *
 * @example
 * ```ts
 * uuid('6F1D3C1A-0000-4000-8000-000000000001').toString() // '6f1d3c1a-0000-4000-8000-000000000001'
 * ```
 */
export class Uuid {
  /** Lower-case canonical text. */
  readonly text: string;
  /**
   * The uuid's first 7 hex digits (28 bits) as a small integer. Uuids compare by it first and by
   * their text only when it is equal (see `compareValues`): the same order as the text's, as
   * lower-case hex digits sort as their values do, without reading two strings per comparison
   * (uuid identity attributes fill the unique index, where a load compares them many times).
   */
  readonly lead: number;

  constructor(text: string) {
    this.text = canonical ? text : canonicalText(text);
    this.lead = leadOf(this.text);
    Object.freeze(this);
  }

  /** A random (version 4) UUID. */
  static random(): Uuid {
    const b = randomBytes(16);
    b[6] = ((b[6] ?? 0) & 0x0f) | 0x40;
    b[8] = ((b[8] ?? 0) & 0x3f) | 0x80;
    return uuidFromBytes(b, 0);
  }

  /** The canonical text. */
  toString(): string {
    return this.text;
  }

  /** JSON form: the canonical text. */
  toJSON(): string {
    return this.text;
  }
}

/**
 * `text` in lower case, when it is a uuid's text: 8-4-4-4-12 hex digits of either case; else a
 * TypeError. Read a character at a time (a file restore makes a uuid per copied entity, and a
 * regular expression after a copy in lower case took three times as long).
 */
function canonicalText(text: string): string {
  if (text.length === 36) {
    let lower = true;
    let i = 0;
    for (; i < 36; i++) {
      const c = text.charCodeAt(i);
      if (i === 8 || i === 13 || i === 18 || i === 23) {
        if (c !== 45 /* - */) break;
      } else if (!((c >= 48 && c <= 57) || (c >= 97 && c <= 102))) {
        if (c < 65 || c > 70) break;
        lower = false;
      }
    }
    if (i === 36) return lower ? text : text.toLowerCase();
  }
  throw new TypeError(`Not a UUID: ${JSON.stringify(text)}`);
}

/** The value of the first 7 hex digits of canonical uuid text (see {@link Uuid.lead}). */
function leadOf(text: string): number {
  let n = 0;
  for (let i = 0; i < 7; i++) {
    const c = text.charCodeAt(i);
    // '0'-'9' are 48-57, 'a'-'f' 97-102.
    n = n * 16 + (c <= 57 ? c - 48 : c - 87);
  }
  return n;
}

/** Makes a {@link Uuid}. @example `uuid('00000000-0000-4000-8000-000000000000')` */
export function uuid(text: string): Uuid {
  return new Uuid(text);
}

/**
 * The {@link Uuid} of the 16 bytes of `bytes` from `offset`, in order. Storage reads uuids this way:
 * the text is made canonical here, so it is not checked again.
 *
 * @example `uuidFromBytes(new Uint8Array(16), 0).text // '00000000-0000-0000-0000-000000000000'`
 */
export function uuidFromBytes(bytes: Uint8Array, offset: number): Uuid {
  if (offset < 0 || offset + 16 > bytes.length) throw new RangeError(`uuidFromBytes: 16 bytes from ${offset} do not fit in ${bytes.length}`);
  // Character codes first, then one flat string: appending piece by piece makes a tree of string
  // pieces that stays that way, several times the memory of the text, in every row page cached.
  const codes = UUID_CODES;
  let k = 0;
  for (let i = 0; i < 16; i++) {
    if (i === 4 || i === 6 || i === 8 || i === 10) codes[k++] = 45; // '-'
    const b = bytes[offset + i] as number;
    codes[k++] = HEX_CODES[b >> 4] as number;
    codes[k++] = HEX_CODES[b & 15] as number;
  }
  const text = String.fromCharCode.apply(null, codes);
  canonical = true;
  const u = new Uuid(text);
  canonical = false;
  return u;
}

