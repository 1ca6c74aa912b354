const BRAND = Symbol.for('datomkit.DatomError');

/**
 * Stable error codes. The part before the slash names the subsystem; the code never changes
 * between releases, so callers may switch on it.
 */
export type DatomErrorCode =
  | 'edn/syntax'
  | 'edn/unsupported'
  | 'schema/validation'
  | 'schema/alteration'
  | 'transact/syntax'
  | 'transact/type'
  | 'transact/unique'
  | 'transact/conflict'
  | 'transact/upsert'
  | 'transact/tempid'
  | 'transact/lookup-ref'
  | 'transact/entity'
  | 'transact/cas'
  | 'transact/fn'
  | 'transact/tx-instant'
  | 'transact/id-overflow'
  | 'schema/unknown-attribute'
  | 'pull/pattern'
  | 'db/arg'
  | 'db/closed'
  | 'db/not-found'
  | 'db/exists'
  | 'db/read-only'
  | 'db/locked'
  | 'db/uri'
  | 'storage/corrupt'
  | 'storage/missing'
  | 'storage/io'
  | 'storage/encode'
  | 'storage/format'
  | 'query/syntax'
  | 'query/bad-find'
  | 'query/bad-input'
  | 'query/unbound-variable'
  | 'query/insufficient-binding'
  | 'query/unknown-function'
  | 'query/unknown-source'
  | 'query/unknown-rule'
  | 'query/fn-failed'
  | 'backup/format'
  | 'backup/io'
  | 'backup/arg'
  | 'backup/aborted'
  | 'backup/claim-failed'
  | 'backup/mode-mismatch'
  | 'backup/checksum'
  | 'backup/missing'
  | 'backup/not-found'
  | (string & {});

/** Options for {@link DatomError}. */
export interface DatomErrorOptions {
  /** The offending input, named so a caller can show or log it. */
  readonly data?: Readonly<Record<string, unknown>>;
  /** The lower-level error that caused this one. */
  readonly cause?: unknown;
}

/**
 * The one error class of datomkit. Every failure that a caller can act on is a `DatomError` with a
 * stable {@link DatomError.code}, a message saying what was wrong and what to do, and a `data`
 * object naming the offending input.
 *
 * @example
 * ```ts
 * try { await conn.transact(tx) } catch (err) {
 *   if (isDatomError(err, 'transact/unique')) console.log(err.data.attribute)
 * }
 * ```
 */
export class DatomError extends Error {
  /** Stable machine-readable code, e.g. `'transact/unique'`. */
  readonly code: DatomErrorCode;
  /** The offending input. */
  readonly data: Readonly<Record<string, unknown>>;

  constructor(code: DatomErrorCode, message: string, options: DatomErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'DatomError';
    this.code = code;
    this.data = options.data ?? {};
  }

  /** Brand that survives duplicate copies of the package. */
  get [BRAND](): true {
    return true;
  }
}

/**
 * True when `err` is a {@link DatomError} (from any copy of the package), optionally with the given code
 * or code prefix (`'transact/'` matches every transaction error).
 *
 * @example
 * ```ts
 * if (isDatomError(err, 'transact/')) retry()
 * ```
 */
export function isDatomError(err: unknown, code?: DatomErrorCode): err is DatomError {
  if (typeof err !== 'object' || err === null) return false;
  if ((err as { [BRAND]?: unknown })[BRAND] !== true) return false;
  if (code === undefined) return true;
  const actual = (err as DatomError).code;
  return code.endsWith('/') ? actual.startsWith(code) : actual === code;
}
