import { closeSync, constants as C, fdatasyncSync, fsyncSync, ftruncateSync, openSync, readFileSync, readlinkSync, readSync, watch as watchDir, writeSync } from 'node:fs';
import { crc32 } from 'node:zlib';
import * as fs from 'node:fs/promises';
import { hostname } from 'node:os';
import * as path from 'node:path';
import { DatomError } from '../error/datom-error.js';
import type { BlobStore } from './blob-store.js';

const ROOT = 'root';
/** Logs grow by this many bytes at a time. */
const LOG_CHUNK = 1 << 20;
/** An append of at least this many bytes (a large commit) leaves the rest of a new chunk a hole. */
const LARGE_APPEND = 64 << 10;

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

/**
 * Whether a process with id `pid` runs on this machine (in this pid namespace): signal 0 reaches
 * it, or it exists but belongs to another user. The liveness check of a lock's or a temporary
 * file's owner; a pid can be reused, which {@link lockOwnerState} guards against with start times.
 *
 * @example
 * ```ts
 * processAlive(process.pid) // true
 * ```
 */
export function processAlive(pid: number): boolean {
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

/**
 * Who holds a writer lock: enough to tell, on the same machine, whether that very process still
 * runs. A pid alone is not: pids are reused, and a restarted container's process is PID 1 again.
 * The kernel's boot id and the process's start time (in clock ticks since boot) are things a dead
 * process cannot keep.
 */
export interface LockOwner {
  readonly pid: number;
  readonly host: string;
  /** `/proc/sys/kernel/random/boot_id`, or null where there is none. */
  readonly bootId: string | null;
  /** The pid namespace (`/proc/self/ns/pid`), or null: pids compare only within one. */
  readonly pidNs: string | null;
  /** Field 22 of `/proc/<pid>/stat`, or null. */
  readonly start: number | null;
  /** When the lock was taken (ISO 8601). */
  readonly since: string;
}

function readText(file: string): string | null {
  try {
    return readFileSync(file, 'utf8').trim();
  } catch {
    return null;
  }
}

/** The start time of process `pid` in clock ticks since boot, or null when it is not running (or unknown). */
function processStart(pid: number): number | null {
  const stat = readText(`/proc/${pid}/stat`);
  if (stat === null) return null;
  // The command name (field 2) may hold spaces and parentheses: count fields after the last ')'.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  const start = Number(fields[19]);
  return Number.isFinite(start) ? start : null;
}

function nsOf(): string | null {
  try {
    return readlinkSync('/proc/self/ns/pid');
  } catch {
    return null;
  }
}

function thisProcess(): LockOwner {
  return {
    pid: process.pid,
    host: hostname(),
    bootId: readText('/proc/sys/kernel/random/boot_id'),
    pidNs: nsOf(),
    start: processStart(process.pid),
    since: new Date().toISOString(),
  };
}

/** Reads a lock file's text: the JSON of {@link LockOwner}, or `pid@host` as older versions wrote it. */
function parseOwner(text: string): Partial<LockOwner> | null {
  if (text.startsWith('{')) {
    try {
      return JSON.parse(text) as Partial<LockOwner>;
    } catch {
      return null;
    }
  }
  const at = text.indexOf('@');
  const pid = Number(text.slice(0, at));
  return at > 0 && Number.isSafeInteger(pid) ? { pid, host: text.slice(at + 1) } : null;
}

/**
 * Whether the owner of a lock is certainly gone ('dead'), certainly running ('alive'), or cannot be
 * told from here ('unknown': another host, or another container whose processes this one cannot
 * see). The rule, in order:
 * - an empty lock file is dead (nothing writes one; kept from older versions);
 * - same boot id and pid namespace: alive exactly when a process with that pid runs and started at
 *   the recorded time (a reused pid, PID 1 of a restarted container, has another start time);
 * - same boot id, another pid namespace, same host name: dead (a container restarted; containers
 *   that share a database folder have distinct host names, as Docker and Kubernetes give them);
 * - another boot id, same host name: dead (the machine restarted since);
 * - no boot id known (not Linux, or a lock of an older version): the host name and pid decide;
 * - anything else, another host above all, is unknown and never taken over automatically.
 *
 * @example
 * ```ts
 * lockOwnerState(readFileSync('./data/music/LOCK', 'utf8')) // 'dead' after the writer was killed
 * ```
 */
export function lockOwnerState(text: string, me: LockOwner = thisProcess()): 'alive' | 'dead' | 'unknown' {
  if (text === '') return 'dead';
  const o = parseOwner(text);
  if (o === null || typeof o.pid !== 'number') return 'unknown';
  const sameHost = o.host === me.host;
  if (typeof o.bootId === 'string' && me.bootId !== null) {
    if (o.bootId !== me.bootId) return sameHost ? 'dead' : 'unknown';
    if ((o.pidNs ?? null) === me.pidNs) {
      const start = processStart(o.pid);
      // Not in /proc: gone, unless /proc hides it (hidepid) and the pid answers.
      if (start === null) return processAlive(o.pid) ? (me.start === null ? 'alive' : 'unknown') : 'dead';
      return start === o.start ? 'alive' : 'dead';
    }
    return sameHost ? 'dead' : 'unknown';
  }
  if (!sameHost) return 'unknown';
  return processAlive(o.pid) ? 'alive' : 'dead';
}

function locked(dir: string, text: string, state: 'alive' | 'unknown'): DatomError {
  const file = path.join(dir, LOCK);
  const o = parseOwner(text) ?? {};
  const who = `process ${o.pid ?? '?'} on host ${o.host ?? '?'}${o.since === undefined ? '' : ` since ${o.since}`}`;
  const todo =
    state === 'alive'
      ? 'open it read-only, or close that writer'
      : `open it read-only, or close that writer; if that process is gone (this process cannot tell: it ran on another host or in another container), remove ${file} by hand and connect again`;
  return new DatomError('db/locked', `The database at ${dir} is open for writing by ${who} (lock file ${file}): ${todo}`, {
    data: { location: dir, lockFile: file, pid: o.pid, host: o.host, since: o.since, owner: text },
  });
}

/**
 * A {@link BlobStore} in a local directory: blobs and logs are files, the root is a file replaced by
 * rename after an fsync (then the directory is synced), and the writer lock is a file created
 * exclusively that names the owning process (see {@link LockOwner}); a lock left by a process that
 * is certainly gone is taken over (see {@link lockOwnerState} for the rule).
 */
export class FileBlobStore implements BlobStore {
  readonly location: string;
  /** Logs grow in chunks of this many bytes and never shrink. */
  readonly logGrain = LOG_CHUNK;
  #lockHeld = false;

  constructor(readonly dir: string) {
    this.location = dir;
  }

  /** The path of `key` for a message: {@link FileBlobStore.#file} without its check, which may be what failed. */
  #fileName(key: string): string {
    return path.join(this.dir, key);
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
    for (const entry of await fs.readdir(this.dir, { withFileTypes: true })) {
      const name = entry.name;
      // Folders and whatever else the user keeps beside the database are not storage.
      if (!entry.isFile() || name === ROOT || name === LOCK || name.includes('.tmp-')) continue;
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
    const h = this.#logHandles.get(key);
    if (h !== undefined) {
      this.#logHandles.delete(key);
      this.#allocated.delete(key);
      await h.close().catch(() => undefined);
    }
    await fs.rm(this.#file(key), { force: true });
  }

  async readLog(key: string, offset: number): Promise<Uint8Array> {
    const file = this.#file(key);
    let h: fs.FileHandle;
    try {
      h = await fs.open(file, 'r');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') {
        throw new DatomError('storage/missing', `Storage file ${file} is missing: the database is damaged`, { data: { file } });
      }
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
    let h = this.#logHandles.get(key);
    try {
      if (h === undefined) {
        h = await fs.open(this.#file(key), C.O_RDWR | C.O_CREAT);
        this.#logHandles.set(key, h);
        this.#allocated.set(key, (await h.stat()).size);
        if (offset === 0) await fsyncDir(this.dir);
      }
      // The log grows in preallocated, synced chunks of zeros, so that a commit's fdatasync
      // flushes only data, not a new file size (the log reader stops at the zeros). The size
      // jumps to the next whole chunk at once (a reader never sees a part of a chunk), and is
      // always a whole number of chunks: a log of another size was cut short. The space this
      // append is about to fill is left a hole (it reads as zeros too), so that a large commit
      // does not write its bytes twice; its fdatasync then also flushes where they went. After
      // a large append the rest of the chunk is left a hole as well: the commits of an import
      // are large ones, which would otherwise write the log twice (once as zeros) and pay a full
      // fsync per chunk, and small commits are what the zeros are for.
      const allocated = this.#allocated.get(key) ?? 0;
      const end = offset + bytes.length;
      if (end > allocated) {
        const size = Math.ceil(end / LOG_CHUNK) * LOG_CHUNK;
        ftruncateSync(h.fd, size);
        if (bytes.length < LARGE_APPEND) {
          if (size > end) writeAll(h.fd, new Uint8Array(size - end), end);
          fsyncSync(h.fd);
        }
        this.#allocated.set(key, size);
      }
      // Synchronous write and fdatasync: a commit waits for the disk either way, and two thread-pool
      // round trips per transaction would cost more than the sync itself on a fast disk.
      writeAll(h.fd, bytes, offset);
      fdatasyncSync(h.fd);
    } catch (err) {
      // The path is made only here: an append (one per commit) needs just the open handle.
      throw ioError('append to', this.#fileName(key), err);
    }
  }

  /** Zeroes the log from `length` on; its size stays (see {@link FileBlobStore.logGrain}). */
  async truncateLog(key: string, length: number): Promise<void> {
    const file = this.#file(key);
    let h: fs.FileHandle;
    try {
      h = await fs.open(file, 'r+');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return;
      throw ioError('truncate', file, err);
    }
    try {
      const { size } = await h.stat();
      const zeros = new Uint8Array(Math.min(LOG_CHUNK, Math.max(0, size - length)));
      for (let at = length; at < size; at += zeros.length) await h.write(zeros, 0, Math.min(zeros.length, size - at), at);
      await h.datasync();
    } catch (err) {
      throw ioError('truncate', file, err);
    } finally {
      await h.close();
    }
  }

  async lock(): Promise<void> {
    const file = path.join(this.dir, LOCK);
    const me = JSON.stringify(thisProcess());
    const deadline = Date.now() + LOCK_WAIT_MS;
    for (;;) {
      if (await this.#createLock(file, me)) {
        this.#lockHeld = true;
        return;
      }
      const owner = (await fs.readFile(file, 'utf8').catch(() => '')).trim();
      const state = lockOwnerState(owner);
      if (state !== 'dead') throw locked(this.dir, owner, state);
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
    const marker = `${file}.tmp-takeover-${crc32(owner).toString(16)}`;
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
