const DECIMAL = /^([+-]?)(\d+)(?:\.(\d+))?(?:[eE]([+-]?\d+))?$/;

/**
 * An arbitrary-precision decimal (Datomic's `:db.type/bigdec`, EDN `1.50M`). Stored as an unscaled
 * bigint and a scale, like Java's BigDecimal, so `1.50M` keeps its scale of 2 and prints as `1.50M`.
 *
 * @example
 * ```ts
 * BigDec.parse('1.50').toString() // '1.50'
 * ```
 */
export class BigDec {
  /** The digits as an integer: `150n` for `1.50`. */
  readonly unscaled: bigint;
  /** How many digits stand after the point: `2` for `1.50`. May be negative. */
  readonly scale: number;

  constructor(unscaled: bigint, scale: number) {
    if (!Number.isSafeInteger(scale)) throw new TypeError(`BigDec scale must be an integer: ${scale}`);
    this.unscaled = unscaled;
    this.scale = scale;
    Object.freeze(this);
  }

  /** Parses decimal text such as `-1.5`, `10`, `1.2e3` (with or without a trailing `M`). */
  static parse(text: string): BigDec {
    const t = text.endsWith('M') ? text.slice(0, -1) : text;
    const m = DECIMAL.exec(t);
    if (m === null) throw new TypeError(`Not a decimal: ${JSON.stringify(text)}`);
    const [, sign = '', int = '', frac = '', exp = '0'] = m;
    const unscaled = BigInt(sign + int + frac);
    return new BigDec(unscaled, frac.length - Number(exp));
  }

  /** Compares by numeric value (`1.0M` equals `1.00M` here; {@link BigDec.equals} is exact). */
  compare(other: BigDec): number {
    const s = Math.max(this.scale, other.scale);
    const a = this.unscaled * 10n ** BigInt(s - this.scale);
    const b = other.unscaled * 10n ** BigInt(s - other.scale);
    return a < b ? -1 : a > b ? 1 : 0;
  }

  /** Exact equality: same digits and same scale, as Java's `BigDecimal.equals`. */
  equals(other: BigDec): boolean {
    return this.unscaled === other.unscaled && this.scale === other.scale;
  }

  /** Plain decimal text without exponent and without the `M`, as Java's `toPlainString`. */
  toString(): string {
    const neg = this.unscaled < 0n;
    let digits = (neg ? -this.unscaled : this.unscaled).toString();
    if (this.scale <= 0) return (neg ? '-' : '') + digits + '0'.repeat(-this.scale);
    if (digits.length <= this.scale) digits = '0'.repeat(this.scale - digits.length + 1) + digits;
    const cut = digits.length - this.scale;
    return `${neg ? '-' : ''}${digits.slice(0, cut)}.${digits.slice(cut)}`;
  }

  /** JSON form: the decimal text. */
  toJSON(): string {
    return this.toString();
  }
}

/** Parses a {@link BigDec}. @example `bigdec('3.14')` */
export function bigdec(text: string): BigDec {
  return BigDec.parse(text);
}
