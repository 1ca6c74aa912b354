/**
 * One page held by a page cache (`engine/page-cache.ts`): its size, a flag that readers set when they use it, and
 * how to drop it.
 */
export interface CachedPage {
  /** Bytes it takes in memory (an estimate). */
  readonly bytes: number;
  /** Set by readers on use; the cache clears it as its hand passes (second chance). */
  used: boolean;
  /** Drops the page from whatever holds it, so that it is loaded again on next use. */
  evict(): void;
}
