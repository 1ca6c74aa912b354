import { createColors } from 'picocolors';
import type { CliIo } from '../cli-io.js';
import { ExitCode, type ExitCodeValue } from '../exit-code.js';
import { toJsonValue } from '../json-value.js';
import { Progress, type ProgressMode } from './progress.js';

type Colors = ReturnType<typeof createColors>;

/**
 * Global flags, read after commander has parsed the command line.
 *
 * @example
 * ```ts
 * const flags: GlobalFlags = { json: true, debug: false, quiet: false, color: undefined }
 * ```
 */
export interface GlobalFlags {
  readonly json: boolean;
  readonly debug: boolean;
  readonly quiet: boolean;
  /** `--color` / `--no-color`; undefined when neither was given. */
  readonly color: boolean | undefined;
}

/**
 * What every command gets: where to write, the global flags, the abort signal, and the one place
 * that prints results, so that `--json` prints exactly one document.
 *
 * @example
 * ```ts
 * ctx.result({ created: true }, () => ctx.say(`created ${uri}`))
 * ```
 */
export class CommandContext {
  readonly io: CliIo;
  readonly signal: AbortSignal;
  /** The command line as given, for messages that repeat it (how to resume). */
  readonly argv: readonly string[];
  readonly #flags: () => GlobalFlags;
  /** The command's name as shown in `--json` output, e.g. `norm status`. */
  command = '';
  /** The exit code the run ends with when no error is thrown. */
  exitCode: ExitCodeValue = ExitCode.ok;
  #jsonWritten = false;

  constructor(io: CliIo, flags: () => GlobalFlags, signal: AbortSignal, argv: readonly string[] = []) {
    this.io = io;
    this.argv = argv;
    this.#flags = flags;
    this.signal = signal;
  }

  get flags(): GlobalFlags {
    return this.#flags();
  }

  get env(): Readonly<Record<string, string | undefined>> {
    return this.io.env ?? process.env;
  }

  /** Colours for standard error: on when it is a terminal, unless NO_COLOR or --no-color. */
  get colors(): Colors {
    return this.#colorsFor(this.io.stderr);
  }

  /** Colours for results on standard output, decided by standard output's terminal. */
  get outColors(): Colors {
    return this.#colorsFor(this.io.stdout);
  }

  #colorsFor(stream: { readonly isTTY?: boolean }): Colors {
    const { color } = this.flags;
    const env = this.env;
    const on =
      color ?? (env.NO_COLOR !== undefined && env.NO_COLOR !== '' ? false : env.FORCE_COLOR !== undefined && env.FORCE_COLOR !== '0' ? true : stream.isTTY === true);
    return createColors(on);
  }

  /** Writes a line of human output to standard error (nothing with --json or --quiet). */
  say(line = ''): void {
    if (this.flags.json || this.flags.quiet) return;
    this.io.stderr.write(`${line}\n`);
  }

  /**
   * Writes a line of a read command's result to standard output, so that it can be piped
   * (`datomkit datoms db aevt :a/b | wc -l`); nothing with --json, which prints the result as JSON.
   */
  out(line = ''): void {
    if (this.flags.json) return;
    this.io.stdout.write(`${line}\n`);
  }

  /** Writes a line to standard error even under --json (warnings, interruption notes); not under --quiet. */
  note(line: string): void {
    if (this.flags.quiet) return;
    this.io.stderr.write(`${line}\n`);
  }

  /**
   * Reports the command's result: with --json, as the one JSON document on standard output;
   * otherwise by calling `human`. `exitCode` is the run's exit code (3 when a check found problems).
   */
  result(value: unknown, human: () => void, exitCode: ExitCodeValue = ExitCode.ok): void {
    this.exitCode = exitCode;
    if (this.flags.json) this.writeJson({ ok: exitCode === ExitCode.ok, command: this.command, exitCode, result: toJsonValue(value) });
    else human();
  }

  /** Writes the JSON document, once. */
  writeJson(doc: Record<string, unknown>): void {
    if (this.#jsonWritten) return;
    this.#jsonWritten = true;
    this.io.stdout.write(`${JSON.stringify(doc, null, 2)}\n`);
  }

  get jsonWritten(): boolean {
    return this.#jsonWritten;
  }

  /** A progress display on standard error for long work: a bar on a terminal, lines otherwise. */
  progress(label: string, unit: string): Progress {
    const env = this.env;
    let mode: ProgressMode = this.io.stderr.isTTY === true && !this.flags.json && (env.CI === undefined || env.CI === '' || env.CI === 'false') ? 'bar' : 'lines';
    if (this.flags.quiet) mode = 'off';
    const interval = Number(env.DATOMKIT_PROGRESS_INTERVAL_MS);
    return new Progress({
      stream: this.io.stderr,
      mode,
      label,
      unit,
      intervalMs: Number.isFinite(interval) && interval > 0 ? interval : 5000,
    });
  }
}
