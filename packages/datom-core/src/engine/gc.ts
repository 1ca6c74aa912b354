import { readRoot } from './open-database.js';
import { decodeRoot, STORAGE_KEY } from './root-record.js';
import type { StoreState } from './store-state.js';

/**
 * How long storage that no root names is kept before a writer removes it on its own (at open and
 * at close): a reader that holds an older database value reads its pages from it meanwhile.
 *
 * @example
 * ```ts
 * await gcStorage(uri, new Date(Date.now() - STORAGE_SAFETY_WINDOW_MS)) // what the writer removes itself
 * ```
 */
export const STORAGE_SAFETY_WINDOW_MS = 10 * 60_000;

/**
 * Removes directories, packs and logs that the root does not name and that were last written
 * before `olderThanMs`. Keys that are not storage of a database (anything the user put beside it)
 * are left alone.
 */
export async function collectGarbage(st: StoreState, olderThanMs: number): Promise<{ removed: string[] }> {
  const root = st.root ?? decodeRoot(await readRoot(st), st.store.location);
  // What a checkpoint is writing right now is kept too (the writer's own store knows its names).
  const keep = new Set<string | null>([root.dir, ...root.packs.map((p) => p.name), ...root.logs.map((l) => l.name), st.pending?.dir ?? null, st.pending?.pack ?? null]);
  const removed: string[] = [];
  for (const { key, mtimeMs } of await st.store.list()) {
    if (keep.has(key) || mtimeMs >= olderThanMs || !STORAGE_KEY.test(key)) continue;
    await st.store.remove(key);
    removed.push(key);
  }
  return { removed };
}
