import type { CachedPage } from '../index/cached-page.js';

export type { CachedPage };

/** The default budget of a read-only connection's page cache. */
export const DEFAULT_CACHE_BYTES = 32 * 2 ** 20;
/**
 * The default budget of a writer's page cache: transactions look values up all over the indexes
 * (unique values, current values of cardinality-one attributes), and a small cache made them read
 * the same pages again and again.
 */
export const DEFAULT_WRITER_CACHE_BYTES = 256 * 2 ** 20;

/**
 * A cache of storage pages bounded in bytes, with CLOCK eviction: each page has a used bit that
 * readers set (a plain store, cheap enough for the hottest loops); when the cache is over budget,
 * a hand sweeps the pages, clearing set bits and evicting the first page found clear. Pages
 * evicted are loaded again from storage on next use.
 */
export class PageCache {
  #pages: CachedPage[] = [];
  #hand = 0;
  #bytes = 0;
  #loads = 0;

  constructor(readonly budgetBytes: number = DEFAULT_CACHE_BYTES) {
    if (Number.isNaN(budgetBytes) || budgetBytes < 0) throw new RangeError(`cacheBytes must be a non-negative number, got ${budgetBytes}`);
  }

  /** Bytes held now. */
  get bytes(): number {
    return this.#bytes;
  }

  /** Pages held now. */
  get size(): number {
    return this.#pages.length;
  }

  /** Pages loaded since the cache was made. */
  get loads(): number {
    return this.#loads;
  }

  /** Registers a page just loaded; evicts others while the cache is over budget. */
  add(page: CachedPage): void {
    this.#loads += 1;
    page.used = true;
    this.#pages.push(page);
    this.#bytes += page.bytes;
    this.#shrink(page);
  }

  #shrink(keep: CachedPage): void {
    const pages = this.#pages;
    // Two full turns clear every used bit, so the sweep ends; `keep` (just loaded) stays.
    let budget = pages.length * 2 + 1;
    while (this.#bytes > this.budgetBytes && pages.length > 1 && budget-- > 0) {
      if (this.#hand >= pages.length) this.#hand = 0;
      const p = pages[this.#hand] as CachedPage;
      if (p === keep) {
        this.#hand += 1;
        continue;
      }
      if (p.used) {
        p.used = false;
        this.#hand += 1;
        continue;
      }
      // Swap-remove: the last page takes this slot, and the hand looks at it next.
      const last = pages.pop() as CachedPage;
      if (last !== p) pages[this.#hand] = last;
      this.#bytes -= p.bytes;
      p.evict();
    }
  }

  /** Drops every page. */
  clear(): void {
    for (const p of this.#pages) p.evict();
    this.#pages = [];
    this.#bytes = 0;
    this.#hand = 0;
  }
}
