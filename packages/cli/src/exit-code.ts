/**
 * The exit codes of the `datomkit` command. Scripts may rely on them: they never change meaning.
 *
 * - `ok` (0): the command did what was asked.
 * - `failed` (1): the operation failed (the error code says why).
 * - `usage` (2): the command line was wrong (unknown command or option, missing argument).
 * - `problems` (3): a check ran and found problems (pending norms, checksum mismatch, restore
 *   differences).
 * - `interrupted` (130): stopped by Ctrl-C after a clean stop; the message says how to resume.
 *
 * @example
 * ```ts
 * if ((await run(['norm', 'status', db, dir], io)) === ExitCode.problems) console.log('pending norms')
 * ```
 */
export const ExitCode = Object.freeze({
  ok: 0,
  failed: 1,
  usage: 2,
  problems: 3,
  interrupted: 130,
} as const);

/**
 * One of the values of {@link ExitCode}.
 *
 * @example
 * ```ts
 * const code: ExitCodeValue = ExitCode.problems
 * ```
 */
export type ExitCodeValue = (typeof ExitCode)[keyof typeof ExitCode];
