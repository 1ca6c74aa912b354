import type { Database } from '../db/database.js';
import type { Datom } from '../model/datom.js';
import { EdnBigInt, EdnDouble } from '../model/edn-number.js';
import type { Value } from '../model/value.js';
import type { Attribute, ValueType } from '../schema/attribute.js';
import { printEdn } from './print-edn.js';

function scalarToEdn(type: ValueType | null, v: unknown): unknown {
  if (v === null) return null;
  if ((type === 'double' || type === 'float') && typeof v === 'number' && Number.isInteger(v)) return new EdnDouble(v);
  if (type === 'bigint' && typeof v === 'bigint') return new EdnBigInt(v);
  return v;
}

/**
 * A stored value in the form that prints to EDN without losing its type: an integral double prints
 * as `1.0`, not the long `1`, and a `:db.type/bigint` as `1N`, not a long. Tuples are converted
 * element by element.
 *
 * @example
 * ```ts
 * printEdn(valueToEdn(db.attribute('track/tempo')!, 120)) // '120.0'
 * ```
 */
export function valueToEdn(attr: Attribute, v: Value, elementTypes?: readonly ValueType[]): unknown {
  if (attr.valueType !== 'tuple') return scalarToEdn(attr.valueType, v);
  const types = elementTypes ?? attr.tupleTypes;
  return (v as readonly unknown[]).map((x, i) => scalarToEdn(attr.tupleType ?? types?.[i] ?? null, x));
}

/**
 * A datom as EDN data, `[e :attr/ident v tx added]`, its value typed by the attribute so that printing
 * and reading it back gives the same datom.
 *
 * @example
 * ```ts
 * printEdn(datomToEdn(db, d)) // e.g. '[1002 :artist/name "Nina" 4398046511106 true]'
 * ```
 */
export function datomToEdn(db: Database, d: Datom): unknown[] {
  const attr = db.attribute(d.a);
  if (attr === null) return [d.e, d.a, d.v, d.tx, d.added];
  const parts = attr.tupleAttrs?.map((id) => db.attribute(id)?.valueType ?? 'ref');
  return [d.e, attr.ident, valueToEdn(attr, d.v, parts), d.tx, d.added];
}

/**
 * Prints datoms as an EDN vector of `[e :attr v tx added]` vectors, one per line.
 *
 * @example
 * ```ts
 * printDatomsEdn(db, await db.datoms('eavt', e).toArray())
 * ```
 */
export function printDatomsEdn(db: Database, datoms: readonly Datom[]): string {
  return `[${datoms.map((d) => printEdn(datomToEdn(db, d))).join('\n ')}]`;
}
