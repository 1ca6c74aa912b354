import { createHash } from 'node:crypto';
import { open, mkdir, readdir, readFile, rename, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { type BlobStore, DatomError, FileBlobStore, parseDatabaseUri, PgBlobStore, processAlive, type SnapshotBlob, type StoreSnapshot } from '@datomkit/datom-core';

/** The version of the folder layout and manifests this code writes and reads. */
export const FOLDER_FORMAT = 1;

/**
 * One file of a backup folder that holds (part of) a blob: a whole directory or pack, or a range of
 * a log. Its name says which, so the same name always holds the same bytes.
 */
export interface BackupPart {
  /** Its name under `blobs/`. */
  readonly file: string;
  readonly bytes: number;
  /** SHA-256 of its bytes, in hex. */
  readonly sha256: string;
}

/** A blob of the source database as a backup point holds it: the blob, then the files its bytes are in. */
export interface BackupBlob extends SnapshotBlob {
  readonly parts: readonly BackupPart[];
}

/**
 * The manifest of one backup point (`points/<t>.json`): what it takes to restore the source
 * database at any t from `dirT` to `t`.
 *
 * @example
 * ```ts
 * const { t } = await backupDatabase({ source: 'file:./data/music', dir: './backups/music' })
 * const m: BackupManifest = JSON.parse(readFileSync(`./backups/music/points/${String(t).padStart(12, '0')}.json`, 'utf8'))
 * ```
 */
export interface BackupManifest {
  readonly format: 1;
  /** The source database's identity: a folder holds backups of one database only. */
  readonly database: string;
  readonly t: number;
  readonly dirT: number;
  /** When the backup was taken (ISO 8601). */
  readonly time: string;
  /** Where the source was (a path, or a URL without credentials). */
  readonly source: string;
  readonly blobs: readonly BackupBlob[];
}

/** The claim file: which database the folder holds backups of. */
const CLAIM = 'backup.json';

export function ioError(what: string, file: string, err: unknown): DatomError {
  return new DatomError('backup/io', `Could not ${what} ${file}: ${(err as Error).message}`, { data: { file }, cause: err });
}

/** The blob store of a durable database's URI (a `BlobStore` is taken as it is). */
export function storeOf(db: string | BlobStore, role: 'source' | 'destination'): BlobStore {
  if (typeof db !== 'string') return db;
  const u = parseDatabaseUri(db);
  if (u.kind === 'mem') {
    throw new DatomError('backup/arg', `${db} is held in memory and has no storage to back up or restore into: use a file: or postgres:// database (or backupDb for a file backup)`, {
      data: { uri: db, role },
    });
  }
  return u.kind === 'file' ? new FileBlobStore(u.path) : new PgBlobStore(u.connectionString, u.name);
}

/** The file a point's manifest is kept in: the t zero-padded, so that names sort by t. */
export function manifestFile(dir: string, t: number): string {
  return join(dir, 'points', `${String(t).padStart(12, '0')}.json`);
}

export function partPath(dir: string, file: string): string {
  return join(dir, 'blobs', file);
}

/** The name of the file holding bytes [start, end) of a blob: the key itself for immutable blobs. */
export function partName(blob: SnapshotBlob, start: number, end: number): string {
  return blob.kind === 'log' ? `${blob.key}.${start}-${end}` : blob.key;
}

export async function fsyncDir(dir: string): Promise<void> {
  const h = await open(dir, 'r');
  try {
    await h.sync();
  } finally {
    await h.close();
  }
}

/**
 * Writes `file` whole or not at all: chunks into a temporary file, synced, renamed over it (once
 * `beforeRename` has settled, when given). Returns the bytes written and their SHA-256. The caller
 * syncs the folder.
 */
export async function writeFileDurably(
  file: string,
  chunks: AsyncIterable<Uint8Array> | Iterable<Uint8Array>,
  onChunk?: (n: number) => void,
  beforeRename?: Promise<unknown>,
): Promise<{ bytes: number; sha256: string }> {
  const tmp = `${file}.tmp-${process.pid}`;
  const hash = createHash('sha256');
  let bytes = 0;
  try {
    const h = await open(tmp, 'w');
    try {
      // Each chunk is hashed (and the next one read) while the one before it is being written.
      let writing: Promise<unknown> = Promise.resolve();
      for await (const c of chunks) {
        hash.update(c);
        await writing;
        writing = h.write(c);
        bytes += c.length;
        onChunk?.(c.length);
      }
      await writing;
      await h.sync();
    } finally {
      await h.close();
    }
    await beforeRename;
    await rename(tmp, file);
  } catch (err) {
    await rm(tmp, { force: true });
    if (err instanceof DatomError) throw err;
    throw ioError('write', file, err);
  }
  return { bytes, sha256: hash.digest('hex') };
}

/**
 * Makes sure `dir` holds backups of database `database` only: claims an empty (or new) folder for
 * it, and refuses one that holds another database's backups or something else altogether.
 */
export async function claimFolder(dir: string, database: string): Promise<void> {
  const claim = join(dir, CLAIM);
  const held = await readClaim(dir);
  if (held === database) return makeFolders(dir);
  if (held !== null) {
    throw new DatomError('backup/claim-failed', `${dir} holds backups of database ${held}, not of ${database}: a backup folder holds one database only; back it up to another folder`, {
      data: { dir, held, database },
    });
  }
  let entries: string[] = [];
  try {
    entries = await readdir(dir);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw ioError('read', dir, err);
  }
  // What a claim killed half-way leaves (its temporary file) does not count.
  if (entries.some((e) => !e.startsWith(`${CLAIM}.tmp-`))) {
    throw new DatomError('backup/claim-failed', `${dir} is not empty and holds no backup (no ${CLAIM}): give an empty or new folder`, { data: { dir, database } });
  }
  try {
    await mkdir(dir, { recursive: true });
  } catch (err) {
    throw ioError('create', dir, err);
  }
  // The claim first: a folder holding anything else of ours is claimed.
  await writeFileDurably(claim, [new TextEncoder().encode(`${JSON.stringify({ format: FOLDER_FORMAT, database })}\n`)]);
  await fsyncDir(dir);
  for (const e of entries) await rm(join(dir, e), { force: true });
  await makeFolders(dir);
}

/** Makes `blobs/` and `points/`, and removes the temporary files of backups killed half-way. */
async function makeFolders(dir: string): Promise<void> {
  try {
    for (const sub of ['blobs', 'points']) {
      await mkdir(join(dir, sub), { recursive: true });
      for (const f of await readdir(join(dir, sub))) {
        const pid = /\.tmp-(\d+)$/.exec(f)?.[1];
        if (pid !== undefined && !processAlive(Number(pid))) await rm(join(dir, sub, f), { force: true });
      }
    }
  } catch (err) {
    throw ioError('prepare', dir, err);
  }
}

/** The database a backup folder holds backups of, or null for a folder that has no claim. */
async function readClaim(dir: string): Promise<string | null> {
  let text: string;
  try {
    text = await readFile(join(dir, CLAIM), 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw ioError('read', join(dir, CLAIM), err);
  }
  try {
    const raw = JSON.parse(text) as { format?: unknown; database?: unknown };
    if (raw.format === FOLDER_FORMAT && typeof raw.database === 'string') return raw.database;
  } catch {
    // Reported below.
  }
  throw new DatomError('backup/format', `${join(dir, CLAIM)} is not a backup folder's claim of this version (format ${FOLDER_FORMAT})`, { data: { file: join(dir, CLAIM) } });
}

function parseManifest(text: string, file: string): BackupManifest {
  let raw: Partial<BackupManifest>;
  try {
    raw = JSON.parse(text) as Partial<BackupManifest>;
  } catch (err) {
    throw new DatomError('backup/format', `The backup manifest ${file} is not readable JSON`, { data: { file }, cause: err });
  }
  if (raw.format !== FOLDER_FORMAT || typeof raw.database !== 'string' || typeof raw.t !== 'number' || typeof raw.dirT !== 'number' || !Array.isArray(raw.blobs)) {
    throw new DatomError('backup/format', `The backup manifest ${file} is not one of format ${FOLDER_FORMAT}`, { data: { file, format: raw.format } });
  }
  return raw as BackupManifest;
}

/**
 * Every backup point of the folder, by t. A folder with no claim is `backup/not-found`; so is a
 * manifest of another database (the folder is damaged or mixed by hand).
 */
export async function readManifests(dir: string): Promise<BackupManifest[]> {
  const database = await readClaim(dir);
  if (database === null) throw new DatomError('backup/not-found', `${dir} holds no backup (no ${CLAIM})`, { data: { dir } });
  let names: string[];
  try {
    names = (await readdir(join(dir, 'points'))).filter((n) => /^\d{12}\.json$/.test(n)).sort();
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw ioError('read', join(dir, 'points'), err);
  }
  const out: BackupManifest[] = [];
  for (const n of names) {
    const file = join(dir, 'points', n);
    const m = parseManifest(await readFile(file, 'utf8'), file);
    if (m.database !== database) {
      throw new DatomError('backup/claim-failed', `The manifest ${file} is of database ${m.database}, the folder holds backups of ${database}`, { data: { file, database: m.database, held: database } });
    }
    out.push(m);
  }
  return out;
}

/** The snapshot a manifest describes, for `writeStoreSnapshot`. */
export function snapshotOf(m: BackupManifest): StoreSnapshot {
  return { id: m.database, t: m.t, dirT: m.dirT, blobs: m.blobs };
}
