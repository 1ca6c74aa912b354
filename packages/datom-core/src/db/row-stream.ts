import type { Datom } from '../model/datom.js';
import type { DatomStream } from './datom-stream.js';

/** Datoms per batch of a {@link DatomStream}. */
export const BATCH_SIZE = 4096;

/** A synchronous read of every row of a stream, and the datom of a row. */
export interface AllRows {
  readonly rows: () => readonly number[];
  readonly datom: (row: number) => Datom;
}

/**
 * A {@link DatomStream} over a source that produces datoms in batches synchronously (the in-memory
 * indexes) or asynchronously (storage). A stream can be read more than once; each read starts over.
 */
export class BatchStream implements DatomStream {
  readonly #produce: (sync: boolean) => Iterable<Datom[]> | AsyncIterable<Datom[]>;
  readonly #all: AllRows | null;

  /**
   * `produce(sync)` starts a read; `sync` is true when the read will be finished before anything
   * else runs (no await in between), so it may read structures that a later commit changes.
   * `all`, when given, reads every row at once, synchronously: `toArray` and `count` use it
   * instead of a generator (a point lookup is mostly a handful of rows, and the generator and its
   * batches cost more than reading them).
   */
  constructor(produce: (sync: boolean) => Iterable<Datom[]> | AsyncIterable<Datom[]>, all: AllRows | null = null) {
    this.#produce = produce;
    this.#all = all;
  }

  /** The datoms in index order, a few thousand at a time. */
  async *batches(): AsyncGenerator<readonly Datom[]> {
    for await (const b of this.#produce(false)) if (b.length > 0) yield b;
  }

  /** Every datom, in index order. */
  async toArray(): Promise<Datom[]> {
    const src = this.#all === null ? this.#produce(true) : null;
    // An in-memory source is read without a promise per batch.
    if (src === null || Symbol.iterator in src) return this.#readSyncFrom(src);
    const out: Datom[] = [];
    for await (const b of src) for (const d of b) out.push(d);
    return out;
  }

  /**
   * Every datom, in index order, read synchronously: the database's reads load index pages
   * synchronously, so only a stream over an asynchronous source (none in datom-core) cannot.
   */
  readSync(): Datom[] {
    const src = this.#all === null ? this.#produce(true) : null;
    if (src !== null && !(Symbol.iterator in src)) throw new Error('readSync: this stream reads asynchronously');
    return this.#readSyncFrom(src);
  }

  #readSyncFrom(src: Iterable<Datom[]> | null): Datom[] {
    const all = this.#all;
    if (src === null && all !== null) {
      const rows = all.rows();
      const out = new Array<Datom>(rows.length);
      for (let i = 0; i < rows.length; i++) out[i] = all.datom(rows[i] as number);
      return out;
    }
    let out: Datom[] | null = null;
    for (const b of src as Iterable<Datom[]>) {
      if (out === null) out = b;
      else for (const d of b) out.push(d);
    }
    return out ?? [];
  }

  /** How many datoms there are. */
  async count(): Promise<number> {
    if (this.#all !== null) return this.#all.rows().length;
    let n = 0;
    const src = this.#produce(true);
    if (Symbol.iterator in src) for (const b of src) n += b.length;
    else for await (const b of src) n += b.length;
    return n;
  }

  async *[Symbol.asyncIterator](): AsyncGenerator<Datom> {
    for await (const b of this.#produce(false)) yield* b;
  }
}
