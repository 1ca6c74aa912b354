import { DatomError, isDatomError } from '../error/datom-error.js';
import type { BlobStore } from '../storage/blob-store.js';
import { ByteReader, concatBytes } from '../storage/byte-codec.js';
import { parseLog } from './log-record.js';
import { createLog, decodeRoot, encodeRoot, type LogRef, ROOT_FORMAT, storageKey } from './root-record.js';

/**
 * One piece of storage a {@link StoreSnapshot} needs. Directories and packs are immutable; of a
 * log, the snapshot holds its first `bytes` bytes, whole transaction records that never change
 * (appends only ever go after them).
 */
export interface SnapshotBlob {
  /** Its key in the store (`dir-…`, `pack-…`, `log-…`). */
  readonly key: string;
  readonly kind: 'dir' | 'pack' | 'log';
  /** Its size in bytes; of a log, the bytes of its records that the snapshot holds. */
  readonly bytes: number;
  /** Of a pack: how many of its bytes the directory still uses. */
  readonly live?: number;
  /** Of a log: the basis t once its records are applied. */
  readonly lastT?: number;
  /** Of a log of format 3 (records without the trailing CRC). */
  readonly legacy?: true;
}

/**
 * The storage of a durable database as of one root, listed so that it can be copied blob by blob
 * (a physical backup) and written into another store ({@link writeStoreSnapshot}). The database it
 * describes can be restored at any t from `dirT` (its directory) to `t` (its last transaction).
 */
export interface StoreSnapshot {
  /** The database's identity. */
  readonly id: string;
  /** The last transaction the snapshot holds. */
  readonly t: number;
  /** The t of its directory: the earliest t it can be restored at. */
  readonly dirT: number;
  /** The directory, then its packs, then its logs in order. */
  readonly blobs: readonly SnapshotBlob[];
}

const READ_CHUNK = 4 << 20;

function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && a.every((x, i) => x === b[i]);
}

/**
 * Lists the storage of the database in `store` as of its current root: a consistent snapshot, taken
 * while a writer may go on committing in another connection or process. The open log is read to
 * find its last whole transaction; transactions appended after that are not part of the snapshot.
 *
 * The blobs it names stay readable while a copy is made from them unless the writer finishes a
 * checkpoint meanwhile: then reading a log (or an old pack) can fail with `storage/missing`, and
 * the copy takes a fresh snapshot and goes on with it (what it has copied is mostly still named).
 *
 * @example
 * ```ts
 * const snap = await readStoreSnapshot(new FileBlobStore('./data/music'))
 * snap.t // the last transaction
 * snap.blobs.map((b) => b.key) // ['dir-…', 'pack-…', 'log-…']
 * ```
 */
export async function readStoreSnapshot(store: BlobStore): Promise<StoreSnapshot> {
  for (let attempt = 0; ; attempt++) {
    const rootBytes = await store.readRoot();
    if (rootBytes === null) throw new DatomError('db/not-found', `No database at ${store.location}`, { data: { location: store.location } });
    const root = decodeRoot(rootBytes, store.location);
    try {
      const dir = await store.getBlob(root.dir);
      const blobs: SnapshotBlob[] = [{ key: root.dir, kind: 'dir', bytes: dir.length }];
      for (const p of root.packs) blobs.push({ key: p.name, kind: 'pack', bytes: p.bytes, live: p.live });
      let t = root.dirT;
      for (let i = 0; i < root.logs.length; i++) {
        const ref = root.logs[i] as LogRef;
        const legacy = ref.legacy === true ? { legacy: true as const } : {};
        if (ref.length !== undefined && ref.lastT !== undefined) {
          t = Math.max(t, ref.lastT);
          blobs.push({ key: ref.name, kind: 'log', bytes: ref.length, lastT: t, ...legacy });
          continue;
        }
        // The open log (or a log of format 3, which the root makes no promise about): its records tell.
        let bytes: Uint8Array;
        try {
          bytes = await store.readLog(ref.name, 0);
        } catch (err) {
          // A format-3 database may never have created its last log.
          if (!(isDatomError(err, 'storage/missing') && ref.legacy === true && i === root.logs.length - 1)) throw err;
          bytes = new Uint8Array(0);
        }
        const parsed = parseLog(bytes, `${store.location}/${ref.name}`, 0, { legacy: ref.legacy === true });
        for (const rec of parsed.records) t = Math.max(t, rec.t);
        blobs.push({ key: ref.name, kind: 'log', bytes: parsed.validLength, lastT: t, ...legacy });
      }
      return { id: root.id, t, dirT: root.dirT, blobs };
    } catch (err) {
      // The writer moved the root on and removed what the old one named: take the new one.
      if (attempt < 5 && isDatomError(err, 'storage/missing')) {
        const now = await store.readRoot();
        if (now !== null && !sameBytes(now, rootBytes)) continue;
      }
      throw err;
    }
  }
}

/**
 * The bytes of `blob` (of a {@link StoreSnapshot} of `store`) from `from` to its end, in chunks of
 * at most 4 MiB, each a fresh copy. A blob the store no longer holds is `storage/missing`; one
 * shorter than the snapshot says is `storage/corrupt`.
 *
 * @example
 * ```ts
 * for await (const chunk of readSnapshotBlob(store, snap.blobs[0])) out.write(chunk)
 * ```
 */
export async function* readSnapshotBlob(store: BlobStore, blob: SnapshotBlob, from = 0): AsyncGenerator<Uint8Array> {
  const short = (got: number): DatomError =>
    new DatomError('storage/corrupt', `${store.location}/${blob.key} holds ${got} bytes; its database names it with ${blob.bytes}`, {
      data: { location: store.location, key: blob.key, bytes: got, expected: blob.bytes },
    });
  if (from >= blob.bytes) return;
  if (blob.kind === 'log') {
    const bytes = await store.readLog(blob.key, from);
    if (bytes.length < blob.bytes - from) throw short(from + bytes.length);
    for (let at = 0; at < blob.bytes - from; at += READ_CHUNK) yield bytes.slice(at, Math.min(at + READ_CHUNK, blob.bytes - from));
    return;
  }
  if (store.readRangeSync === undefined || blob.kind === 'dir') {
    const bytes = await store.getBlob(blob.key);
    if (bytes.length !== blob.bytes) throw short(bytes.length);
    for (let at = from; at < bytes.length; at += READ_CHUNK) yield bytes.slice(at, Math.min(at + READ_CHUNK, bytes.length));
    return;
  }
  for (let at = from; at < blob.bytes; at += READ_CHUNK) {
    const n = Math.min(READ_CHUNK, blob.bytes - at);
    // The store reuses its buffer at the next read: the chunk is copied out at once (a Buffer's
    // `slice` would share that buffer, and a copy waiting to be written would change under it).
    const chunk = new Uint8Array(store.readRangeSync(blob.key, at, n));
    if (chunk.length < n) throw short(at + chunk.length);
    yield chunk;
  }
}

/** The end of the last record of `log` whose t is at most `t`. */
function cutLog(log: Uint8Array, t: number, legacy: boolean, source: string): number {
  let pos = 0;
  while (pos + 8 <= log.length) {
    const len = new DataView(log.buffer, log.byteOffset + pos, 4).getUint32(0, true);
    if (len === 0) break;
    if (new ByteReader(log, source, pos + 8, pos + 8 + len).uvar() > t) break;
    pos += 8 + len + (legacy ? 0 : 4);
  }
  return pos;
}

async function collect(chunks: AsyncIterable<Uint8Array>): Promise<Uint8Array> {
  const parts: Uint8Array[] = [];
  for await (const c of chunks) parts.push(c);
  return concatBytes(parts);
}

/** Options of {@link writeStoreSnapshot}. */
export interface WriteStoreSnapshotOptions {
  /** The bytes of each blob of the snapshot, whole (from a backup, say). */
  readonly read: (blob: SnapshotBlob) => AsyncIterable<Uint8Array>;
  /** The t to restore the database at, from the snapshot's `dirT` to its `t` (the default). */
  readonly t?: number;
}

/**
 * Writes the database a {@link StoreSnapshot} describes, as of `t`, into `store`, which must hold
 * no database (`db/exists` otherwise). The result is the same database (same identity, entity ids
 * and transactions) as the snapshot's as of `t`: the directory and packs as they were, the logs up
 * to `t` (closed, with their lengths promised), and a fresh open log for what comes next. The root
 * is written last, so a write that fails or is killed leaves no database, and running it again
 * starts over. Takes the store's writer lock meanwhile. Logs are held in memory one at a time.
 *
 * @example
 * ```ts
 * const snap = await readStoreSnapshot(source)
 * await writeStoreSnapshot(new FileBlobStore('./copy'), snap, { read: (b) => readSnapshotBlob(source, b) })
 * ```
 */
export async function writeStoreSnapshot(store: BlobStore, snapshot: StoreSnapshot, options: WriteStoreSnapshotOptions): Promise<{ readonly t: number }> {
  const t = options.t ?? snapshot.t;
  if (!Number.isInteger(t) || t < snapshot.dirT || t > snapshot.t) {
    throw new DatomError('db/arg', `This snapshot can be restored at a t from ${snapshot.dirT} to ${snapshot.t}, not ${String(t)}`, {
      data: { t, from: snapshot.dirT, to: snapshot.t },
    });
  }
  if (!(await store.exists())) await store.create();
  if ((await store.readRoot()) !== null) {
    throw new DatomError('db/exists', `${store.location} holds a database already: restore into a new one, or delete it first`, { data: { location: store.location } });
  }
  await store.lock();
  try {
    const dir = snapshot.blobs.find((b) => b.kind === 'dir');
    if (dir === undefined) throw new DatomError('db/arg', 'The snapshot names no directory', { data: { id: snapshot.id } });
    const packs = snapshot.blobs.filter((b) => b.kind === 'pack');
    for (const b of [dir, ...packs]) await store.writeBlob(b.key, options.read(b));
    const logs: LogRef[] = [];
    let basis = snapshot.dirT;
    for (const b of snapshot.blobs) {
      if (b.kind !== 'log' || basis >= t) continue;
      let bytes = await collect(options.read(b));
      const lastT = Math.min(b.lastT ?? basis, t);
      if ((b.lastT ?? basis) > t) bytes = bytes.subarray(0, cutLog(bytes, t, b.legacy === true, b.key));
      // A log left by an earlier attempt may be longer: its records past ours would count.
      await store.remove(b.key);
      await store.appendLog(b.key, 0, bytes);
      logs.push({ name: b.key, length: bytes.length, lastT, ...(b.legacy === true ? { legacy: true as const } : {}) });
      basis = lastT;
    }
    const open = storageKey('log', t);
    await createLog(store, open);
    logs.push({ name: open });
    const packRefs = packs.map((p) => ({ name: p.key, bytes: p.bytes, live: p.live ?? p.bytes }));
    await store.writeRoot(encodeRoot({ format: ROOT_FORMAT, id: snapshot.id, dir: dir.key, dirT: snapshot.dirT, packs: packRefs, logs }));
  } finally {
    await store.unlock();
    store.closeReads?.();
  }
  return { t };
}
