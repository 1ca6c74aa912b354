import { DatomError, isDatomError, parseEdn } from '@datomkit/datom-core';

// Whitespace, commas and line comments only: Clojure's edn/read-string gives nil for that.
const BLANK = /^(?:[\s,]|;[^\n]*(?:\n|$))*$/;

/** Parses the EDN text of a norm or checksums file; syntax errors become `norm/edn` naming the file. */
export function parseNormText(text: string, file: string): unknown {
  if (BLANK.test(text)) return null;
  try {
    return parseEdn(text, { source: file });
  } catch (err) {
    if (isDatomError(err, 'edn/')) {
      const { line, column } = err.data as { line?: number; column?: number };
      const where = line === undefined ? file : `${file}:${line}:${column ?? 0}`;
      throw new DatomError('norm/edn', `${where}: malformed EDN: ${err.message}. Fix the file and run again.`, {
        data: { file, line, column },
        cause: err,
      });
    }
    throw err;
  }
}
