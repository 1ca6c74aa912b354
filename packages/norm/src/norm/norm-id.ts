/**
 * The norm id of a file, as Datahike names it: the file name with its extension, each space
 * replaced by `-`. The folder is not part of it. As a keyword it is `:<id>`.
 *
 * @example
 * ```ts
 * normId('02 add occupation.edn') // '02-add-occupation.edn'
 * ```
 */
export function normId(fileName: string): string {
  const base = fileName.slice(Math.max(fileName.lastIndexOf('/'), fileName.lastIndexOf('\\')) + 1);
  return base.replaceAll(' ', '-');
}

/**
 * Orders norm ids the way Datahike applies them: by UTF-16 code units (Java's `String.compareTo`),
 * so `004-x.edn` comes before `01-y.edn`. Not locale-aware and not "natural".
 *
 * @example
 * ```ts
 * ['01-b.edn', '004-a.edn'].sort(compareNormIds) // ['004-a.edn', '01-b.edn']
 * ```
 */
export function compareNormIds(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
