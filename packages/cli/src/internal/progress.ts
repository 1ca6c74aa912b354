import type { CliOutput } from '../cli-io.js';

/**
 * How a {@link Progress} shows itself: a bar redrawn in place on a terminal, a line every
 * `intervalMs` otherwise, or nothing.
 *
 * @example
 * ```ts
 * const mode: ProgressMode = stderr.isTTY ? 'bar' : 'lines'
 * ```
 */
export type ProgressMode = 'bar' | 'lines' | 'off';

/**
 * Options of {@link Progress}.
 *
 * @example
 * ```ts
 * new Progress({ stream: process.stderr, mode: 'bar', label: 'restore', unit: 'datoms' })
 * ```
 */
export interface ProgressOptions {
  readonly stream: CliOutput;
  readonly mode: ProgressMode;
  /** What is being done, e.g. `restore`. */
  readonly label: string;
  /** What is counted, e.g. `datoms`. */
  readonly unit: string;
  /** How often a progress line is printed in `lines` mode (default 5000 ms). */
  readonly intervalMs?: number;
  /** Clock, for tests. */
  readonly now?: () => number;
}

const REDRAW_MS = 100;
const FIRST_DRAW_MS = 300;
const RATE_WINDOW_MS = 5000;
const BAR_WIDTH = 24;

/**
 * A count, with thousands separators: `12,345`.
 *
 * @example
 * ```ts
 * formatCount(12345) // '12,345'
 * ```
 */
export function formatCount(n: number): string {
  return Math.round(n).toLocaleString('en-US');
}

/**
 * A count and what is counted, singular for one: `1 datom`, `12,345 datoms`.
 *
 * @example
 * ```ts
 * countOf(1, 'datom') // '1 datom'
 * ```
 */
export function countOf(n: number, noun: string): string {
  return `${formatCount(n)} ${noun}${Math.round(n) === 1 ? '' : 's'}`;
}

/**
 * A size in bytes, short: `512 B`, `1.5 MB`.
 *
 * @example
 * ```ts
 * formatBytes(1_572_864) // '1.5 MB'
 * ```
 */
export function formatBytes(n: number): string {
  if (n < 1024) return `${n} B`;
  const units = ['KB', 'MB', 'GB', 'TB'];
  let v = n / 1024;
  let i = 0;
  while (v >= 1024 && i < units.length - 1) {
    v /= 1024;
    i++;
  }
  return `${v.toFixed(1)} ${units[i]}`;
}

/**
 * A rate per second, short: `950/s`, `12.3k/s`, `1.2M/s`.
 *
 * @example
 * ```ts
 * formatRate(12345) // '12.3k/s'
 * ```
 */
export function formatRate(perSecond: number): string {
  if (!Number.isFinite(perSecond) || perSecond <= 0) return '–/s';
  if (perSecond >= 1e6) return `${(perSecond / 1e6).toFixed(1)}M/s`;
  if (perSecond >= 1e3) return `${(perSecond / 1e3).toFixed(1)}k/s`;
  return `${Math.round(perSecond)}/s`;
}

/**
 * A duration as `m:ss` (or `h:mm:ss`).
 *
 * @example
 * ```ts
 * formatDuration(75_000) // '1:15'
 * ```
 */
export function formatDuration(ms: number): string {
  if (!Number.isFinite(ms) || ms < 0) return '–:––';
  const s = Math.round(ms / 1000);
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const sec = String(s % 60).padStart(2, '0');
  return h > 0 ? `${h}:${String(m).padStart(2, '0')}:${sec}` : `${m}:${sec}`;
}

/**
 * Progress of one long piece of work on standard error: a bar with percentage, count, rate and ETA
 * redrawn in place when the stream is a terminal, a plain line every few seconds when it is not. The
 * work reports with {@link Progress.update}; the CLI only renders.
 *
 * @example
 * ```ts
 * const p = new Progress({ stream: process.stderr, mode: 'bar', label: 'transact', unit: 'datoms' })
 * p.update(500, 1000)
 * p.done('transacted 1,000 datoms')
 * ```
 */
export class Progress {
  readonly #o: ProgressOptions;
  readonly #now: () => number;
  readonly #start: number;
  #done = 0;
  #total: number | null = null;
  #phase = '';
  #lastDraw = 0;
  #drawn = false;
  #samples: { t: number; n: number }[] = [];

  constructor(options: ProgressOptions) {
    this.#o = options;
    this.#now = options.now ?? Date.now;
    this.#start = this.#now();
    // Work that ends within the first interval shows no progress at all, only its summary.
    this.#lastDraw = options.mode === 'lines' ? this.#start : this.#start + FIRST_DRAW_MS - REDRAW_MS;
  }

  /** Reports `done` units of `total` (unknown when omitted), optionally naming the current phase. */
  update(done: number, total?: number | null, phase?: string): void {
    this.#done = done;
    if (total !== undefined) this.#total = total;
    if (phase !== undefined) this.#phase = phase;
    const t = this.#now();
    this.#samples.push({ t, n: done });
    while (this.#samples.length > 2 && (this.#samples[0] as { t: number }).t < t - RATE_WINDOW_MS) this.#samples.shift();
    if (this.#o.mode === 'bar' && t - this.#lastDraw >= REDRAW_MS) this.#draw(t);
    else if (this.#o.mode === 'lines' && t - this.#lastDraw >= (this.#o.intervalMs ?? 5000)) this.#line(t);
  }

  /** Units per second over the last few seconds. */
  rate(): number {
    const first = this.#samples[0];
    const last = this.#samples.at(-1);
    if (first === undefined || last === undefined) return 0;
    if (last.t - first.t < 200) {
      const elapsed = last.t - this.#start;
      return elapsed > 0 ? (last.n * 1000) / elapsed : 0;
    }
    return ((last.n - first.n) * 1000) / (last.t - first.t);
  }

  /** The status text without the bar: count, rate, ETA. */
  status(): string {
    const { unit } = this.#o;
    const total = this.#total;
    const rate = this.rate();
    const parts: string[] = [];
    if (total !== null && total > 0) {
      const pct = Math.min(100, Math.floor((this.#done * 100) / total));
      parts.push(`${pct}%`, `${formatCount(this.#done)}/${formatCount(total)} ${unit}`);
    } else parts.push(`${formatCount(this.#done)} ${unit}`);
    parts.push(formatRate(rate));
    if (total !== null && total > 0 && rate > 0) parts.push(`ETA ${formatDuration(((total - this.#done) * 1000) / rate)}`);
    else parts.push(`elapsed ${formatDuration(this.#now() - this.#start)}`);
    return parts.join('  ');
  }

  #draw(t: number): void {
    this.#lastDraw = t;
    const total = this.#total;
    const frac = total !== null && total > 0 ? Math.min(1, this.#done / total) : 0;
    const filled = Math.round(frac * BAR_WIDTH);
    const bar = total !== null && total > 0 ? `[${'█'.repeat(filled)}${'░'.repeat(BAR_WIDTH - filled)}] ` : '';
    const phase = this.#phase === '' ? '' : ` (${this.#phase})`;
    let text = `${this.#o.label}${phase} ${bar}${this.status()}`;
    const cols = this.#o.stream.columns;
    if (cols !== undefined && cols > 10 && text.length > cols - 1) text = text.slice(0, cols - 1);
    this.#o.stream.write(`\r\x1b[K${text}`);
    this.#drawn = true;
  }

  #line(t: number): void {
    this.#lastDraw = t;
    const phase = this.#phase === '' ? '' : ` (${this.#phase})`;
    this.#o.stream.write(`${this.#o.label}${phase}: ${this.status()}\n`);
  }

  /** Clears the bar, so that the next line starts clean. */
  clear(): void {
    if (this.#drawn) this.#o.stream.write('\r\x1b[K');
    this.#drawn = false;
  }

  /** Ends the progress display; the caller prints the summary. */
  done(): void {
    if (this.#o.mode === 'bar' && this.#drawn) {
      this.#draw(this.#now());
      this.#o.stream.write('\n');
      this.#drawn = false;
    }
  }
}
