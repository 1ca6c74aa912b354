import { type Connection, FIRST_USER_EID, kw } from '@datomkit/datom-core';
import { RESTORE_ATTRS } from './restore-attributes.js';

/**
 * Source entities from `FIRST_USER_EID` up to this many ids after it are cached in an array indexed
 * by id (entity ids are handed out densely, so a restore's are mostly there); others in a map.
 */
const DENSE_IDS = 1 << 22;

/**
 * The source-to-destination entity id mapping of a restore. The mapping itself lives in the
 * destination (the `datomkit.restore/source-eid` attribute on every copied entity, written in the
 * same transaction as the entity's data), so it survives crashes and is exact; this object is a
 * cache in front of it. Built-in entities (ids below `FIRST_USER_EID`) map to themselves.
 *
 * @example
 * ```ts
 * const { mapping } = await currentStateRestore({ sourceDb, destConn })
 * mapping.get(1042)            // from the cache, or undefined
 * await mapping.lookup(1042)   // cache, then the destination's index
 * ```
 */
export class IdMapping {
  /** A live object of this class, kept for the reason datom-core's `Filler.kept` (db/column-read.ts) gives: without one, each full collection between two restores drops the optimized code of this class's methods. */
  static readonly kept: IdMapping = new IdMapping(null as unknown as Connection);

  /** Destination ids of source entities `FIRST_USER_EID + i` (0: none); grown by doubling. */
  #dense = new Float64Array(0);
  /** Destination ids of the other source entities (transactions, built-ins, far-off ids). */
  readonly #sparse = new Map<number, number>();
  #denseSize = 0;
  readonly #conn: Connection;
  readonly #batchSize: number;
  readonly #complete: boolean;

  /**
   * `complete`: the destination holds no mapping yet, so the cache will hold all of it (what this
   * object is told with {@link set}); then {@link resolve} has nothing to look up.
   */
  constructor(destConn: Connection, options: { readonly lookupBatchSize?: number; readonly complete?: boolean } = {}) {
    this.#conn = destConn;
    this.#batchSize = Math.max(1, options.lookupBatchSize ?? 1000);
    this.#complete = options.complete === true;
  }

  /** The destination id of `sourceEid` if this run has seen it. */
  get(sourceEid: number): number | undefined {
    if (sourceEid < FIRST_USER_EID) return sourceEid;
    const i = sourceEid - FIRST_USER_EID;
    if (i < DENSE_IDS) {
      // A lookup per datom (entity, ref) of a replay: an array read, not a hash.
      const d = i < this.#dense.length ? this.#dense[i] : undefined;
      if (d !== undefined && d !== 0) return d;
    }
    return this.#sparse.size === 0 ? undefined : this.#sparse.get(sourceEid);
  }

  /** Records that `sourceEid` is `destEid` (the restore calls this after each transaction). */
  set(sourceEid: number, destEid: number): void {
    const i = sourceEid - FIRST_USER_EID;
    if (i < 0 || i >= DENSE_IDS || !Number.isInteger(sourceEid) || destEid === 0) {
      if (destEid === 0 && i >= 0 && i < this.#dense.length && this.#dense[i] !== 0) {
        this.#dense[i] = 0;
        this.#denseSize--;
      }
      this.#sparse.set(sourceEid, destEid);
      return;
    }
    let dense = this.#dense;
    if (i >= dense.length) {
      const grown = new Float64Array(Math.min(DENSE_IDS, Math.max(1024, 2 * dense.length, i + 1)));
      grown.set(dense);
      this.#dense = dense = grown;
    }
    if (dense[i] === 0) {
      this.#denseSize++;
      // (Held in the map only when it was set to 0 before, which no destination entity is.)
      if (this.#sparse.size > 0) this.#sparse.delete(sourceEid);
    }
    dense[i] = destEid;
  }

  #has(sourceEid: number): boolean {
    const i = sourceEid - FIRST_USER_EID;
    // (A fractional id reads undefined from the array: held, if at all, in the map.)
    return (i >= 0 && i < this.#dense.length && (this.#dense[i] ?? 0) !== 0) || this.#sparse.has(sourceEid);
  }

  /** Whether the cache holds the whole mapping (see the constructor): {@link resolve} has nothing to do. */
  get complete(): boolean {
    return this.#complete;
  }

  /** How many mappings are cached. */
  get size(): number {
    return this.#denseSize + this.#sparse.size;
  }

  /** The cached pairs `[sourceEid, destEid]`. */
  *entries(): IterableIterator<[number, number]> {
    const dense = this.#dense;
    for (let i = 0; i < dense.length; i++) {
      const d = dense[i] as number;
      if (d !== 0) yield [FIRST_USER_EID + i, d];
    }
    yield* this.#sparse.entries();
  }

  /** The destination id of `sourceEid`, from the cache or else the destination; undefined if none. */
  async lookup(sourceEid: number): Promise<number | undefined> {
    const got = this.get(sourceEid);
    if (got !== undefined) return got;
    await this.resolve([sourceEid]);
    return this.get(sourceEid);
  }

  /**
   * Loads the destination ids of `sourceEids` that are not cached yet, `lookupBatchSize` ids per
   * database value (the `eidMappingBatchSize` option of the restores).
   */
  async resolve(sourceEids: Iterable<number>): Promise<void> {
    if (this.#complete) return;
    const missing: number[] = [];
    for (const s of sourceEids) if (s >= FIRST_USER_EID && !this.#has(s)) missing.push(s);
    for (let i = 0; i < missing.length; i += this.#batchSize) {
      const db = this.#conn.db();
      if (db.attribute(RESTORE_ATTRS.sourceEid) === null) return;
      const marker = kw(RESTORE_ATTRS.sourceEid);
      for (const s of missing.slice(i, i + this.#batchSize)) {
        const e = await db.entid([marker, s]);
        if (e !== null) this.set(s, e);
      }
    }
  }

  /**
   * Loads the whole mapping from a destination database: every entity's `source-eid`.
   *
   * @example
   * ```ts
   * const mapping = await IdMapping.load(destConn)
   * ```
   */
  static async load(destConn: Connection): Promise<IdMapping> {
    const m = new IdMapping(destConn);
    const db = destConn.db();
    if (db.attribute(RESTORE_ATTRS.sourceEid) === null) return m;
    for await (const batch of db.datoms('aevt', RESTORE_ATTRS.sourceEid).batches()) for (const d of batch) m.set(d.v as number, d.e);
    return m;
  }
}
