import type { DatomErrorCode } from '@datomkit/datom-core';
import { ExitCode, type ExitCodeValue } from '../exit-code.js';

/**
 * The code of an error the CLI reports: a member of datom-core's one union, DatomErrorCode (the
 * CLI's own are its `cli/` members), or, for an error that is not datomkit's, `io/<errno>` (a Node
 * system error such as ENOENT) or `internal` (a bug).
 */
export type CliErrorCode = DatomErrorCode | `io/${string}` | 'internal';

/**
 * An error raised by the CLI itself (bad arguments, unreadable input, an interrupted run), carrying
 * the exit code to end with and a hint saying what to do.
 *
 * @example
 * ```ts
 * throw new CliError('cli/usage', 'Unknown index foo', { hint: 'Use eavt, aevt, avet or vaet.', exitCode: ExitCode.usage })
 * ```
 */
export class CliError extends Error {
  readonly code: CliErrorCode;
  readonly hint: string | null;
  readonly exitCode: ExitCodeValue;
  readonly data: Readonly<Record<string, unknown>>;

  constructor(
    code: CliErrorCode,
    message: string,
    options: { hint?: string; exitCode?: ExitCodeValue; data?: Record<string, unknown>; cause?: unknown } = {},
  ) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'CliError';
    this.code = code;
    this.hint = options.hint ?? null;
    this.exitCode = options.exitCode ?? ExitCode.failed;
    this.data = options.data ?? {};
  }
}

/**
 * A usage error: exit code 2.
 *
 * @example
 * ```ts
 * throw usageError('Give a file or pipe EDN into standard input.')
 * ```
 */
export function usageError(message: string, hint?: string): CliError {
  return new CliError('cli/usage', message, { exitCode: ExitCode.usage, hint: hint ?? 'Run the command with --help for its usage.' });
}

/**
 * The run was stopped by Ctrl-C (or its abort signal) after a clean stop: exit code 130, and
 * `hint` says how to resume.
 *
 * @example
 * ```ts
 * throw interrupted('Stopped after 12 of 40 transactions.', 'Resume with --skip 12.')
 * ```
 */
export function interrupted(message: string, hint: string, data: Record<string, unknown> = {}): CliError {
  return new CliError('cli/interrupted', message, { exitCode: ExitCode.interrupted, hint, data });
}
