/** What an EDN list and an EDN set share: their elements in source order, a size, iteration. */
export abstract class EdnCollection implements Iterable<unknown> {
  /** The elements in source order. */
  readonly items: unknown[];

  constructor(items: unknown[]) {
    this.items = items;
    Object.freeze(this);
  }

  /** How many elements there are. */
  get size(): number {
    return this.items.length;
  }

  [Symbol.iterator](): Iterator<unknown> {
    return this.items[Symbol.iterator]();
  }
}
