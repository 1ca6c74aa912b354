import { DatomError } from '../error/datom-error.js';
import { BigDec } from '../model/big-dec.js';
import { EdnBigInt, EdnDouble } from '../model/edn-number.js';
import { Keyword } from '../model/keyword.js';
import { Sym } from '../model/sym.js';
import { Uri } from '../model/uri.js';
import { Uuid } from '../model/uuid.js';
import { encodeBase64 } from './bytes-base64.js';
import { EdnList } from './edn-list.js';
import { nameProblem } from './edn-names.js';
import { EdnSet } from './edn-set.js';
import { formatInstantText } from './instant-text.js';

/**
 * Options for {@link printEdn}.
 *
 * @example
 * ```ts
 * printEdn(parseEdn('[{:db/ident :color/red} {:db/ident :color/green}]'), { pretty: true })
 * ```
 */
export interface PrintEdnOptions {
  /**
   * Break every collection that does not fit in 80 columns over several lines, one element or map
   * entry per line, aligned under the opening bracket as Clojure's pprint does. Off by default: the
   * output is then on one line, with `, ` between map entries and a single space elsewhere.
   */
  readonly pretty?: boolean;
}

const MAX_DEPTH = 1000;
const WIDTH = 80;
/** `BigDec`s with a larger scale print with an exponent, so that `1E-1000000M` stays short. */
const MAX_PLAIN_SCALE = 64;

/** Keywords already checked to be readable; keywords are interned, so this stays small. */
const readableKeywords = new WeakSet<Keyword>();
/** Plain-object keys already turned into keyword text. Capped: keys are attribute names, few and reused. */
const objectKeyTexts = new Map<string, string>();

function unsupported(message: string, value: unknown): DatomError {
  return new DatomError('edn/unsupported', message, { data: { value: describeType(value) } });
}

function describeType(v: unknown): string {
  if (v === null || (typeof v !== 'object' && typeof v !== 'function')) return typeof v;
  const name = (Object.getPrototypeOf(v) as { constructor?: { name?: unknown } } | null)?.constructor?.name;
  return typeof name === 'string' && name !== '' ? name : typeof v;
}

/**
 * Formats a double as EDN: always with a decimal point or an exponent, so that it reads back as a
 * double and not a long (`1.0`, `1.5`, `1.0E21`, `1.0E-7`, `-0.0`, `##NaN`, `##Inf`, `##-Inf`). The
 * digits are JavaScript's shortest round-trip ones, so the text reads back as the same double.
 */
function formatDouble(x: number): string {
  if (Number.isNaN(x)) return '##NaN';
  if (x === Number.POSITIVE_INFINITY) return '##Inf';
  if (x === Number.NEGATIVE_INFINITY) return '##-Inf';
  if (Object.is(x, -0)) return '-0.0';
  const s = String(x);
  const e = s.indexOf('e');
  if (e < 0) return s.includes('.') ? s : `${s}.0`;
  const mantissa = s.slice(0, e);
  const exponent = s.slice(e + 1);
  return `${mantissa.includes('.') ? mantissa : `${mantissa}.0`}E${exponent.startsWith('+') ? exponent.slice(1) : exponent}`;
}

function formatBigDec(d: BigDec): string {
  if (d.scale >= 0 && d.scale <= MAX_PLAIN_SCALE) return `${d.toString()}M`;
  // unscaled × 10^-scale, as Java's BigDecimal prints it: 1E+3M has scale -3.
  return `${d.unscaled}E${d.scale < 0 ? '+' : ''}${-d.scale}M`;
}

function keywordText(k: Keyword): string {
  if (!readableKeywords.has(k)) {
    const problem = nameProblem(k.fqn, 0, k.fqn.length, true);
    if (problem !== undefined) {
      throw unsupported(`cannot print the keyword ${JSON.stringify(k.fqn)} as EDN: its name ${problem.why}`, k);
    }
    readableKeywords.add(k);
  }
  return `:${k.fqn}`;
}

function symbolText(s: Sym): string {
  const problem = nameProblem(s.fqn, 0, s.fqn.length, false);
  if (problem !== undefined) throw unsupported(`cannot print the symbol ${JSON.stringify(s.fqn)} as EDN: its name ${problem.why}`, s);
  if (s.fqn === 'nil' || s.fqn === 'true' || s.fqn === 'false') {
    throw unsupported(`cannot print the symbol ${s.fqn} as EDN: it would read back as the literal ${s.fqn}`, s);
  }
  return s.fqn;
}

function objectKeyText(key: string): string {
  let text = objectKeyTexts.get(key);
  if (text === undefined) {
    const problem = nameProblem(key, 0, key.length, true);
    if (problem !== undefined) {
      throw unsupported(
        `cannot print the object key ${JSON.stringify(key)} as an EDN keyword: its name ${problem.why}; use a Map for keys that are not keywords`,
        key,
      );
    }
    text = `:${key}`;
    if (objectKeyTexts.size >= 10_000) objectKeyTexts.clear();
    objectKeyTexts.set(key, text);
  }
  return text;
}

function isPlainObject(v: object): boolean {
  const proto = Object.getPrototypeOf(v);
  return proto === Object.prototype || proto === null;
}

function write(v: unknown, depth: number): string {
  switch (typeof v) {
    case 'string':
      // JSON's escapes (\" \\ \b \f \n \r \t \uXXXX, lone surrogates included) are all EDN escapes.
      return JSON.stringify(v);
    case 'number':
      return Number.isSafeInteger(v) ? String(v) : formatDouble(v);
    case 'boolean':
      return v ? 'true' : 'false';
    case 'bigint':
      return String(v);
    case 'undefined':
      return 'nil';
    case 'object':
      return v === null ? 'nil' : writeObject(v, depth);
    default:
      throw unsupported(`cannot print a ${typeof v} as EDN`, v);
  }
}

function writeItems(items: readonly unknown[], depth: number): string {
  let s = '';
  for (let i = 0; i < items.length; i++) s += i === 0 ? write(items[i], depth) : ` ${write(items[i], depth)}`;
  return s;
}

function writeObject(v: object, depth: number): string {
  if (v instanceof Keyword) return keywordText(v);
  if (depth >= MAX_DEPTH) throw unsupported(`cannot print a value nested more than ${MAX_DEPTH} levels deep (is it cyclic?)`, v);
  const d = depth + 1;
  if (Array.isArray(v)) return `[${writeItems(v, d)}]`;
  if (v instanceof Map) {
    let s = '{';
    for (const [k, x] of v) s += `${s.length === 1 ? '' : ', '}${write(k, d)} ${write(x, d)}`;
    return `${s}}`;
  }
  if (isPlainObject(v)) {
    let s = '{';
    for (const k of Object.keys(v)) {
      s += `${s.length === 1 ? '' : ', '}${objectKeyText(k)} ${write((v as Record<string, unknown>)[k], d)}`;
    }
    return `${s}}`;
  }
  if (v instanceof EdnDouble) return formatDouble(v.value);
  if (v instanceof Sym) return symbolText(v);
  if (v instanceof Date) {
    const text = formatInstantText(v);
    if (text === undefined) throw unsupported('cannot print an invalid Date, or one outside the years 0000..9999, as an EDN #inst', v);
    return `#inst "${text}"`;
  }
  if (v instanceof Uuid) return `#uuid "${v.text}"`;
  if (v instanceof BigDec) return formatBigDec(v);
  if (v instanceof EdnBigInt) return `${v.value}N`;
  if (v instanceof EdnList) return `(${writeItems(v.items, d)})`;
  if (v instanceof EdnSet) return `#{${writeItems(v.items, d)}}`;
  if (v instanceof Uri) return `#uri ${JSON.stringify(v.text)}`;
  if (v instanceof Uint8Array) return `#bytes "${encodeBase64(v)}"`;
  if (v instanceof Set) throw unsupported('cannot print a JavaScript Set as EDN: wrap its values in an EdnSet', v);
  throw unsupported(`cannot print a ${describeType(v)} as EDN`, v);
}

/** The opening bracket of a collection that pretty printing may break, or `undefined`. */
function opener(v: unknown): string | undefined {
  if (typeof v !== 'object' || v === null) return undefined;
  if (Array.isArray(v)) return '[';
  if (v instanceof EdnList) return '(';
  if (v instanceof EdnSet) return '#{';
  if (v instanceof Map || isPlainObject(v)) return '{';
  return undefined;
}

function writePretty(v: unknown, indent: number): string {
  const flat = write(v, 0);
  const open = opener(v);
  if (open === undefined || indent + flat.length <= WIDTH) return flat;
  const inner = indent + open.length;
  const pad = `\n${' '.repeat(inner)}`;
  if (open !== '{') {
    const items = Array.isArray(v) ? v : (v as EdnList | EdnSet).items;
    return `${open}${items.map((x) => writePretty(x, inner)).join(pad)}${open === '(' ? ')' : open === '[' ? ']' : '}'}`;
  }
  const entries: [unknown, unknown][] =
    v instanceof Map ? [...v] : Object.keys(v as object).map((k) => [k, (v as Record<string, unknown>)[k]]);
  const lines = entries.map(([k, x]) => {
    const key = v instanceof Map ? writePretty(k, inner) : objectKeyText(k as string);
    if (key.includes('\n')) return `${key}${pad}${writePretty(x, inner)}`;
    return `${key} ${writePretty(x, inner + key.length + 1)}`;
  });
  return `{${lines.join(`,${pad}`)}}`;
}

/**
 * Prints a value as EDN text, the inverse of `parseEdn`: `parseEdn(printEdn(v))` equals `v` (see
 * `ednEquals`), keeping each kind apart: a safe-integer `number` or a `bigint` prints as a long
 * (`1`), any other `number` as a double (`1.5`, `1.0E21`, `##NaN`), an `EdnDouble` always as a double
 * (`1.0`), an `EdnBigInt` as `12N`, a `BigDec` with its scale (`1.50M`). Arrays print as vectors,
 * `EdnList` as `(...)`, `EdnSet` as `#{...}`, `Map` as `{k v, ...}`, and a plain object as a map whose
 * keys are keywords (`{ 'person/name': 'x' }` prints as `{:person/name "x"}`). `Date`, `Uuid`, `Uri`
 * and `Uint8Array` print as `#inst`, `#uuid`, `#uri` and `#bytes` (base64); `null` and `undefined`
 * as `nil`.
 *
 * Throws `DatomError('edn/unsupported')` for anything else (functions, JS `Set`s, unknown class
 * instances), for keywords, symbols and object keys whose names would not read back, and for Dates
 * outside the years 0000..9999.
 *
 * @example
 * ```ts
 * printEdn([{ 'db/id': 1, 'person/tags': new EdnSet([kw('a')]) }, 1.5, new EdnDouble(2)])
 * // '[{:db/id 1, :person/tags #{:a}} 1.5 2.0]'
 * ```
 */
export function printEdn(value: unknown, options: PrintEdnOptions = {}): string {
  return options.pretty === true ? writePretty(value, 0) : write(value, 0);
}
