import { randomBytes } from 'node:crypto';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/**
 * A UUID value (Datomic's `:db.type/uuid`, EDN `#uuid "..."`), kept apart from strings so that it
 * round-trips. The text is normalised to lower case.
 *
 * @example
 * ```ts
 * uuid('6F1D...').toString()
 * ```
 */
export class Uuid {
  /** Lower-case canonical text. */
  readonly text: string;

  constructor(text: string) {
    const t = text.toLowerCase();
    if (!UUID.test(t)) throw new TypeError(`Not a UUID: ${JSON.stringify(text)}`);
    this.text = t;
    Object.freeze(this);
  }

  /** A random (version 4) UUID. */
  static random(): Uuid {
    const b = randomBytes(16);
    b[6] = ((b[6] ?? 0) & 0x0f) | 0x40;
    b[8] = ((b[8] ?? 0) & 0x3f) | 0x80;
    const h = b.toString('hex');
    return new Uuid(`${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`);
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

/** Makes a {@link Uuid}. @example `uuid('00000000-0000-4000-8000-000000000000')` */
export function uuid(text: string): Uuid {
  return new Uuid(text);
}
