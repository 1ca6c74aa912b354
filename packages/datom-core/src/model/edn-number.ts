/**
 * A double read from EDN whose value is integral (`1.0`), kept apart from the long `1` so that
 * EDN round-trips and checksums see the type. Transacting it into a `:db.type/double` attribute
 * stores the plain number.
 *
 * @example
 * ```ts
 * parseEdn('1.0') // EdnDouble { value: 1 }
 * ```
 */
export class EdnDouble {
  /** The number. */
  readonly value: number;
  constructor(value: number) {
    this.value = value;
    Object.freeze(this);
  }
  /** JSON form: the number. */
  toJSON(): number {
    return this.value;
  }
}

/**
 * An EDN arbitrary-precision integer (`12N`), kept apart from a long so that EDN round-trips.
 * Transacting it into a `:db.type/bigint` attribute stores the plain `bigint`.
 *
 * @example
 * ```ts
 * parseEdn('12N') // EdnBigInt { value: 12n }
 * ```
 */
export class EdnBigInt {
  /** The integer. */
  readonly value: bigint;
  constructor(value: bigint) {
    this.value = value;
    Object.freeze(this);
  }
  /** JSON form: the decimal text. */
  toJSON(): string {
    return this.value.toString();
  }
}
