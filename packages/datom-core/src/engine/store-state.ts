import type { BlobStore } from '../storage/blob-store.js';
import { DEFAULT_CACHE_BYTES, DEFAULT_WRITER_CACHE_BYTES, PageCache } from './page-cache.js';
import { type Directory, PackReader } from './paged-index.js';
import type { Root } from './root-record.js';

/** A checkpoint under way: the log it switched to, and the names and t of what it writes. */
export interface PendingCheckpoint {
  readonly log: string;
  readonly dir: string;
  readonly pack: string;
  readonly t: number;
}

/**
 * What a {@link DurableStore} knows of its store: the root and directory it opened, where it is in
 * the root's logs, and its page caches. The engine's files (replay, checkpoint, catch-up, repair,
 * gc) share it; only the `DurableStore` that owns it hands it to them.
 */
export interface StoreState {
  readonly store: BlobStore;
  readonly readOnly: boolean;
  /** The cache that index pages load into. */
  readonly cache: PageCache;
  /** Where table pages are kept: the page cache for a reader, a cache without bound for the writer. */
  readonly rowCache: PageCache;
  readonly reader: PackReader;
  root: Root | null;
  dir: Directory | null;
  /** Which log of the root is being read or appended to, and how much of it has been read. */
  logIndex: number;
  logLength: number;
  /** Transactions appended or replayed since the last checkpoint. */
  sinceSnapshot: number;
  pending: PendingCheckpoint | null;
}

/** The state of a store not opened yet. */
export function newStoreState(store: BlobStore, readOnly: boolean, cacheBytes?: number): StoreState {
  const cache = new PageCache(cacheBytes ?? (readOnly ? DEFAULT_CACHE_BYTES : DEFAULT_WRITER_CACHE_BYTES));
  // Maintaining AVET and VAET compares rows in value order, all over the table: a writer whose
  // table pages came and went would read the same pages again and again. So the writer keeps the
  // table pages it has read; readers keep what their cache allows.
  const rowCache = readOnly ? cache : new PageCache(Number.POSITIVE_INFINITY);
  return { store, readOnly, cache, rowCache, reader: new PackReader(store, cache), root: null, dir: null, logIndex: 0, logLength: 0, sinceSnapshot: 0, pending: null };
}
