/**
 * A bounded queue between the stages of a restore. `put` waits while the queue is full, `take`
 * waits while it is empty. `fail` rejects every waiter at once, so a stage that dies can never
 * leave another one blocked on it (the hang the Clojure library has when a worker throws).
 */
export class Channel<T> {
  readonly #capacity: number;
  readonly #items: T[] = [];
  #closed = false;
  #failure: { readonly error: unknown } | null = null;
  #takers: { resolve: (x: IteratorResult<T>) => void; reject: (e: unknown) => void }[] = [];
  #putters: { resolve: () => void; reject: (e: unknown) => void }[] = [];

  constructor(capacity: number) {
    this.#capacity = Math.max(1, capacity);
  }

  async put(item: T): Promise<void> {
    for (;;) {
      if (this.#failure !== null) throw this.#failure.error;
      if (this.#closed) throw new Error('put on a closed channel');
      const taker = this.#takers.shift();
      if (taker !== undefined) {
        taker.resolve({ value: item, done: false });
        return;
      }
      if (this.#items.length < this.#capacity) {
        this.#items.push(item);
        return;
      }
      await new Promise<void>((resolve, reject) => this.#putters.push({ resolve, reject }));
    }
  }

  /** The next item, or `done` once the channel is closed and drained. */
  async take(): Promise<IteratorResult<T>> {
    if (this.#failure !== null) throw this.#failure.error;
    if (this.#items.length > 0) {
      const value = this.#items.shift() as T;
      this.#putters.shift()?.resolve();
      return { value, done: false };
    }
    if (this.#closed) return { value: undefined, done: true };
    return new Promise((resolve, reject) => this.#takers.push({ resolve, reject }));
  }

  /** No more items: takers drain what is left, then see `done`. */
  close(): void {
    this.#closed = true;
    for (const t of this.#takers.splice(0)) t.resolve({ value: undefined, done: true });
    for (const p of this.#putters.splice(0)) p.resolve();
  }

  /** Fails every pending and future `put` and `take` with `error` (the first failure wins). */
  fail(error: unknown): void {
    if (this.#failure !== null) return;
    this.#failure = { error };
    this.#items.length = 0;
    for (const t of this.#takers.splice(0)) t.reject(error);
    for (const p of this.#putters.splice(0)) p.reject(error);
  }

  async *[Symbol.asyncIterator](): AsyncGenerator<T> {
    for (;;) {
      const r = await this.take();
      if (r.done === true) return;
      yield r.value;
    }
  }
}
