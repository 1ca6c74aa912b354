/**
 * Progress of a physical backup, a verify or a restore from a backup folder, given to its
 * `progress` callback.
 *
 * @example
 * ```ts
 * progress: (p) => console.error(`${p.files}/${p.totalFiles} files, ${Math.round(p.fraction * 100)}%`)
 * ```
 */
export interface CopyProgress {
  /** Bytes copied (or read) so far, of `totalBytes`. */
  readonly bytes: number;
  readonly totalBytes: number;
  /** Files finished so far, of `totalFiles`. */
  readonly files: number;
  readonly totalFiles: number;
  /** `bytes / totalBytes`, 1 when there is nothing to copy. */
  readonly fraction: number;
  readonly elapsedMs: number;
  readonly done: boolean;
}

/** Counts what a copy did and calls its progress callback at most every `intervalMs`, and at the end. */
export class CopyClock {
  readonly #fn: ((p: CopyProgress) => void) | undefined;
  readonly #interval: number;
  readonly #start = performance.now();
  #last = 0;
  #totalFiles = 0;
  #totalBytes = 0;
  bytes = 0;
  files = 0;

  constructor(fn: ((p: CopyProgress) => void) | undefined, intervalMs: number | undefined) {
    this.#fn = fn;
    this.#interval = intervalMs ?? 200;
  }

  get elapsedMs(): number {
    return performance.now() - this.#start;
  }

  /** Sets what is to be copied (again, when a copy starts over). */
  start(totalFiles: number, totalBytes: number): void {
    this.#totalFiles = this.files + totalFiles;
    this.#totalBytes = this.bytes + totalBytes;
  }

  add(bytes: number): void {
    this.bytes += bytes;
    this.report(false);
  }

  fileDone(): void {
    this.files += 1;
  }

  report(done: boolean): void {
    if (this.#fn === undefined) return;
    const now = performance.now();
    if (!done && now - this.#last < this.#interval) return;
    this.#last = now;
    const fraction = done || this.#totalBytes === 0 ? 1 : Math.min(1, this.bytes / this.#totalBytes);
    this.#fn({ bytes: this.bytes, totalBytes: this.#totalBytes, files: this.files, totalFiles: this.#totalFiles, fraction, elapsedMs: now - this.#start, done });
  }
}
