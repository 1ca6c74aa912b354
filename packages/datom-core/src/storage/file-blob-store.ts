import { closeSync, constants as C, fdatasyncSync, fsyncSync, openSync, readSync, watch as watchDir, writeSync } from 'node:fs';
import * as fs from 'node:fs/promises';
import { hostname } from 'node:os';
import * as path from 'node:path';
import { DatomError } from '../error/datom-error.js';
import type { BlobStore } from './blob-store.js';

const ROOT = 'root';
/** Logs grow by this many bytes at a time. */
const LOG_CHUNK = 1 << 20;

function writeAll(fd: number, bytes: Uint8Array, offset: number): void {
  let written = 0;
  while (written < bytes.length) written += writeSync(fd, bytes, written, bytes.length - written, offset + written);
}
const LOCK = 'LOCK';

function ioError(what: string, file: string, err: unknown): DatomError {
  const code = (err as NodeJS.ErrnoException)?.code;
  return new DatomError('storage/io', `Could not ${what} ${file}: ${(err as Error)?.message ?? String(err)}`, {
    data: { file, errno: code },
    cause: err,
  });
}

async function fsyncDir(dir: string): Promise<void> {
  const h = await fs.open(dir, 'r');
  try {
    await h.sync();
  } finally {
    await h.close();
  }
}

function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Lock files made by this process so far (their names must not collide). */
let lockAttempts = 0;
/** How long `lock` waits for another process that is removing a dead owner's lock. */
const LOCK_WAIT_MS = 5_000;
/** A takeover marker older than this was left by a process killed while removing a dead lock. */
const STALE_MARKER_MS = 10_000;

function locked(dir: string, owner: string): DatomError {
  return new DatomError('db/locked', `The database at ${dir} is open for writing by process ${owner}; open it read-only, or close the other writer`, {
    data: { location: dir, owner },
  });
}

/**
 * A {@link BlobStore} in a local directory: blobs and logs are files, the root is a file replaced by
 * rename after an fsync (then the directory is synced), and the writer lock is a file created
 * exclusively that names the owning process, so a lock left by a killed process is taken over.
 */
export class FileBlobStore implements BlobStore {
  readonly location: string;
  #lockHeld = false;

  constructor(readonly dir: string) {
    this.location = dir;
  }

  #file(key: string): string {
    if (key.includes('/') || key.includes('\\') || key.startsWith('.')) {
      throw new DatomError('storage/io', `Invalid storage key ${key}`, { data: { key } });
    }
    return path.join(this.dir, key);
  }

  async exists(): Promise<boolean> {
    try {
      await fs.access(path.join(this.dir, ROOT));
      return true;
    } catch {
      return false;
    }
  }

  async create(): Promise<void> {
    try {
      await fs.mkdir(this.dir, { recursive: true });
    } catch (err) {
      throw ioError('create the database directory', this.dir, err);
    }
  }

  async destroy(): Promise<void> {
    await fs.rm(this.dir, { recursive: true, force: true });
  }

  async readRoot(): Promise<Uint8Array | null> {
    try {
      return await fs.readFile(path.join(this.dir, ROOT));
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null;
      throw ioError('read', path.join(this.dir, ROOT), err);
    }
  }

  async writeRoot(bytes: Uint8Array): Promise<void> {
    await this.#writeDurably(path.join(this.dir, ROOT), [bytes]);
  }

  async putBlob(key: string, bytes: Uint8Array): Promise<void> {
    await this.#writeDurably(this.#file(key), [bytes]);
  }

  /**
   * Writes `file` whole or not at all: `chunks` into a temporary file, synced and renamed over it,
   * then the directory synced.
   */
  async #writeDurably(file: string, chunks: Iterable<Uint8Array> | AsyncIterable<Uint8Array>): Promise<void> {
    const tmp = `${file}.tmp-${process.pid}`;
    try {
      const h = await fs.open(tmp, 'w');
      try {
        for await (const c of chunks) await h.write(c);
        await h.sync();
      } finally {
        await h.close();
      }
      await fs.rename(tmp, file);
      await fsyncDir(this.dir);
    } catch (err) {
      await fs.rm(tmp, { force: true });
      if (err instanceof DatomError) throw err;
      throw ioError('write', file, err);
    }
  }

  async writeBlob(key: string, chunks: AsyncIterable<Uint8Array>): Promise<void> {
    await this.#writeDurably(this.#file(key), chunks);
  }

  /** Open read descriptors of blobs, by key. */
  #readFds = new Map<string, number>();
  /** One buffer that every range read fills (allocating one per page fragmented the heap). */
  #scratch = Buffer.allocUnsafe(1 << 16);

  readRangeSync(key: string, offset: number, length: number): Uint8Array {
    const file = this.#file(key);
    let fd = this.#readFds.get(key);
    try {
      if (fd === undefined) {
        fd = openSync(file, 'r');
        this.#readFds.set(key, fd);
      }
      if (this.#scratch.length < length) this.#scratch = Buffer.allocUnsafe(Math.max(length, this.#scratch.length * 2));
      const buf = this.#scratch;
      let read = 0;
      while (read < length) {
        const n = readSync(fd, buf, read, length - read, offset + read);
        if (n === 0) break;
        read += n;
      }
      return buf.subarray(0, read);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') {
        throw new DatomError('storage/missing', `Storage file ${file} is missing: the database is damaged`, { data: { file } });
      }
      throw ioError('read', file, err);
    }
  }

  closeReads(): void {
    for (const fd of this.#readFds.values()) {
      try {
        closeSync(fd);
      } catch {
        // Already closed.
      }
    }
    this.#readFds.clear();
  }

  async getBlob(key: string): Promise<Uint8Array> {
    const file = this.#file(key);
    try {
      return await fs.readFile(file);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') {
        throw new DatomError('storage/missing', `Storage file ${file} is missing: the database is damaged`, { data: { file } });
      }
      throw ioError('read', file, err);
    }
  }

  async list(): Promise<{ key: string; mtimeMs: number }[]> {
    const out: { key: string; mtimeMs: number }[] = [];
    for (const name of await fs.readdir(this.dir)) {
      if (name === ROOT || name === LOCK || name.includes('.tmp-')) continue;
      const st = await fs.stat(path.join(this.dir, name));
      out.push({ key: name, mtimeMs: st.mtimeMs });
    }
    return out;
  }

  async remove(key: string): Promise<void> {
    const fd = this.#readFds.get(key);
    if (fd !== undefined) {
      this.#readFds.delete(key);
      closeSync(fd);
    }
    await fs.rm(this.#file(key), { force: true });
  }

  async readLog(key: string, offset: number): Promise<Uint8Array> {
    const file = this.#file(key);
    let h: fs.FileHandle;
    try {
      h = await fs.open(file, 'r');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return new Uint8Array(0);
      throw ioError('read', file, err);
    }
    try {
      const { size } = await h.stat();
      if (size <= offset) return new Uint8Array(0);
      const buf = Buffer.allocUnsafe(size - offset);
      let read = 0;
      while (read < buf.length) {
        const r = await h.read(buf, read, buf.length - read, offset + read);
        if (r.bytesRead === 0) break;
        read += r.bytesRead;
      }
      return buf.subarray(0, read);
    } finally {
      await h.close();
    }
  }

  #logHandles = new Map<string, fs.FileHandle>();
  /** How far each open log has been preallocated with zeros. */
  #allocated = new Map<string, number>();

  async appendLog(key: string, offset: number, bytes: Uint8Array): Promise<void> {
    const file = this.#file(key);
    let h = this.#logHandles.get(key);
    try {
      if (h === undefined) {
        h = await fs.open(file, C.O_RDWR | C.O_CREAT);
        this.#logHandles.set(key, h);
        this.#allocated.set(key, (await h.stat()).size);
        if (offset === 0) await fsyncDir(this.dir);
      }
      // The log grows in preallocated, synced chunks of zeros, so that a commit's fdatasync
      // flushes only data, not a new file size (the log reader stops at the zeros).
      const allocated = this.#allocated.get(key) ?? 0;
      if (offset + bytes.length > allocated) {
        const chunk = Math.max(LOG_CHUNK, offset + bytes.length - allocated);
        writeAll(h.fd, new Uint8Array(chunk), allocated);
        fsyncSync(h.fd);
        this.#allocated.set(key, allocated + chunk);
      }
      // Synchronous write and fdatasync: a commit waits for the disk either way, and two thread-pool
      // round trips per transaction would cost more than the sync itself on a fast disk.
      writeAll(h.fd, bytes, offset);
      fdatasyncSync(h.fd);
    } catch (err) {
      throw ioError('append to', file, err);
    }
  }

  async truncateLog(key: string, length: number): Promise<void> {
    const file = this.#file(key);
    try {
      await fs.truncate(file, length);
      if (this.#allocated.has(key)) this.#allocated.set(key, length);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw ioError('truncate', file, err);
    }
  }

  async lock(): Promise<void> {
    const file = path.join(this.dir, LOCK);
    const me = `${process.pid}@${hostname()}`;
    const deadline = Date.now() + LOCK_WAIT_MS;
    for (;;) {
      if (await this.#createLock(file, me)) {
        this.#lockHeld = true;
        return;
      }
      const owner = (await fs.readFile(file, 'utf8').catch(() => '')).trim();
      const [pidText, host] = owner.split('@');
      const pid = Number(pidText);
      const stale = owner === '' || (host === hostname() && Number.isSafeInteger(pid) && !pidAlive(pid));
      if (!stale) throw locked(this.dir, owner);
      // The owner is gone (killed): remove its lock, then try again to create ours.
      if (await this.#removeDeadLock(file, owner)) continue;
      // Another process is removing it: wait for it.
      if (Date.now() > deadline) throw new DatomError('db/locked', `Could not take the writer lock of ${this.dir}`, { data: { location: this.dir } });
      await new Promise((r) => setTimeout(r, 10));
    }
  }

  /**
   * Removes the lock of a dead `owner`, exactly once however many processes try at once: the one
   * that links the lock to a marker named after that owner removes it, after checking that the
   * file it linked is that owner's (not a lock created since); the others find the marker and
   * wait. Only such a remover ever deletes a lock, so between its check and its removal nobody can
   * replace the lock. False while another process holds the marker.
   */
  async #removeDeadLock(file: string, owner: string): Promise<boolean> {
    const marker = `${file}.tmp-takeover-${owner.replace(/[^A-Za-z0-9_.-]/g, '_')}`;
    try {
      await fs.link(file, marker);
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      if (code === 'ENOENT') return true;
      if (code !== 'EEXIST') throw ioError('lock', file, err);
      // A marker left by a remover that was killed in the middle (removing takes milliseconds).
      const st = await fs.stat(marker).catch(() => null);
      if (st !== null && Date.now() - st.mtimeMs > STALE_MARKER_MS) await fs.rm(marker, { force: true });
      return false;
    }
    try {
      if ((await fs.readFile(marker, 'utf8').catch(() => '')).trim() === owner) await fs.rm(file, { force: true });
    } finally {
      await fs.rm(marker, { force: true });
    }
    return true;
  }

  /**
   * Creates the lock file with its owner already in it: written and synced under a private name,
   * then linked to the lock's name, which fails when a lock exists. (Created empty and written
   * after, it could be read empty in between, taken for a dead owner's and removed, and then two
   * processes would both hold it.) False when the lock exists.
   */
  async #createLock(file: string, owner: string): Promise<boolean> {
    const mine = `${file}.tmp-${process.pid}-${++lockAttempts}-new`;
    try {
      const h = await fs.open(mine, 'wx');
      try {
        await h.writeFile(owner);
        await h.sync();
      } finally {
        await h.close();
      }
      await fs.link(mine, file);
      return true;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'EEXIST') return false;
      throw ioError('lock', file, err);
    } finally {
      await fs.rm(mine, { force: true });
    }
  }

  watch(onChange: () => void): () => void {
    // Appends and root renames change the directory's entries: inotify (and its kin) report them.
    const watcher = watchDir(this.dir, { persistent: false }, () => onChange());
    watcher.on('error', () => undefined);
    const first = setImmediate(onChange);
    return () => {
      clearImmediate(first);
      watcher.close();
    };
  }

  async unlock(): Promise<void> {
    for (const h of this.#logHandles.values()) await h.close().catch(() => undefined);
    this.#logHandles.clear();
    this.#allocated.clear();
    if (!this.#lockHeld) return;
    this.#lockHeld = false;
    await fs.rm(path.join(this.dir, LOCK), { force: true });
  }
}
