const BRAND = Symbol.for('datomkit.DatomError');

/**
 * Every error code of datomkit, in every package: the one list, at run time. The part before the
 * slash names the subsystem; a code never changes between releases, so callers may switch on it.
 * What each means and what to do: `docs/error-codes.md` of this package. A test
 * (`test/error-codes.test.ts`) fails when any package uses a code not listed here, or when a code
 * listed here is used nowhere.
 *
 * @example
 * ```ts
 * DATOM_ERROR_CODES.includes('transact/unique') // true
 * ```
 */
export const DATOM_ERROR_CODES = [
  'edn/syntax',
  'edn/unsupported',

  'schema/alteration',
  'schema/unknown-attribute',
  'schema/validation',

  'transact/cas',
  'transact/conflict',
  'transact/entity',
  'transact/fn',
  'transact/id-overflow',
  'transact/lookup-ref',
  'transact/syntax',
  'transact/tempid',
  'transact/tx-instant',
  'transact/type',
  'transact/unique',
  'transact/upsert',

  'pull/pattern',

  'db/arg',
  'db/closed',
  'db/conflict',
  'db/exists',
  'db/locked',
  'db/not-found',
  'db/read-only',
  'db/uri',

  'storage/corrupt',
  'storage/encode',
  'storage/format',
  'storage/io',
  'storage/missing',
  'storage/reader-died',

  'query/bad-find',
  'query/bad-input',
  'query/fn-failed',
  'query/insufficient-binding',
  'query/syntax',
  'query/unbound-variable',
  'query/unknown-function',
  'query/unknown-rule',
  'query/unknown-source',

  'restore/aborted',
  'restore/dest-not-empty',
  'restore/failed',
  'restore/not-a-copy',
  'restore/ref-unresolved',
  'restore/same-database',
  'restore/state-mismatch',

  'norm/checksum',
  'norm/checksum-mismatch',
  'norm/checksums-file',
  'norm/dry-run',
  'norm/duplicate-id',
  'norm/edn',
  'norm/exists',
  'norm/in-progress',
  'norm/missing-checksums',
  'norm/missing-folder',
  'norm/name',
  'norm/not-a-map',
  'norm/numbering',
  'norm/transact',
  'norm/tx-data',
  'norm/tx-fn',
  'norm/tx-fn-failed',
  'norm/unknown-tx-fn',

  'backup/aborted',
  'backup/arg',
  'backup/checksum',
  'backup/claim-failed',
  'backup/format',
  'backup/io',
  'backup/missing',
  'backup/mode-mismatch',
  'backup/not-found',

  'cli/interrupted',
  'cli/tx-fns',
  'cli/usage',
] as const;

/**
 * A stable error code: a member of {@link DATOM_ERROR_CODES}. Closed: a code not listed there is
 * a compile error wherever a `DatomError` is made or matched.
 */
export type DatomErrorCode = (typeof DATOM_ERROR_CODES)[number];

/** A subsystem prefix (`'transact/'`), which {@link isDatomError} matches every code of. */
export type DatomErrorPrefix = DatomErrorCode extends `${infer P}/${string}` ? `${P}/` : never;

const KNOWN_CODES: ReadonlySet<string> = new Set(DATOM_ERROR_CODES);

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
    // Plain JavaScript callers get no compile-time check: a code outside the list is a bug.
    if (!KNOWN_CODES.has(code)) throw new TypeError(`${String(code)} is not a datomkit error code (DATOM_ERROR_CODES); the message was: ${message}`);
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
export function isDatomError(err: unknown, code?: DatomErrorCode | DatomErrorPrefix): err is DatomError {
  if (typeof err !== 'object' || err === null) return false;
  if ((err as { [BRAND]?: unknown })[BRAND] !== true) return false;
  if (code === undefined) return true;
  const actual = (err as DatomError).code;
  return code.endsWith('/') ? actual.startsWith(code) : actual === code;
}
