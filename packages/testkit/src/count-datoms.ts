import type { TxData } from '@datomkit/datom-core';
import { CATALOG_MANY_ATTRS } from './catalog-schema.js';

function countMap(form: Readonly<Record<string, unknown>>, many: ReadonlySet<string>): number {
  let n = 0;
  for (const [attr, value] of Object.entries(form)) {
    if (attr === 'db/id' || attr === ':db/id') continue;
    const values = many.has(attr.startsWith(':') ? attr.slice(1) : attr) && Array.isArray(value) ? value : [value];
    for (const v of values) {
      n++;
      if (v !== null && typeof v === 'object' && v.constructor === Object) n += countMap(v as Record<string, unknown>, many);
    }
  }
  return n;
}

/**
 * Counts the datoms that transaction data asserts: one per attribute value of a map form (each
 * element of a cardinality-many value, nested maps included) and one per `db/add` or `db/retract`
 * list form. `many` names the cardinality-many attributes; it defaults to the catalog's, which tells
 * a card-many array from a lookup ref.
 *
 * @example
 * ```ts
 * let total = 0
 * for (const tx of generateCatalog({ datoms: 1000 })) total += countDatoms(tx) // about 1000
 * ```
 */
export function countDatoms(txData: TxData, many: ReadonlySet<string> = CATALOG_MANY_ATTRS): number {
  let n = 0;
  for (const form of txData) {
    if (Array.isArray(form)) {
      const op = String(form[0]).replace(/^:/, '');
      if (op === 'db/add' || op === 'db/retract') n++;
    } else {
      n += countMap(form as Readonly<Record<string, unknown>>, many);
    }
  }
  return n;
}
