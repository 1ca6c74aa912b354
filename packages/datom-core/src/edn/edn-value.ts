import type { BigDec } from '../model/big-dec.js';
import type { EdnBigInt, EdnDouble } from '../model/edn-number.js';
import type { Keyword } from '../model/keyword.js';
import type { Sym } from '../model/sym.js';
import type { Uri } from '../model/uri.js';
import type { Uuid } from '../model/uuid.js';
import type { EdnList } from './edn-list.js';
import type { EdnSet } from './edn-set.js';

/**
 * What `parseEdn` returns for each EDN form, without custom tags:
 *
 * | EDN | JS |
 * |---|---|
 * | `nil`, `true`, `"s"`, `\c` | `null`, `boolean`, `string` (a character is a one-character string) |
 * | `42` | `number` when safe, else `bigint` (both are longs) |
 * | `42N` | `EdnBigInt` |
 * | `1.5`, `##Inf`, `##NaN` | `number`; an integral double such as `1.0` is an `EdnDouble` |
 * | `1.50M` | `BigDec` (scale as written) |
 * | `:a/b`, `a/b` | `Keyword` (interned), `Sym` |
 * | `[..]`, `(..)`, `#{..}`, `{..}` | array, `EdnList`, `EdnSet`, `Map` in source order |
 * | `#inst`, `#uuid`, `#uri`, `#bytes` | `Date`, `Uuid`, `Uri`, `Uint8Array` |
 *
 * @example
 * ```ts
 * const tx = parseEdn(text) as EdnValue
 * ```
 */
export type EdnValue =
  | null
  | boolean
  | string
  | number
  | bigint
  | EdnBigInt
  | EdnDouble
  | BigDec
  | Keyword
  | Sym
  | Date
  | Uuid
  | Uri
  | Uint8Array
  | EdnValue[]
  | EdnList
  | EdnSet
  | Map<EdnValue, EdnValue>;
