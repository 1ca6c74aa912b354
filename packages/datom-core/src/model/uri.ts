/**
 * A URI value (Datomic's `:db.type/uri`, EDN `#uri "..."`). Holds the text exactly as given: unlike
 * WHATWG `URL` it does not normalise, so values round-trip byte for byte.
 *
 * @example
 * ```ts
 * uri('https://example.com/a').toString()
 * ```
 */
export class Uri {
  /** The URI text. */
  readonly text: string;

  constructor(text: string) {
    if (text.length === 0 || /\s/.test(text)) throw new TypeError(`Not a URI: ${JSON.stringify(text)}`);
    this.text = text;
    Object.freeze(this);
  }

  /** The URI text. */
  toString(): string {
    return this.text;
  }

  /** JSON form: the URI text. */
  toJSON(): string {
    return this.text;
  }
}

/** Makes a {@link Uri}. @example `uri('urn:isbn:0451450523')` */
export function uri(text: string): Uri {
  return new Uri(text);
}
