// A small benchmark harness: cases with named sides (datomkit and its peers) timed in the same
// process and run, warm-ups, then measured runs with a full GC before each one when node runs
// with --expose-gc (for a side timed in a child process, the child's own), each started once the
// process is quiet again (see settle.ts).

import { settle } from './settle.js';

/** What a case measures. Lower is better for both. */
export type Metric = 'ms' | 'bytes/datom' | 'MB' | 'ms-reported' | '%';

/** The goal a case is held to, printed beside it. */
export type Target =
  /** datomkit must be at least `min` times better than `peer` (ratio = peer / datomkit). */
  | { readonly kind: 'speedup'; readonly peer: string; readonly min: number }
  /** datomkit's median must be at most `max` (in the case's unit). */
  | { readonly kind: 'at-most'; readonly max: number };

/**
 * One contender of a case. `setup` (untimed) builds what one run needs, e.g. a prefilled database;
 * `run` is timed for `ms` cases, and returns the sample itself for other metrics; `teardown`
 * (untimed) releases what `setup` made.
 */
export interface Side<S = unknown> {
  readonly name: string;
  readonly setup?: () => S | Promise<S>;
  readonly run: (state: S) => unknown;
  readonly teardown?: (state: S) => unknown;
  /**
   * True when the side's timed work runs in another process that collects its own garbage before it
   * times (the SQLite peer's child): the harness then collects nothing in this process for it. A
   * collection here would time nothing of that side's; it would only take from the other sides
   * the shapes their warm-up runs compiled code for (V8 drops optimized code whose object shapes
   * have no live object), so that their next run starts cold.
   */
  readonly collectsItself?: boolean;
}

/** A benchmark case. `group` names the file of `src/cases/` it comes from. */
export interface BenchCase {
  readonly group: string;
  readonly name: string;
  readonly description: string;
  readonly metric: Metric;
  readonly target?: Target;
  /**
   * For `ms` cases too short to time alone: `run` is called this many times back to back (after one
   * `setup`) and the sample is the mean. Default 1.
   */
  readonly repeat?: number;
  readonly sides: readonly Side[];
}

/** Erases a side's state type so sides of different state types fit in one case. */
export function side<S>(s: Side<S>): Side {
  return s as unknown as Side;
}

export interface SideResult {
  readonly samples: readonly number[];
  readonly median: number;
  readonly min: number;
}

export type Status = 'PASS' | 'FAIL' | 'PENDING' | 'NONE';

export interface CaseResult {
  readonly group: string;
  readonly name: string;
  readonly description: string;
  readonly metric: Metric;
  readonly target: Target | null;
  readonly sides: Readonly<Record<string, SideResult>>;
  /** For each peer: peer median / datomkit median, so 5.1 means datomkit is 5.1 times better. */
  readonly ratios: Readonly<Record<string, number>>;
  readonly status: Status;
}

export interface RunOptions {
  readonly warmup: number;
  readonly runs: number;
  readonly log?: (line: string) => void;
}

export const DATOMKIT = 'datomkit';

type Gc = () => void;

/** Node's `gc`, present when started with --expose-gc. */
export const gc: Gc | null = typeof (globalThis as { gc?: unknown }).gc === 'function' ? ((globalThis as { gc: Gc }).gc) : null;

/** Collects garbage twice (the second pass frees what finalizers of the first released). */
export function fullGc(): void {
  gc?.();
  gc?.();
}

/** Bytes the process holds for JS objects: the V8 heap plus array buffers and other external memory. */
export function heapBytes(): number {
  const m = process.memoryUsage();
  return m.heapUsed + m.external;
}

function median(xs: readonly number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const mid = s.length >> 1;
  return s.length % 2 === 1 ? (s[mid] as number) : ((s[mid - 1] as number) + (s[mid] as number)) / 2;
}

async function sample(c: BenchCase, s: Side): Promise<number> {
  const state = await s.setup?.();
  if (s.collectsItself !== true) {
    fullGc();
    // The collection's sweeping goes on in the background; the timed run starts when it is done.
    await settle();
  }
  let value: number;
  if (c.metric === 'ms') {
    const repeat = c.repeat ?? 1;
    const t0 = performance.now();
    for (let i = 0; i < repeat; i++) await s.run(state);
    value = (performance.now() - t0) / repeat;
  } else {
    const v = await s.run(state);
    if (typeof v !== 'number') throw new TypeError(`${c.name}/${s.name}: run must return a number for ${c.metric}`);
    value = v;
  }
  await s.teardown?.(state);
  return value;
}

function statusOf(target: Target | undefined, sides: Record<string, SideResult>, ratios: Record<string, number>): Status {
  if (target === undefined) return 'NONE';
  const mine = sides[DATOMKIT];
  if (mine === undefined) return 'PENDING';
  if (target.kind === 'at-most') return mine.median <= target.max ? 'PASS' : 'FAIL';
  const ratio = ratios[target.peer];
  if (ratio === undefined) return 'PENDING';
  return ratio >= target.min ? 'PASS' : 'FAIL';
}

/**
 * Runs every side of `c`: `warmup` unrecorded runs each, then `runs` recorded rounds in which the
 * sides take turns, so that a burst of load from elsewhere on the machine hits all sides alike.
 */
export async function runCase(c: BenchCase, options: RunOptions): Promise<CaseResult> {
  for (const s of c.sides) for (let i = 0; i < options.warmup; i++) await sample(c, s);
  const samples = new Map<string, number[]>(c.sides.map((s) => [s.name, []]));
  for (let i = 0; i < options.runs; i++) {
    for (const s of c.sides) samples.get(s.name)?.push(await sample(c, s));
  }
  const sides: Record<string, SideResult> = {};
  for (const [name, xs] of samples) {
    sides[name] = { samples: xs, median: median(xs), min: Math.min(...xs) };
    options.log?.(`  ${c.group}/${c.name} ${name}: median ${sides[name]?.median.toFixed(1)} ${c.metric}`);
  }
  const ratios: Record<string, number> = {};
  const mine = sides[DATOMKIT];
  if (mine !== undefined) {
    for (const [name, r] of Object.entries(sides)) if (name !== DATOMKIT) ratios[name] = r.median / mine.median;
  }
  return {
    group: c.group,
    name: c.name,
    description: c.description,
    metric: c.metric,
    target: c.target ?? null,
    sides,
    ratios,
    status: statusOf(c.target, sides, ratios),
  };
}

/**
 * Keeps the cases whose `group/name` contains one of the comma-separated words of `filter`
 * (case-insensitive); all of them when `filter` is empty.
 */
export function filterCases(cases: readonly BenchCase[], filter: string | undefined): BenchCase[] {
  return cases.filter((c) => selects(filter, c.group, c.name));
}

/** Whether `filter` (as in {@link filterCases}) keeps the case `group/name`. */
export function selects(filter: string | undefined, group: string, name: string): boolean {
  const words = (filter ?? '')
    .split(',')
    .map((w) => w.trim().toLowerCase())
    .filter((w) => w.length > 0);
  return words.length === 0 || words.some((w) => `${group}/${name}`.toLowerCase().includes(w));
}
