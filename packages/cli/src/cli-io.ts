import type { Readable, Writable } from 'node:stream';

/**
 * A stream the CLI writes to. `isTTY` and `columns` decide between a redrawn progress bar and
 * progress lines.
 *
 * @example
 * ```ts
 * const err: CliOutput = Object.assign(new PassThrough(), { isTTY: false })
 * ```
 */
export type CliOutput = Writable & { readonly isTTY?: boolean; readonly columns?: number };

/**
 * Where a run of the CLI reads and writes, so that tests (and programs embedding the CLI) can run
 * it in-process. Only `stdout` and `stderr` are required.
 *
 * @example
 * ```ts
 * const code = await run(['info', 'file:./data/music'], { stdout: process.stdout, stderr: process.stderr })
 * ```
 */
export interface CliIo {
  /** Receives the results of read commands (`datoms`, `pull`, `log`, `info`), the `--json` document and `--help`. */
  readonly stdout: CliOutput;
  /** Receives what a command did, counts, progress, warnings and errors. */
  readonly stderr: CliOutput;
  /** Read by `transact` when no file is given (default `process.stdin`). */
  readonly stdin?: Readable & { readonly isTTY?: boolean };
  /** Environment (default `process.env`): `NO_COLOR`, `FORCE_COLOR`, `CI`, `DATOMKIT_PROGRESS_INTERVAL_MS`. */
  readonly env?: Readonly<Record<string, string | undefined>>;
  /** Aborting it stops long work cleanly, as Ctrl-C does. */
  readonly signal?: AbortSignal;
}
