/**
 * The storage interface: what a durable database needs from the place it is kept. Small enough to
 * implement over any key-value store that has one atomic root switch:
 * - immutable blobs (index pages in packs, directories), written once under a fresh key and never changed;
 * - append-only logs (the transaction log), whose appends are durable when `append` resolves;
 * - one small root record, replaced atomically, that names the blobs and the log in use.
 * Everything a root names was fully written before the root was switched, so a crash at any moment
 * leaves either the old root or the new one, each complete.
 */
export interface BlobStore {
  /** A human-readable name for messages (a path, a URL without credentials). */
  readonly location: string;
  /** The root record, or null for a store that has none yet. */
  readRoot(): Promise<Uint8Array | null>;
  /** Replaces the root record atomically and durably. */
  writeRoot(bytes: Uint8Array): Promise<void>;
  /** Stores an immutable blob durably. */
  putBlob(key: string, bytes: Uint8Array): Promise<void>;
  /**
   * Stores an immutable blob durably from chunks, for blobs too large to hold in memory whole (the
   * packs of index pages). The blob appears whole or not at all.
   */
  writeBlob(key: string, chunks: AsyncIterable<Uint8Array>): Promise<void>;
  /** Reads a blob; a missing blob is a `storage/missing` error naming it. */
  getBlob(key: string): Promise<Uint8Array>;
  /**
   * Reads `length` bytes of blob `key` at `offset`, synchronously: index pages load while an index
   * is searched. The bytes may be those of a buffer that the next call reuses: callers decode them at
   * once and keep nothing that shares their memory. Optional: without it, the packs of a database
   * are read whole when it opens.
   */
  readRangeSync?(key: string, offset: number, length: number): Uint8Array;
  /** Releases what reads hold open (file handles); reads reopen them when needed. */
  closeReads?(): void;
  /** Every blob and log, with when it was last written (ms since the epoch). */
  list(): Promise<{ readonly key: string; readonly mtimeMs: number }[]>;
  /** Removes a blob or a log (no error when it is already gone). */
  remove(key: string): Promise<void>;
  /** The bytes of log `key` from `offset` to its end (empty when the log does not exist). */
  readLog(key: string, offset: number): Promise<Uint8Array>;
  /** Appends to log `key` at `offset` (its current length) and makes the append durable. */
  appendLog(key: string, offset: number, bytes: Uint8Array): Promise<void>;
  /** Cuts log `key` back to `length` (after a torn or failed append). */
  truncateLog(key: string, length: number): Promise<void>;
  /** Takes the writer lock; a second writer gets a `db/locked` error. */
  lock(): Promise<void>;
  /** Releases the writer lock. */
  unlock(): Promise<void>;
  /**
   * Calls `onChange` soon after another process changes the store (appends to a log, switches the
   * root), so that readers catch up without polling; returns a function that stops watching. It
   * also calls it once when watching has started (for changes made before), and may call it when
   * nothing changed or once for several changes. A `readRoot` or `readLog` made after a call sees
   * at least the changes that caused it. Optional: without it, readers see changes when they sync.
   */
  watch?(onChange: () => void): () => void;
  /** Whether a store exists here at all. */
  exists(): Promise<boolean>;
  /** Creates an empty store (the place itself, not a database). */
  create(): Promise<void>;
  /** Removes the store and everything in it. */
  destroy(): Promise<void>;
}
