/** {@link CHAR_CLASS} value of a character not allowed outside strings and comments (`@ ^ ~ | \``, controls). @example `CHAR_CLASS[0x40] === INVALID` */
export const INVALID = 0;
/** {@link CHAR_CLASS} value of a character that ends a token: whitespace, commas, `( ) [ ] { } " ; \`. @example `CHAR_CLASS[0x2c] === DELIMITER` */
export const DELIMITER = 1;
/** {@link CHAR_CLASS} value of a character that may stand in a symbol: letters, digits, `. * + ! - _ ? $ % & = < > / : # '`. @example `CHAR_CLASS[0x61] === CONSTITUENT` */
export const CONSTITUENT = 2;

/**
 * The class of each ASCII character code (0..127). Codes from 128 up are constituents unless
 * {@link isUnicodeSpace}.
 *
 * @example
 * ```ts
 * CHAR_CLASS[0x2c] === DELIMITER // a comma is whitespace
 * ```
 */
export const CHAR_CLASS: Uint8Array = (() => {
  const table = new Uint8Array(128);
  for (const c of ' \t\n\r\f\v,()[]{}";\\') table[c.charCodeAt(0)] = DELIMITER;
  const constituents = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789.*+!-_?$%&=<>/:#'";
  for (const c of constituents) table[c.charCodeAt(0)] = CONSTITUENT;
  return table;
})();

/**
 * True for the non-ASCII code units JavaScript counts as white space (no-break space, the
 * U+2000 spaces, line and paragraph separators, BOM, ...). EDN does not treat them as whitespace,
 * and they may not stand in a symbol either, where they would be invisible.
 *
 * @example
 * ```ts
 * isUnicodeSpace(0xa0) // true
 * ```
 */
export function isUnicodeSpace(c: number): boolean {
  return (
    c === 0x85 ||
    c === 0xa0 ||
    c === 0x1680 ||
    (c >= 0x2000 && c <= 0x200a) ||
    c === 0x2028 ||
    c === 0x2029 ||
    c === 0x202f ||
    c === 0x205f ||
    c === 0x3000 ||
    c === 0xfeff
  );
}

/**
 * What is wrong with a symbol or keyword name: where (an index into the text) and why.
 *
 * @example
 * ```ts
 * const problem: NameProblem | undefined = nameProblem(':a', 0, 2, true) // { at: 0, why: 'is auto-resolved ...' }
 * ```
 */
export interface NameProblem {
  /** Index of the offending character in the text that was checked. */
  readonly at: number;
  /** Why the name is not valid EDN, as a phrase: `'has more than one /'`. */
  readonly why: string;
}

function isDigit(c: number): boolean {
  return c >= 48 && c <= 57;
}

/**
 * Describes a character code for an error message: `'@'`, or `U+00A0` for an invisible one.
 *
 * @example
 * ```ts
 * describeChar(0x40) // "'@'"
 * ```
 */
export function describeChar(c: number): string {
  if (c > 32 && c < 127) return `'${String.fromCharCode(c)}'`;
  return `U+${c.toString(16).toUpperCase().padStart(4, '0')}`;
}

/**
 * Checks `text.slice(start, end)` as the name of a symbol (`keyword` false) or of a keyword without
 * its colon (`keyword` true), by the EDN rules as Clojure's reader applies them: only constituent
 * characters; a symbol may not start with a digit, nor with `+`, `-` or `.` followed by a digit; a
 * keyword may start with a digit (`:001-a.edn`); at most one `/`, with text on both sides, except the
 * symbol `/` and names such as `clojure.core//`; the part after the `/` may not start with a digit;
 * no `::` and no trailing `:`. Returns `undefined` when the name is valid.
 *
 * @example
 * ```ts
 * nameProblem('a/b/c', 0, 5, false) // { at: 3, why: 'has more than one /' }
 * nameProblem('001-a.edn', 0, 9, true) // undefined
 * ```
 */
export function nameProblem(text: string, start: number, end: number, keyword: boolean): NameProblem | undefined {
  if (end <= start) return { at: start, why: 'is empty' };
  let slash = -1;
  for (let i = start; i < end; i++) {
    const c = text.charCodeAt(i);
    if (c < 128 ? CHAR_CLASS[c] !== CONSTITUENT : isUnicodeSpace(c)) {
      return { at: i, why: `may not contain ${describeChar(c)}` };
    }
    if (c === 58 && text.charCodeAt(i + 1) === 58 && i + 1 < end) return { at: i, why: 'may not contain ::' };
    if (c === 47 && slash < 0) slash = i;
  }
  const first = text.charCodeAt(start);
  if (first === 58) return { at: start, why: keyword ? 'is auto-resolved (::), which EDN does not have' : "may not start with ':'" };
  if (first === 35 || first === 39) return { at: start, why: `may not start with ${describeChar(first)}` };
  if (!keyword) {
    if (isDigit(first)) return { at: start, why: 'may not start with a digit' };
    if ((first === 43 || first === 45 || first === 46) && end - start > 1 && isDigit(text.charCodeAt(start + 1))) {
      return { at: start, why: `may not start with ${describeChar(first)} followed by a digit` };
    }
  }
  if (text.charCodeAt(end - 1) === 58) return { at: end - 1, why: "may not end with ':'" };
  if (slash < 0) return undefined;
  if (end - start === 1) return keyword ? { at: start, why: 'needs a name besides /' } : undefined;
  if (slash === start) return { at: start, why: 'may not start with /' };
  if (slash === end - 1) return { at: slash, why: 'may not end with /' };
  const nameStart = slash + 1;
  if (end - nameStart === 1 && text.charCodeAt(nameStart) === 47) return undefined;
  const second = text.indexOf('/', nameStart);
  if (second >= 0 && second < end) return { at: second, why: 'has more than one /' };
  if (isDigit(text.charCodeAt(nameStart))) return { at: nameStart, why: 'has a name part (after /) that starts with a digit' };
  return undefined;
}
