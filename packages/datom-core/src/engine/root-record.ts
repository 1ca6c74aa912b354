// The root record: the one small record a store replaces atomically, naming everything else a
// database is made of (its directory, packs and logs).
import { DatomError } from '../error/datom-error.js';
import { Uuid } from '../model/uuid.js';
import type { BlobStore } from '../storage/blob-store.js';
import { corrupt } from './repair-hint.js';

/** A pack and how many of its bytes the directory still uses. */
export interface PackUse {
  readonly name: string;
  readonly bytes: number;
  readonly live: number;
}


/**
 * One log a root names. Every log but the last is closed: the root promises its `length` in bytes
 * and the t of its last transaction (`lastT`), so a log cut short or removed is found, not read as a
 * shorter history. The last log is open for appends; it exists before a root names it.
 */
export interface LogRef {
  readonly name: string;
  readonly length?: number;
  readonly lastT?: number;
  /** A log of format 3: records without the trailing CRC, and no promises about it. */
  readonly legacy?: true;
}

/**
 * The root record: the directory of the last checkpoint, the t it holds, the packs its pages are
 * in, and the logs after it, in order. A checkpoint first adds a fresh log (transactions go on into
 * it while the pages are written), then names the new directory with only the logs after it.
 */
export interface Root {
  readonly format: 4;
  readonly id: string;
  readonly dir: string;
  readonly dirT: number;
  readonly packs: readonly PackUse[];
  readonly logs: readonly LogRef[];
}

/** The root format this version writes; it reads this one and format 3. */
export const ROOT_FORMAT = 4;

/** The keys a database writes: everything else in a store is someone else's. */
export const STORAGE_KEY = /^(dir|pack|log)-\d+-[0-9a-f]{8}$/;

/** A fresh key for a directory, pack or log written at t (matches {@link STORAGE_KEY}). */
export function storageKey(kind: 'dir' | 'pack' | 'log', t: number): string {
  return `${kind}-${t}-${Uuid.random().text.slice(0, 8)}`;
}

/** Creates an empty log (an append of nothing), so that a root never names a log that is not there. */
export async function createLog(store: BlobStore, log: string): Promise<void> {
  await store.appendLog(log, 0, new Uint8Array(0));
}

/** The bytes of a root record. */
export function encodeRoot(root: Root): Uint8Array {
  return new TextEncoder().encode(`${JSON.stringify(root)}\n`);
}

/** Reads a root record of format 3 or 4 (as format 4: format 3's logs are marked `legacy`). */
export function decodeRoot(bytes: Uint8Array, source: string): Root {
  let raw: { format?: unknown; id?: unknown; dir?: unknown; packs?: unknown; logs?: unknown };
  try {
    raw = JSON.parse(new TextDecoder().decode(bytes)) as typeof raw;
  } catch (err) {
    throw new DatomError('storage/corrupt', `The root record of ${source} is not readable`, { data: { source }, cause: err });
  }
  if (raw.format !== 3 && raw.format !== ROOT_FORMAT) {
    throw new DatomError(
      'storage/format',
      `The root record of ${source} is in format ${JSON.stringify(raw.format)}; this version of datomkit reads formats 3 and ${ROOT_FORMAT}: open it with the version that wrote it and copy it (\`datomkit restore\`) into a database made by this one`,
      { data: { source, format: raw.format, expected: ROOT_FORMAT } },
    );
  }
  if (typeof raw.id !== 'string' || typeof raw.dir !== 'string' || !Array.isArray(raw.packs) || !Array.isArray(raw.logs) || raw.logs.length === 0) {
    throw corrupt(`The root record of ${source} is incomplete`, source);
  }
  // Format 3 named its logs only; they are read by its rules until a checkpoint moves past them.
  const logs: LogRef[] = raw.format === 3 ? (raw.logs as string[]).map((name) => ({ name, legacy: true })) : (raw.logs as LogRef[]);
  return { ...(raw as unknown as Root), format: ROOT_FORMAT, logs };
}

