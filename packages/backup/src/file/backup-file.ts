import { open } from 'node:fs/promises';
import { DatomError, type TxLogEntry } from '@datomkit/datom-core';
import { LogColumns } from '@datomkit/restore';
import { type BackupFileHeader, parseHeader, parseLineBytes, parseLineInto } from './backup-line.js';

const NL = 0x0a;
const CHUNK = 1 << 20;
/** The first read from the end of a file, looking for its last line. */
const TAIL_FIRST = 64 << 10;

/**
 * What the end of a backup file says: its header, its last complete transaction line, and how many
 * bytes are whole lines. A last line without its newline is a write torn by a crash: it is not part
 * of the backup, and the next backup cuts it off before appending.
 *
 * @example
 * ```ts
 * const tail = await readBackupTail('music.backup.edn') // { lastT: 1204, torn: false, ... }
 * ```
 */
export interface BackupTail {
  readonly header: BackupFileHeader | null;
  /** The t of the last complete transaction line, or `null` when there is none. */
  readonly lastT: number | null;
  readonly lastTx: number | null;
  /** Bytes of complete lines (the file's size, unless the last line is torn). */
  readonly completeBytes: number;
  /** Bytes after the last newline: a torn last line. */
  readonly tornBytes: number;
}

async function readAt(fh: import('node:fs/promises').FileHandle, pos: number, len: number): Promise<Buffer> {
  const buf = Buffer.allocUnsafe(len);
  let got = 0;
  while (got < len) {
    const { bytesRead } = await fh.read(buf, got, len - got, pos + got);
    if (bytesRead === 0) break;
    got += bytesRead;
  }
  return buf.subarray(0, got);
}

/**
 * Reads the header and the last complete line of a backup file (reading only its ends), or
 * `null` when the file does not exist.
 *
 * @example
 * ```ts
 * const tail = await readBackupTail(path)
 * if (tail?.tornBytes) console.warn('the last backup was interrupted')
 * ```
 */
export async function readBackupTail(path: string): Promise<BackupTail | null> {
  let fh: import('node:fs/promises').FileHandle;
  try {
    fh = await open(path, 'r');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw ioError(path, err);
  }
  try {
    const size = (await fh.stat()).size;
    const head = await readAt(fh, 0, Math.min(size, 4096));
    const firstNl = head.indexOf(NL);
    const header = firstNl < 0 ? null : parseHeader(head.subarray(0, firstNl).toString('utf8'));
    // The end of complete lines: just after the last newline. The last lines are mostly short: the
    // first read is a small one.
    let end = 0;
    for (let hi = size; hi > 0 && end === 0; ) {
      const lo = Math.max(0, hi - (hi === size ? TAIL_FIRST : CHUNK));
      const buf = await readAt(fh, lo, hi - lo);
      const i = buf.lastIndexOf(NL);
      if (i >= 0) end = lo + i + 1;
      hi = lo;
    }
    // The last complete line that is not a comment.
    let lineEnd = end;
    while (lineEnd > 0) {
      let start = -1;
      let tail = Buffer.alloc(0);
      for (let hi = lineEnd - 1; hi > 0 && start < 0; ) {
        const lo = Math.max(0, hi - (hi === lineEnd - 1 ? TAIL_FIRST : CHUNK));
        const buf = await readAt(fh, lo, hi - lo);
        const i = buf.lastIndexOf(NL);
        tail = Buffer.concat([i >= 0 ? buf.subarray(i + 1) : buf, tail]);
        if (i >= 0) start = lo + i + 1;
        hi = lo;
      }
      if (start < 0) start = 0;
      if (!isBlankOrComment(tail, 0, tail.length)) {
        const entry = parseLineBytes(tail, 0, tail.length, `${path}: last line`);
        return { header, lastT: entry.t, lastTx: entry.tx, completeBytes: end, tornBytes: size - end };
      }
      lineEnd = start;
    }
    return { header, lastT: null, lastTx: null, completeBytes: end, tornBytes: size - end };
  } finally {
    await fh.close();
  }
}

/**
 * The error for a file that cannot be read or written.
 *
 * @example
 * ```ts
 * throw ioError(path, err)
 * ```
 */
export function ioError(path: string, err: unknown): DatomError {
  return new DatomError('backup/io', `Cannot use backup file ${path}: ${(err as Error).message}`, { data: { path, errno: (err as NodeJS.ErrnoException).code }, cause: err });
}

/**
 * One transaction line of a backup file, as read by {@link readBackupFile}.
 *
 * @example
 * ```ts
 * for await (const { entry, line } of readBackupFile(path)) console.log(line, entry.t)
 * ```
 */
export interface BackupFileEntry {
  readonly entry: TxLogEntry;
  /** The line number, from 1. */
  readonly line: number;
}

/**
 * Streams the transaction lines of a backup file in order, one chunk of the file in memory at a
 * time. Comment lines (the header) and blank lines are skipped; a torn last line (no newline: a
 * backup killed mid-write) is not part of the backup and is left out. Lines must move forward in
 * t; `backup/format` names the line otherwise.
 *
 * @example
 * ```ts
 * for await (const { entry } of readBackupFile('music.backup.edn')) total += entry.data.length
 * ```
 */
export async function* readBackupFile(path: string, options: { readonly signal?: AbortSignal } = {}): AsyncGenerator<BackupFileEntry> {
  // One line at a time, through columns used again for each.
  const cols = new LogColumns();
  const add = lineReader(path);
  for await (const line of readLineBytes(path, options)) {
    cols.clear();
    const at = add(cols, line);
    if (at !== null) yield { entry: cols.entry(0), line: at };
  }
}

/**
 * Transaction lines of a backup file as columns, a batch at a time (see `LogColumns` of
 * `@datomkit/restore`), with the line number of each transaction.
 *
 * @example
 * ```ts
 * const batch: BackupColumns = { cols: new LogColumns(), lines: [] }
 * ```
 */
export interface BackupColumns {
  readonly cols: LogColumns;
  readonly lines: readonly number[];
}

/**
 * {@link readBackupFile} in batches of columns: each batch holds the lines read until it has
 * `batchRows` datoms (default 50,000), or the rest of the file. The usual line is read into the
 * columns without a `Datom` per datom (restoreDb's reader).
 *
 * @example
 * ```ts
 * for await (const { cols, lines } of readBackupColumns('music.backup.edn')) total += cols.rows
 * ```
 */
export function readBackupColumns(path: string, options: { readonly signal?: AbortSignal; readonly batchRows?: number } = {}): AsyncGenerator<BackupColumns> {
  return columnBatches(readLineBytes(path, options), options.batchRows ?? 50_000, lineReader(path));
}

/**
 * Reads a backup file's lines, in order, into columns: each transaction line is appended (its
 * number is the answer), a comment or blank line is skipped (`null`), and a line whose t is not
 * after the one before is `backup/format`.
 */
function lineReader(path: string): (cols: LogColumns, line: LineBytes) => number | null {
  let lastT = -1;
  return (cols, { bytes, from, to, line }) => {
    if (isBlankOrComment(bytes, from, to)) return null;
    parseLineInto(bytes, from, to, `${path}:${line}`, cols);
    const t = cols.t[cols.count - 1] as number;
    if (t <= lastT) {
      throw new DatomError('backup/format', `${path}:${line}: transaction t ${t} comes after t ${lastT}: lines must be in log order`, {
        data: { path, line, t, previousT: lastT },
      });
    }
    lastT = t;
    return line;
  };
}

/**
 * `items` as batches of columns: `add` appends an item's transaction to the batch's columns and
 * gives its line number, or `null` for an item without one; a batch is given once it holds
 * `batchRows` datoms, the last one with the rest.
 *
 * @example
 * ```ts
 * async function* lines() { yield { entry, line: 1 } }
 * const add = (cols: LogColumns, x: { entry: TxLogEntry; line: number }) => {
 *   cols.push(x.entry)
 *   return x.line
 * }
 * for await (const { cols } of columnBatches(lines(), 1000, add)) cols.count // 1
 * ```
 */
export async function* columnBatches<T>(items: AsyncIterable<T>, batchRows: number, add: (cols: LogColumns, item: T) => number | null): AsyncGenerator<BackupColumns> {
  /** Room for a batch and the line that ends it, mostly: the columns need not grow. */
  const capacity = batchRows + Math.min(batchRows, 4096);
  let cols = new LogColumns(capacity);
  let lines: number[] = [];
  for await (const item of items) {
    const line = add(cols, item);
    if (line === null) continue;
    lines.push(line);
    if (cols.rows >= batchRows) {
      yield { cols, lines };
      cols = new LogColumns(capacity);
      lines = [];
    }
  }
  if (cols.count > 0) yield { cols, lines };
}

/**
 * Streams the complete, non-empty lines of a text file with their numbers (from 1), a chunk of the
 * file in memory at a time. A last line without its newline (torn by a crash) is left out, unless
 * `unterminated` is `'include'` (for files written by hand or by other tools).
 *
 * @example
 * ```ts
 * for await (const { text, line } of readLines('datoms.edn')) console.log(line, text.length)
 * ```
 */
export async function* readLines(
  path: string,
  options: { readonly signal?: AbortSignal; readonly unterminated?: 'skip' | 'include' } = {},
): AsyncGenerator<{ readonly text: string; readonly line: number }> {
  for await (const { bytes, from, to, line } of readLineBytes(path, options)) yield { text: bytes.toString('utf8', from, to), line };
}

/**
 * A line of a file as {@link readLineBytes} gives it: its bytes are `bytes[from..to)`, without the
 * newline, in a buffer that the reading reuses (valid until the next line is asked for).
 */
interface LineBytes {
  readonly bytes: Buffer;
  readonly from: number;
  readonly to: number;
  /** The line number, from 1. */
  readonly line: number;
}

/**
 * {@link readLines} without decoding: each complete, non-empty line as a range of the reading's
 * buffer. A backup file's lines are read from their bytes (see `parseLineBytes`).
 */
async function* readLineBytes(path: string, options: { readonly signal?: AbortSignal; readonly unterminated?: 'skip' | 'include' } = {}): AsyncGenerator<LineBytes> {
  let fh: import('node:fs/promises').FileHandle;
  try {
    fh = await open(path, 'r');
  } catch (err) {
    throw ioError(path, err);
  }
  try {
    let pos = 0;
    let line = 0;
    // One buffer, reused: the bytes of the unfinished line move to its start before the next read.
    let buf = Buffer.allocUnsafe(2 * CHUNK);
    let from = 0;
    let end = 0;
    for (;;) {
      if (from > 0) {
        buf.copyWithin(0, from, end);
        end -= from;
        from = 0;
      }
      if (buf.length - end < CHUNK) {
        const bigger = Buffer.allocUnsafe(2 * buf.length);
        buf.copy(bigger, 0, 0, end);
        buf = bigger;
      }
      let got: number;
      try {
        got = (await fh.read(buf, end, buf.length - end, pos)).bytesRead;
      } catch (err) {
        throw ioError(path, err);
      }
      if (got === 0) break;
      let nl = buf.indexOf(NL, end);
      pos += got;
      end += got;
      for (; nl >= 0 && nl < end; nl = buf.indexOf(NL, from)) {
        line++;
        const start = from;
        from = nl + 1;
        if (nl === start) continue;
        if (options.signal?.aborted === true) {
          throw new DatomError('backup/aborted', `Reading ${path} was aborted at line ${line}`, { data: { path, line }, cause: options.signal.reason });
        }
        yield { bytes: buf, from: start, to: nl, line };
      }
    }
    if (options.unterminated === 'include' && end > from) yield { bytes: buf, from, to: end, line: line + 1 };
  } finally {
    await fh.close();
  }
}

/** Whether `b[from..to)` is a comment line (`;` first) or holds only white space, which a backup file's reader skips. */
function isBlankOrComment(b: Buffer, from: number, to: number): boolean {
  for (let i = from; i < to; i++) {
    const c = b[i] as number;
    if (c === 32 || (c >= 9 && c <= 13)) continue;
    // (White space past ASCII, rare: the line's text says.)
    if (c >= 0x80) return b.toString('utf8', from, to).trim() === '';
    return c === 59 /* ; */ && i === from;
  }
  return true;
}
