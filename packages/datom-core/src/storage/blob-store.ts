/**
 * The storage interface: what a durable database needs from the place it is kept. Small enough to
 * implement over any key-value store that has one atomic root switch:
 * - immutable blobs (index pages in packs, directories), written once under a fresh key and never changed;
 * - append-only logs (the transaction log), whose appends are durable when `append` resolves;
 * - one small root record, replaced atomically, that names the blobs and the log in use.
 * Everything a root names was fully written before the root was switched, so a crash at any moment
 * leaves either the old root or the new one, each complete.
 *
 * What the database built on it relies on, and checks:
 * - A root names only logs that exist (they are created before the root is written), and promises
 *   the length and last t of every log but the last; a log missing or shorter than promised is
 *   `storage/missing`/`storage/corrupt` naming it, never a shorter history.
 * - Transactions follow each other in the logs without a gap in t.
 * - A log record ends with its CRC again: a record whose end is still zero is a torn write, never
 *   acknowledged, and dropped; any other damage is `storage/corrupt`.
 * - A damaged database refuses to open (for writing and reading) until it is repaired
 *   (`repairDatabase`), which truncates it to its last good transaction and reports what it drops.
 * - Only keys named `dir-`, `pack-` and `log-` (then a t and an id) belong to the database: gc and
 *   the writer's own clean-up never touch anything else in the store.
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
  /**
   * The bytes of log `key` from `offset` to its end; a missing log is a `storage/missing` error
   * naming it. Bytes past the last append may be zeros (preallocated space): the log's records
   * end at the first zero length.
   */
  readLog(key: string, offset: number): Promise<Uint8Array>;
  /**
   * Appends to log `key` at `offset` (the end of its records) and makes the append durable. An
   * append of no bytes at offset 0 creates the log durably: a root only ever names logs that exist.
   */
  appendLog(key: string, offset: number, bytes: Uint8Array): Promise<void>;
  /**
   * Makes `length` the end of log `key`'s records again (after a torn or failed append): what
   * follows reads as zeros from then on. A store with a {@link BlobStore.logGrain} keeps the log's size.
   */
  truncateLog(key: string, length: number): Promise<void>;
  /**
   * When set, every log of this store is a whole number of this many bytes long (logs grow in
   * preallocated chunks and never shrink), so a log of another length was cut short by someone:
   * the database refuses it as `storage/corrupt` instead of reading a shorter history.
   */
  readonly logGrain?: number;
  /**
   * Takes the writer lock; a second writer gets a `db/locked` error saying who holds it. A lock left
   * by a process that is gone is taken over only when the store can tell for certain that it is
   * gone (see the implementation's rule); otherwise the error says how to release it by hand.
   */
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
