/**
 * One norm read from a migrations folder: its id, where it came from, its two parts and the
 * checksum of those parts.
 *
 * @example
 * ```ts
 * const [first] = await readNorms('migrations')
 * console.log(first?.id, first?.checksum)
 * ```
 */
export interface NormFile {
  /** The norm id, `02-add-occupation.edn` (the keyword `:02-add-occupation.edn` without its colon). */
  readonly id: string;
  /** Absolute path of the file. */
  readonly file: string;
  /** Path relative to the migrations folder, with `/` separators. */
  readonly relativePath: string;
  /** The `:tx-data` vector as read (EDN values: `Map`s, arrays, keywords, ...), or `null` if absent. */
  readonly txData: readonly unknown[] | null;
  /** The `:tx-fn` symbol, `my.app/backfill`, or `null` if absent. */
  readonly txFn: string | null;
  /** hasch SHA-512 of `{:tx-data .. :tx-fn ..}`, 128 lowercase hex characters, as Datahike computes it. */
  readonly checksum: string;
}
