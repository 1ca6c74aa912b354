import { type DatomErrorCode, isDatomError } from '@datomkit/datom-core';
import { ExitCode, type ExitCodeValue } from '../exit-code.js';
import { CliError, type CliErrorCode } from './cli-error.js';

/**
 * Any thrown value, described as the CLI reports it: a code, a one-line message, what to do, the
 * exit code and the offending input.
 *
 * @example
 * ```ts
 * const { code, message, hint } = describeError(err, argv)
 * ```
 */
export interface ErrorReport {
  readonly code: CliErrorCode;
  readonly message: string;
  readonly hint: string | null;
  readonly exitCode: ExitCodeValue;
  readonly data: Readonly<Record<string, unknown>>;
}

/** CLI wording for library codes whose own advice names library functions. */
const HINTS: Readonly<Partial<Record<DatomErrorCode, (data: Readonly<Record<string, unknown>>) => string>>> = {
  'db/not-found': (d) => `Create it with \`datomkit create ${String(d.uri ?? '<db>')}\`, or check the path.`,
  'db/exists': () => 'Pass --if-not-exists to accept an existing database, or choose another path.',
  'db/uri': () => 'Give a database as file:./path or a plain path (local files), postgres://user@host/dbname?name=music (PostgreSQL), or mem://name (this process only).',
  'db/locked': (d) =>
    typeof d.lockFile === 'string'
      ? `Wait for that writer to finish, or use a read-only command; remove ${d.lockFile} by hand only if that process is certainly gone.`
      : 'Another process is writing to it; wait for it to finish, or use a read-only command.',
  'schema/unknown-attribute': () => 'Check the spelling; `datomkit info <db>` lists the attributes.',
  'edn/syntax': () => 'Fix the EDN at the line and column shown.',
  'transact/type': () => '`datomkit info <db>` shows the value type of each attribute.',
  'transact/unique': () => 'Another entity holds that unique value: change the value, or retract it there first.',
  'storage/corrupt': () => 'Run `datomkit repair <db>` to keep everything up to the last good transaction (it reports what it drops), or restore from a copy.',
  'storage/missing': () => 'Run `datomkit repair <db>` to keep everything up to the last good transaction (it reports what it drops), or restore from a copy.',
  'db/read-only': () => 'The database was opened read-only; run a command that writes without another writer running.',
  'norm/unknown-tx-fn': () => 'Pass --tx-fns <module> exporting an object of tx-fns by qualified name.',
  'norm/checksum-mismatch': () => 'Run `datomkit norm verify <dir>` to see what changed; never edit an applied norm, add a new one.',
  'norm/missing-checksums': () => 'Run `datomkit norm checksums <dir>` to write checksums.edn, and commit it.',
  'restore/dest-not-empty': () => 'Restore into a new database, add --merge to merge into this one, or catch a copy up with --incremental --state <uri>.',
  'restore/same-database': () => 'Give distinct databases: a new one (or a copy) as the destination, and a third one for --state.',
  'restore/state-mismatch': () => 'The destination does not match the progress recorded for this source: restore into a new database.',
  'query/unknown-function': () => 'From the command line a query can call the built-in functions only; user functions need the query() API.',
  'restore/ref-unresolved': () => 'Pass --unmappable-refs placeholder (the default) or skip to copy the rest.',
};

/** Library advice rewritten in the CLI's terms. */
const CLI_WORDS: readonly (readonly [RegExp, string])[] = [
  [/pass merge: true/g, 'pass --merge'],
  [/use incrementalRestore/g, 'use restore --incremental'],
  [/create it with createDatabase first/g, 'create it with `datomkit create`'],
  [/ \(or repairDatabase\)/g, ''],
];

function oneLine(text: string): string {
  return text.replace(/\s*\n\s*/g, ' ').trim();
}

/**
 * Turns a thrown value into an {@link ErrorReport}.
 *
 * @example
 * ```ts
 * describeError(new DatomError('db/not-found', 'No database at x')).exitCode // 1
 * ```
 */
export function describeError(err: unknown): ErrorReport {
  if (err instanceof CliError) {
    return { code: err.code, message: oneLine(err.message), hint: err.hint, exitCode: err.exitCode, data: err.data };
  }
  if (isDatomError(err)) {
    const hint = HINTS[err.code]?.(err.data) ?? null;
    // The library's own advice names library functions; the hint gives the CLI's.
    let message = err.code === 'db/not-found' && typeof err.data.uri === 'string' ? `No database at ${err.data.uri}.` : oneLine(err.message);
    for (const [pattern, words] of CLI_WORDS) message = message.replace(pattern, words);
    return { code: err.code, message, hint, exitCode: ExitCode.failed, data: err.data };
  }
  const e = err as { code?: unknown; message?: unknown; path?: unknown } | null;
  if (e !== null && typeof e === 'object' && typeof e.code === 'string' && e.code.startsWith('E')) {
    // Node system errors (ENOENT, EACCES, ...).
    const hint = e.code === 'ENOENT' ? 'Check the path.' : e.code === 'EACCES' || e.code === 'EPERM' ? 'Check the permissions.' : null;
    return {
      code: `io/${e.code.toLowerCase()}`,
      message: oneLine(String(e.message)),
      hint,
      exitCode: ExitCode.failed,
      data: typeof e.path === 'string' ? { path: e.path } : {},
    };
  }
  const message = err instanceof Error ? err.message : String(err);
  return {
    code: 'internal',
    message: oneLine(message),
    hint: 'This looks like a bug in datomkit: rerun with --debug and report the stack trace.',
    exitCode: ExitCode.failed,
    data: {},
  };
}
