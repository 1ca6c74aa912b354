/**
 * An EDN set, `#{a b c}`. Its elements are kept in source order and are distinct by value (see
 * `ednEquals`): the reader rejects `#{1 1}`. The constructor trusts its caller and does not check, so
 * build sets of values you know to be distinct, or read them.
 *
 * @example
 * ```ts
 * parseEdn('#{:a :b}') // EdnSet { items: [kw('a'), kw('b')] }
 * printEdn(new EdnSet([kw('a'), kw('b')])) // '#{:a :b}'
 * ```
 */
export class EdnSet implements Iterable<unknown> {
  /** The elements in source order. */
  readonly items: unknown[];

  constructor(items: unknown[]) {
    this.items = items;
    Object.freeze(this);
  }

  /** How many elements the set has. */
  get size(): number {
    return this.items.length;
  }

  [Symbol.iterator](): Iterator<unknown> {
    return this.items[Symbol.iterator]();
  }
}
