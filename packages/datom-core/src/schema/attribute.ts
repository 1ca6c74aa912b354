import type { Keyword } from '../model/keyword.js';

/** The value types an attribute may have (the name after `:db.type/`). */
export type ValueType =
  | 'string'
  | 'boolean'
  | 'long'
  | 'bigint'
  | 'float'
  | 'double'
  | 'bigdec'
  | 'instant'
  | 'uuid'
  | 'keyword'
  | 'symbol'
  | 'uri'
  | 'bytes'
  | 'ref'
  | 'tuple';

/**
 * An installed attribute, read from the schema datoms of a database value.
 *
 * @example
 * ```ts
 * db.attribute('person/name')?.valueType // 'string'
 * ```
 */
export interface Attribute {
  /** The attribute's entity id. */
  readonly id: number;
  /** Its current ident. */
  readonly ident: Keyword;
  readonly valueType: ValueType;
  readonly cardinality: 'one' | 'many';
  readonly unique: 'identity' | 'value' | null;
  readonly isComponent: boolean;
  readonly noHistory: boolean;
  readonly index: boolean;
  readonly doc: string | null;
  /** Composite tuple: the attribute ids it is made of. */
  readonly tupleAttrs: readonly number[] | null;
  /** Heterogeneous tuple: the type of each element. */
  readonly tupleTypes: readonly ValueType[] | null;
  /** Homogeneous tuple: the type of every element. */
  readonly tupleType: ValueType | null;
}
