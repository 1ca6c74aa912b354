import { DatomError, isDatomError } from '../error/datom-error.js';
import type { DatomErrorCode } from '../error/datom-error.js';
import { BigDec } from '../model/big-dec.js';
import { EdnBigInt, EdnDouble } from '../model/edn-number.js';
import { Keyword } from '../model/keyword.js';
import { Sym } from '../model/sym.js';
import { Uri } from '../model/uri.js';
import { Uuid } from '../model/uuid.js';
import { decodeBase64 } from './bytes-base64.js';
import { EdnValueSet } from './edn-equals.js';
import { EdnList } from './edn-list.js';
import { CHAR_CLASS, DELIMITER, describeChar, INVALID, isUnicodeSpace, nameProblem } from './edn-names.js';
import { EdnSet } from './edn-set.js';
import { parseInstantText } from './instant-text.js';
import { printEdn } from './print-edn.js';

/**
 * Turns the value after a tag into what the tag stands for. Throwing rejects the value: the reader
 * reports a `DatomError('edn/syntax')` at the tag (a thrown `DatomError` passes through unchanged).
 *
 * @example
 * ```ts
 * const money: EdnTagReader = (v) => ({ cents: Number(v) })
 * ```
 */
export type EdnTagReader = (value: unknown) => unknown;

/**
 * Options for {@link parseEdn} and {@link parseEdnAll}.
 *
 * @example
 * ```ts
 * parseEdnAll(text, { source: 'migrations/01.edn', tags: { 'my.app/money': (v) => BigInt(v as string) } })
 * ```
 */
export interface ParseEdnOptions {
  /** A file name or other label for error messages (`migrations/01.edn:3:14: ...`) and `err.data.source`. */
  readonly source?: string;
  /**
   * Readers for tags, by tag name without the `#` (`'my.app/money'`). They take precedence over the
   * built-in `inst`, `uuid`, `uri` and `bytes`. Any other tag is a `DatomError('edn/unsupported')`.
   */
  readonly tags?: Readonly<Record<string, EdnTagReader>>;
}

/** Deeper nesting is an error rather than a stack overflow. */
const MAX_DEPTH = 1000;
const MAX_SAFE = BigInt(Number.MAX_SAFE_INTEGER);
const MIN_SAFE = -MAX_SAFE;

/**
 * Keywords already read, by name: a hit skips the name check. Keywords are interned for the life of
 * the process anyway, so this holds no more than `Keyword.of`'s own table.
 */
const knownKeywords = new Map<string, Keyword>();

const CLOSERS: Record<number, string> = { 41: ')', 93: ']', 125: '}' };
const NOT_EDN: Record<number, string> = {
  39: "a quote (') is Clojure syntax, not EDN",
  96: 'a syntax quote (`) is Clojure syntax, not EDN',
  126: 'an unquote (~) is Clojure syntax, not EDN',
  64: 'a deref (@) is Clojure syntax, not EDN',
  94: 'metadata (^) is Clojure syntax, not EDN',
};
const CHAR_NAMES: Record<string, string> = {
  newline: '\n',
  space: ' ',
  tab: '\t',
  return: '\r',
  backspace: '\b',
  formfeed: '\f',
};

function isCloser(c: number): boolean {
  return c === 41 || c === 93 || c === 125;
}

function isDigit(c: number): boolean {
  return c >= 48 && c <= 57;
}

function hexValue(c: number): number {
  if (c >= 48 && c <= 57) return c - 48;
  if (c >= 97 && c <= 102) return c - 87;
  if (c >= 65 && c <= 70) return c - 55;
  return -1;
}

/** The code unit of four hex digits at `at`, or -1. */
function hex4(text: string, at: number): number {
  let code = 0;
  for (let i = at; i < at + 4; i++) {
    const h = hexValue(text.charCodeAt(i));
    if (h < 0) return -1;
    code = code * 16 + h;
  }
  return code;
}

/** 1-based line and column (in UTF-16 code units) of `offset`; `\n`, `\r\n` and `\r` end lines. */
function positionOf(text: string, offset: number): { line: number; column: number } {
  let line = 1;
  let lineStart = text.charCodeAt(0) === 0xfeff ? 1 : 0;
  const end = Math.min(offset, text.length);
  for (let i = 0; i < end; i++) {
    const c = text.charCodeAt(i);
    if (c === 10 || (c === 13 && text.charCodeAt(i + 1) !== 10)) {
      line++;
      lineStart = i + 1;
    }
  }
  return { line, column: Math.max(offset - lineStart, 0) + 1 };
}

function describe(value: unknown): string {
  let text: string;
  try {
    text = printEdn(value);
  } catch {
    text = String(value);
  }
  return text.length > 60 ? `${text.slice(0, 57)}...` : text;
}

class EdnReader {
  readonly #text: string;
  readonly #end: number;
  readonly #source: string | undefined;
  readonly #tags: Readonly<Record<string, EdnTagReader>> | undefined;
  #pos: number;
  #depth = 0;
  /** Above 0 while reading a form after `#_`: tags are not resolved and duplicates not checked. */
  #discarding = 0;
  /** Index of the next backslash at or after the last string start, or the end: strings without one are a single slice. */
  #nextBackslash = -1;

  constructor(text: string, options: ParseEdnOptions) {
    if (typeof text !== 'string') throw new TypeError(`parseEdn expects a string, got ${typeof text}`);
    this.#text = text;
    this.#end = text.length;
    this.#source = options.source;
    this.#tags = options.tags;
    this.#pos = text.charCodeAt(0) === 0xfeff ? 1 : 0;
  }

  readOne(): unknown {
    this.#skip();
    if (this.#pos >= this.#end) {
      this.#fail(this.#pos, 'expected an EDN form, but the input is empty (or holds only whitespace and comments)');
    }
    const value = this.#read();
    this.#skip();
    if (this.#pos < this.#end) {
      if (isCloser(this.#text.charCodeAt(this.#pos))) this.#read();
      this.#fail(this.#pos, 'unexpected form after the first one: parseEdn reads exactly one form; use parseEdnAll to read several');
    }
    return value;
  }

  readAll(): unknown[] {
    const forms: unknown[] = [];
    for (;;) {
      this.#skip();
      if (this.#pos >= this.#end) return forms;
      forms.push(this.#read());
    }
  }

  readAllAt(): EdnForm[] {
    const forms: EdnForm[] = [];
    // Lines are counted once through the text, from each form's start to the next one's.
    let line = 1;
    let counted = this.#pos;
    let lineStart = counted;
    for (;;) {
      this.#skip();
      if (this.#pos >= this.#end) return forms;
      const offset = this.#pos;
      for (; counted < offset; counted++) {
        const c = this.#text.charCodeAt(counted);
        if (c === 10 || (c === 13 && this.#text.charCodeAt(counted + 1) !== 10)) {
          line++;
          lineStart = counted + 1;
        }
      }
      forms.push({ value: this.#read(), line, column: offset - lineStart + 1, offset });
    }
  }

  #fail(offset: number, message: string, code: DatomErrorCode = 'edn/syntax', extra?: object, cause?: unknown): never {
    const { line, column } = positionOf(this.#text, offset);
    const source = this.#source;
    const data = { ...(source === undefined ? {} : { source }), line, column, offset, ...extra };
    throw new DatomError(code, `${source ?? '<input>'}:${line}:${column}: ${message}`, { data, cause });
  }

  #enter(offset: number): void {
    if (++this.#depth > MAX_DEPTH) this.#fail(offset, `forms are nested more than ${MAX_DEPTH} levels deep`);
  }

  /** Moves past whitespace, commas, `;` comments and `#_` discarded forms. */
  #skip(): void {
    const t = this.#text;
    const n = this.#end;
    let p = this.#pos;
    while (p < n) {
      const c = t.charCodeAt(p);
      if (c === 32 || c === 44 || (c >= 9 && c <= 13)) {
        p++;
      } else if (c === 59) {
        p++;
        while (p < n) {
          const d = t.charCodeAt(p);
          if (d === 10 || d === 13) break;
          p++;
        }
      } else if (c === 35 && t.charCodeAt(p + 1) === 95) {
        this.#pos = p;
        this.#discard();
        p = this.#pos;
      } else {
        break;
      }
    }
    this.#pos = p;
  }

  #discard(): void {
    const start = this.#pos;
    this.#enter(start);
    this.#pos = start + 2;
    this.#discarding++;
    this.#skip();
    if (this.#pos >= this.#end || isCloser(this.#text.charCodeAt(this.#pos))) {
      this.#fail(start, '#_ must be followed by a form to discard');
    }
    this.#read();
    this.#discarding--;
    this.#depth--;
  }

  /** Index just past the token starting at `start`: the next delimiter, or the end. */
  #tokenEnd(start: number): number {
    const t = this.#text;
    const n = this.#end;
    let p = start;
    while (p < n) {
      const c = t.charCodeAt(p);
      if (c < 128 && CHAR_CLASS[c] === DELIMITER) break;
      p++;
    }
    return p;
  }

  /** Reads the form that starts at the current position, which is not whitespace nor the end. */
  #read(): unknown {
    const t = this.#text;
    const p = this.#pos;
    const c = t.charCodeAt(p);
    switch (c) {
      case 91: // [
        return this.#readSeq(p, p + 1, 93, 'vector', false);
      case 123: // {
        return this.#readMap(p);
      case 40: // (
        return new EdnList(this.#readSeq(p, p + 1, 41, 'list', false));
      case 34: // "
        return this.#readString(p);
      case 58: // :
        return this.#readKeyword(p);
      case 92: // \
        return this.#readChar(p);
      case 35: // #
        return this.#readDispatch(p);
      case 41:
      case 93:
      case 125:
        return this.#fail(p, `unexpected ${CLOSERS[c]}: nothing open here to close`);
    }
    if (isDigit(c) || ((c === 43 || c === 45) && isDigit(t.charCodeAt(p + 1)))) return this.#readNumber(p);
    const notEdn = NOT_EDN[c];
    if (notEdn !== undefined) this.#fail(p, notEdn);
    return this.#readSymbol(p);
  }

  #readSeq(open: number, from: number, close: number, what: string, unique: boolean): unknown[] {
    this.#enter(open);
    this.#pos = from;
    const items: unknown[] = [];
    const seen = unique && this.#discarding === 0 ? new EdnValueSet() : undefined;
    const t = this.#text;
    for (;;) {
      this.#skip();
      const p = this.#pos;
      if (p >= this.#end) {
        this.#fail(open, `unterminated ${what}: no closing ${CLOSERS[close]} before the end of the input`);
      }
      const c = t.charCodeAt(p);
      if (c === close) {
        this.#pos = p + 1;
        break;
      }
      if (isCloser(c)) this.#mismatched(p, open, what, close);
      const item = this.#read();
      if (seen !== undefined && !seen.add(item)) this.#fail(p, `duplicate set element ${describe(item)}`);
      items.push(item);
    }
    this.#depth--;
    return items;
  }

  #mismatched(at: number, open: number, what: string, close: number): never {
    const { line, column } = positionOf(this.#text, open);
    return this.#fail(
      at,
      `unexpected ${CLOSERS[this.#text.charCodeAt(at)]}: the ${what} opened at ${line}:${column} must be closed with ${CLOSERS[close]} first`,
    );
  }

  #readMap(open: number): Map<unknown, unknown> {
    this.#enter(open);
    this.#pos = open + 1;
    const map = new Map<unknown, unknown>();
    const check = this.#discarding === 0;
    // Strings, keywords, booleans and nil are canonical, so the Map itself finds their duplicates.
    let others: EdnValueSet | undefined;
    const t = this.#text;
    for (;;) {
      this.#skip();
      const p = this.#pos;
      if (p >= this.#end) this.#fail(open, 'unterminated map: no closing } before the end of the input');
      const c = t.charCodeAt(p);
      if (c === 125) {
        this.#pos = p + 1;
        break;
      }
      if (isCloser(c)) this.#mismatched(p, open, 'map', 125);
      const key = this.#read();
      this.#skip();
      const q = this.#pos;
      if (q >= this.#end) this.#fail(open, 'unterminated map: no closing } before the end of the input');
      const d = t.charCodeAt(q);
      if (d === 125) this.#fail(p, `the map key ${describe(key)} has no value: a map needs an even number of forms`);
      if (isCloser(d)) this.#mismatched(q, open, 'map', 125);
      const value = this.#read();
      if (check) {
        let duplicate: boolean;
        if (typeof key === 'string' || key instanceof Keyword || key === null || typeof key === 'boolean') {
          duplicate = map.has(key);
        } else {
          others ??= new EdnValueSet();
          duplicate = !others.add(key);
        }
        if (duplicate) this.#fail(p, `duplicate map key ${describe(key)}`);
      }
      map.set(key, value);
    }
    this.#depth--;
    return map;
  }

  #readString(open: number): string {
    const t = this.#text;
    const start = open + 1;
    const quote = t.indexOf('"', start);
    if (quote < 0) this.#fail(open, 'unterminated string: no closing " before the end of the input');
    let backslash = this.#nextBackslash;
    if (backslash < start) {
      backslash = t.indexOf('\\', start);
      if (backslash < 0) backslash = this.#end;
      this.#nextBackslash = backslash;
    }
    if (backslash > quote) {
      this.#pos = quote + 1;
      return t.slice(start, quote);
    }
    return this.#readEscapedString(open, backslash);
  }

  #readEscapedString(open: number, firstBackslash: number): string {
    const t = this.#text;
    const n = this.#end;
    let out = t.slice(open + 1, firstBackslash);
    let p = firstBackslash;
    let chunk = p;
    for (;;) {
      if (p >= n) this.#fail(open, 'unterminated string: no closing " before the end of the input');
      const c = t.charCodeAt(p);
      if (c === 34) {
        this.#pos = p + 1;
        return out + t.slice(chunk, p);
      }
      if (c !== 92) {
        p++;
        continue;
      }
      out += t.slice(chunk, p);
      const e = t.charCodeAt(p + 1);
      switch (e) {
        case 116:
          out += '\t';
          break;
        case 110:
          out += '\n';
          break;
        case 114:
          out += '\r';
          break;
        case 34:
          out += '"';
          break;
        case 92:
          out += '\\';
          break;
        case 98:
          out += '\b';
          break;
        case 102:
          out += '\f';
          break;
        case 117: {
          const code = hex4(t, p + 2);
          if (code < 0) this.#fail(p, 'invalid \\u escape: it needs four hex digits, as in \\u00e9');
          out += String.fromCharCode(code);
          p += 4;
          break;
        }
        default:
          if (p + 1 >= n) this.#fail(open, 'unterminated string: no closing " before the end of the input');
          this.#fail(p, `unknown escape \\${t[p + 1]} in a string: EDN knows \\t \\r \\n \\b \\f \\" \\\\ and \\uXXXX`);
      }
      p += 2;
      chunk = p;
    }
  }

  #readChar(p: number): string {
    const t = this.#text;
    let q = p + 1;
    if (q >= this.#end) this.#fail(p, 'a backslash at the end of the input: a character literal looks like \\a or \\newline');
    const c = t.charCodeAt(q);
    if (c === 32 || (c >= 9 && c <= 13) || isUnicodeSpace(c)) {
      this.#fail(p, 'a backslash must be followed by a character: write \\space, \\tab, \\newline or \\return for whitespace');
    }
    q++;
    if (c >= 0xd800 && c <= 0xdbff && q < this.#end) {
      const d = t.charCodeAt(q);
      if (d >= 0xdc00 && d <= 0xdfff) q++;
    }
    const end = this.#tokenEnd(q);
    this.#pos = end;
    if (end === q) return t.slice(p + 1, q);
    const name = t.slice(p + 1, end);
    const named = CHAR_NAMES[name];
    if (named !== undefined && Object.hasOwn(CHAR_NAMES, name)) return named;
    if (c === 117 && name.length === 5) {
      const code = hex4(name, 1);
      if (code >= 0) return String.fromCharCode(code);
    }
    return this.#fail(
      p,
      `unknown character \\${name}: write one character (\\a), \\uXXXX, or one of \\newline \\space \\tab \\return \\backspace \\formfeed`,
    );
  }

  #readKeyword(p: number): Keyword {
    const start = p + 1;
    const end = this.#tokenEnd(start);
    const name = this.#text.slice(start, end);
    let keyword = knownKeywords.get(name);
    if (keyword === undefined) {
      if (end === start) this.#fail(p, 'a keyword needs a name after the colon, as in :person/name');
      const problem = nameProblem(this.#text, start, end, true);
      if (problem !== undefined) this.#fail(problem.at, `invalid keyword ${this.#text.slice(p, end)}: it ${problem.why}`);
      keyword = Keyword.of(name);
      knownKeywords.set(name, keyword);
    }
    this.#pos = end;
    return keyword;
  }

  #readSymbol(p: number): unknown {
    const end = this.#tokenEnd(p);
    const text = this.#text.slice(p, end);
    switch (text) {
      case 'nil':
        this.#pos = end;
        return null;
      case 'true':
        this.#pos = end;
        return true;
      case 'false':
        this.#pos = end;
        return false;
    }
    const problem = nameProblem(this.#text, p, end, false);
    if (problem !== undefined) {
      const c = this.#text.charCodeAt(problem.at);
      if (problem.at === p && c === 46 && isDigit(this.#text.charCodeAt(p + 1))) {
        this.#fail(p, `invalid number ${text}: EDN needs a digit before the decimal point, as in 0${text}`);
      }
      if (problem.at > p && c < 128 && CHAR_CLASS[c] === INVALID) {
        this.#fail(problem.at, `unexpected character ${describeChar(c)} in the symbol ${text}`);
      }
      this.#fail(problem.at, `invalid symbol ${text}: it ${problem.why}`);
    }
    this.#pos = end;
    return new Sym(text);
  }

  #readNumber(p: number): unknown {
    const t = this.#text;
    const n = this.#end;
    let q = p;
    let c = t.charCodeAt(q);
    if (c === 43 || c === 45) q++;
    const intStart = q;
    let value = 0;
    while (q < n) {
      c = t.charCodeAt(q);
      if (c < 48 || c > 57) break;
      value = value * 10 + (c - 48);
      q++;
    }
    const intDigits = q - intStart;
    let isFloat = false;
    if (q < n && t.charCodeAt(q) === 46) {
      isFloat = true;
      const frac = ++q;
      while (q < n && isDigit(t.charCodeAt(q))) q++;
      if (q === frac) this.#badNumber(p, 'a decimal point must be followed by a digit, as in 1.0');
    }
    c = t.charCodeAt(q);
    if (q < n && (c === 101 || c === 69)) {
      isFloat = true;
      q++;
      c = t.charCodeAt(q);
      if (c === 43 || c === 45) q++;
      const exp = q;
      while (q < n && isDigit(t.charCodeAt(q))) q++;
      if (q === exp) this.#badNumber(p, 'an exponent needs digits, as in 1.5e3');
    }
    const numberEnd = q;
    let suffix = 0;
    c = t.charCodeAt(q);
    if (q < n && (c === 77 || c === 78)) {
      suffix = c;
      q++;
    }
    if (q < n) {
      c = t.charCodeAt(q);
      if (c >= 128 || CHAR_CLASS[c] !== DELIMITER) this.#badNumber(p, this.#numberHint(p));
    }
    if (intDigits > 1 && t.charCodeAt(intStart) === 48) this.#badNumber(p, 'EDN does not allow leading zeros');
    this.#pos = q;
    const text = t.slice(p, numberEnd);
    if (suffix === 77) {
      try {
        return BigDec.parse(text);
      } catch (err) {
        return this.#badNumber(p, err instanceof Error ? err.message : String(err));
      }
    }
    if (suffix === 78) {
      if (isFloat) this.#badNumber(p, 'N marks an integer; a decimal takes M, as in 1.5M');
      return new EdnBigInt(BigInt(text));
    }
    if (isFloat) {
      const x = Number(text);
      return Number.isInteger(x) ? new EdnDouble(x) : x;
    }
    if (intDigits <= 15) return t.charCodeAt(p) === 45 && value !== 0 ? -value : value;
    const big = BigInt(text);
    return big >= MIN_SAFE && big <= MAX_SAFE ? Number(big) : big;
  }

  #numberHint(p: number): string {
    const text = this.#text.slice(p, this.#tokenEnd(p));
    if (/^[+-]?0[xX]/.test(text)) return 'hexadecimal numbers are not EDN';
    if (/^[+-]?\d+\/\d+$/.test(text)) return 'ratios are not EDN';
    if (/^[+-]?\d+[rR]/.test(text)) return 'radix numbers are not EDN';
    return 'a number is digits with an optional sign, fraction, exponent and N or M suffix, as in -1.5e3M';
  }

  #badNumber(p: number, why: string): never {
    return this.#fail(p, `invalid number ${this.#text.slice(p, this.#tokenEnd(p))}: ${why}`);
  }

  #readDispatch(p: number): unknown {
    const t = this.#text;
    if (p + 1 >= this.#end) this.#fail(p, '# at the end of the input: expected #{, #_, ## or a tag such as #inst');
    const c = t.charCodeAt(p + 1);
    if (c === 123) return new EdnSet(this.#readSeq(p, p + 2, 125, 'set', true));
    if (c === 35) return this.#readSymbolic(p);
    if (c === 58) this.#fail(p, 'namespaced maps (#:ns{...}) are not supported: write each key in full, as in {:ns/a 1}');
    if (c === 34) this.#fail(p, 'regular expressions (#"...") are not EDN');
    if ((c >= 65 && c <= 90) || (c >= 97 && c <= 122)) return this.#readTagged(p);
    return this.#fail(p, `#${t[p + 1]} is not EDN: after # comes {, _, # or a tag that starts with a letter, such as #inst`);
  }

  #readSymbolic(p: number): number {
    const end = this.#tokenEnd(p + 2);
    const name = this.#text.slice(p + 2, end);
    this.#pos = end;
    if (name === 'Inf') return Number.POSITIVE_INFINITY;
    if (name === '-Inf') return Number.NEGATIVE_INFINITY;
    if (name === 'NaN') return Number.NaN;
    return this.#fail(p, `unknown symbolic value ##${name}: EDN knows ##Inf, ##-Inf and ##NaN`);
  }

  #readTagged(p: number): unknown {
    const t = this.#text;
    const nameEnd = this.#tokenEnd(p + 1);
    const tag = t.slice(p + 1, nameEnd);
    const problem = nameProblem(t, p + 1, nameEnd, false);
    if (problem !== undefined) this.#fail(problem.at, `invalid tag #${tag}: it ${problem.why}`);
    this.#enter(p);
    this.#pos = nameEnd;
    this.#skip();
    const at = this.#pos;
    if (at >= this.#end || isCloser(t.charCodeAt(at))) this.#fail(p, `the tag #${tag} needs a value after it`);
    const value = this.#read();
    this.#depth--;
    if (this.#discarding > 0) return null;
    const custom = this.#tags;
    if (custom !== undefined && Object.hasOwn(custom, tag)) {
      try {
        return (custom[tag] as EdnTagReader)(value);
      } catch (err) {
        if (isDatomError(err)) throw err;
        const why = err instanceof Error ? err.message : String(err);
        return this.#fail(p, `the reader for #${tag} rejected ${describe(value)}: ${why}`, 'edn/syntax', { tag }, err);
      }
    }
    switch (tag) {
      case 'inst': {
        if (typeof value !== 'string') return this.#fail(at, `#inst takes a string, as in #inst "2020-01-01T00:00:00Z"`);
        const date = parseInstantText(value);
        if (typeof date === 'string') return this.#fail(at, `invalid #inst ${JSON.stringify(value)}: ${date}`);
        return date;
      }
      case 'uuid':
        if (typeof value !== 'string') return this.#fail(at, '#uuid takes a string, as in #uuid "6f1d..."');
        try {
          return new Uuid(value);
        } catch {
          return this.#fail(at, `invalid #uuid ${JSON.stringify(value)}: a UUID is 32 hex digits in groups of 8-4-4-4-12`);
        }
      case 'uri':
        if (typeof value !== 'string') return this.#fail(at, '#uri takes a string, as in #uri "https://example.com"');
        try {
          return new Uri(value);
        } catch {
          return this.#fail(at, `invalid #uri ${JSON.stringify(value)}: a URI is not empty and has no whitespace`);
        }
      case 'bytes': {
        if (typeof value !== 'string') return this.#fail(at, '#bytes takes a base64 string, as in #bytes "AAE="');
        const bytes = decodeBase64(value);
        if (typeof bytes === 'string') return this.#fail(at, `invalid #bytes: the base64 text is malformed: ${bytes}`);
        return bytes;
      }
    }
    return this.#fail(p, `unknown tag #${tag}: pass a reader for it in options.tags`, 'edn/unsupported', { tag });
  }
}

/**
 * Reads exactly one EDN form from `text`, strictly and without loss: a long stays apart from a
 * double (`1` is a `number`, `1.0` an `EdnDouble`), `12N` is an `EdnBigInt`, `1.50M` a `BigDec` with
 * scale 2, keywords are interned `Keyword`s, maps are `Map`s in source order, and so on (see
 * `EdnValue` for the whole mapping). Built-in tags: `#inst` (to `Date`), `#uuid`, `#uri` and our
 * `#bytes` (base64, to `Uint8Array`); others need `options.tags`.
 *
 * Throws `DatomError('edn/syntax')` (with `data: { source, line, column, offset }` and a message such
 * as `migrations/01.edn:3:14: unterminated string`) for malformed or truncated input, an empty input,
 * a second form after the first, a duplicate map key or set element; `DatomError('edn/unsupported')`
 * for an unknown tag. It never returns `undefined` for bad input.
 *
 * @example
 * ```ts
 * parseEdn('{:db/ident :color/red, :db/doc "Red"}')
 * // Map { kw('db/ident') => kw('color/red'), kw('db/doc') => 'Red' }
 * parseEdn('[1 1.0 1N 1M]') // [1, EdnDouble(1), EdnBigInt(1n), BigDec(1n, 0)]
 * ```
 */
export function parseEdn(text: string, options: ParseEdnOptions = {}): unknown {
  return new EdnReader(text, options).readOne();
}

/**
 * Reads every top-level EDN form of `text`, in order: an empty input (or one with only comments)
 * gives `[]`. Errors as {@link parseEdn}.
 *
 * @example
 * ```ts
 * parseEdnAll('{:a 1} {:b 2} ; two maps', { source: 'tx.edn' }) // [Map {...}, Map {...}]
 * ```
 */
export function parseEdnAll(text: string, options: ParseEdnOptions = {}): unknown[] {
  return new EdnReader(text, options).readAll();
}

/** A top-level form read by {@link parseEdnForms}, with where it starts (1-based line and column). */
export interface EdnForm {
  readonly value: unknown;
  readonly line: number;
  readonly column: number;
  /** Offset of its first character in the text, in UTF-16 code units. */
  readonly offset: number;
}

/**
 * Reads every top-level EDN form of `text` as {@link parseEdnAll} does, and says where each one
 * starts, so that a tool can point at the form it was given (`schema.edn:12`). Errors as
 * {@link parseEdn}.
 *
 * @example
 * ```ts
 * parseEdnForms('[1]\n[2]').map((f) => f.line) // [1, 2]
 * ```
 */
export function parseEdnForms(text: string, options: ParseEdnOptions = {}): EdnForm[] {
  return new EdnReader(text, options).readAllAt();
}
