import { Keyword } from '../model/keyword.js';
import type { Value } from '../model/value.js';
import type { ValueType } from './attribute.js';

/**
 * Entity-id layout. System entities sit below {@link FIRST_USER_EID}; user entities are allocated
 * upwards from it and may never reach {@link TX_BASE}; transaction entities are `TX_BASE + t`. Every
 * id stays a safe integer, and running out of either range is an error, never a wrap-around.
 */
export const FIRST_USER_EID = 1000;
/** Transaction ids are `TX_BASE + t`. */
export const TX_BASE = 2 ** 42;
/** The largest t (the table stores t in 31 bits). */
export const MAX_T = 2 ** 31 - 2;

/** The t of transaction id `tx`. */
export function txToT(tx: number): number {
  return tx - TX_BASE;
}
/** The transaction id of `t`. */
export function tToTx(t: number): number {
  return TX_BASE + t;
}

/** Ids of the system attributes. */
export const A = {
  ident: 1,
  valueType: 2,
  cardinality: 3,
  unique: 4,
  isComponent: 5,
  noHistory: 6,
  index: 7,
  doc: 8,
  txInstant: 9,
  tupleAttrs: 10,
  tupleTypes: 11,
  tupleType: 12,
} as const;

/** The value types, each with the id of its ident entity `:db.type/<name>`. */
export const VALUE_TYPES: readonly ValueType[] = [
  'string',
  'boolean',
  'long',
  'bigint',
  'float',
  'double',
  'bigdec',
  'instant',
  'uuid',
  'keyword',
  'symbol',
  'uri',
  'bytes',
  'ref',
  'tuple',
];
const TYPE_BASE = 20;
/** Id of the ident entity of value type `t`. */
export function valueTypeEid(t: ValueType): number {
  return TYPE_BASE + VALUE_TYPES.indexOf(t);
}
/** The value type whose ident entity is `eid`, or null. */
export function valueTypeOfEid(eid: number): ValueType | null {
  return VALUE_TYPES[eid - TYPE_BASE] ?? null;
}

export const CARD_ONE = 40;
export const CARD_MANY = 41;
export const UNIQUE_IDENTITY = 42;
export const UNIQUE_VALUE = 43;

interface SystemAttr {
  readonly id: number;
  readonly ident: string;
  readonly type: ValueType;
  readonly unique?: number;
  readonly index?: boolean;
  readonly tupleType?: ValueType;
  readonly doc: string;
}

const SYSTEM_ATTRS: readonly SystemAttr[] = [
  { id: A.ident, ident: 'db/ident', type: 'keyword', unique: UNIQUE_IDENTITY, doc: 'The unique name of an entity.' },
  { id: A.valueType, ident: 'db/valueType', type: 'ref', doc: 'The type of the values of an attribute.' },
  { id: A.cardinality, ident: 'db/cardinality', type: 'ref', doc: 'One value or many values per entity.' },
  { id: A.unique, ident: 'db/unique', type: 'ref', doc: 'Uniqueness of the values of an attribute.' },
  { id: A.isComponent, ident: 'db/isComponent', type: 'boolean', doc: 'A ref attribute whose values belong to the entity.' },
  { id: A.noHistory, ident: 'db/noHistory', type: 'boolean', doc: 'Keep no history of this attribute.' },
  { id: A.index, ident: 'db/index', type: 'boolean', doc: 'Kept for compatibility: every attribute is in AVET.' },
  { id: A.doc, ident: 'db/doc', type: 'string', doc: 'Documentation of an entity.' },
  { id: A.txInstant, ident: 'db/txInstant', type: 'instant', index: true, doc: 'When a transaction was committed.' },
  { id: A.tupleAttrs, ident: 'db/tupleAttrs', type: 'tuple', tupleType: 'keyword', doc: 'The attributes of a composite tuple.' },
  { id: A.tupleTypes, ident: 'db/tupleTypes', type: 'tuple', tupleType: 'keyword', doc: 'The element types of a heterogeneous tuple.' },
  { id: A.tupleType, ident: 'db/tupleType', type: 'keyword', doc: 'The element type of a homogeneous tuple.' },
];

/** The datoms every database starts with, at t = 0, as `[e, a, v]`. */
export function bootstrapDatoms(): [number, number, Value][] {
  const out: [number, number, Value][] = [];
  for (const s of SYSTEM_ATTRS) {
    out.push([s.id, A.ident, Keyword.of(s.ident)]);
    out.push([s.id, A.valueType, valueTypeEid(s.type)]);
    out.push([s.id, A.cardinality, CARD_ONE]);
    if (s.unique !== undefined) out.push([s.id, A.unique, s.unique]);
    if (s.index === true) out.push([s.id, A.index, true]);
    if (s.tupleType !== undefined) out.push([s.id, A.tupleType, Keyword.of(`db.type/${s.tupleType}`)]);
    out.push([s.id, A.doc, s.doc]);
  }
  for (const t of VALUE_TYPES) out.push([valueTypeEid(t), A.ident, Keyword.of(`db.type/${t}`)]);
  out.push([CARD_ONE, A.ident, Keyword.of('db.cardinality/one')]);
  out.push([CARD_MANY, A.ident, Keyword.of('db.cardinality/many')]);
  out.push([UNIQUE_IDENTITY, A.ident, Keyword.of('db.unique/identity')]);
  out.push([UNIQUE_VALUE, A.ident, Keyword.of('db.unique/value')]);
  return out;
}
