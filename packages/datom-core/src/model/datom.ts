import type { Value } from './value.js';

/**
 * A datom: one fact. Entity `e` has value `v` for attribute `a` (an attribute's entity id), asserted
 * (`added: true`) or retracted (`added: false`) by transaction `tx`.
 *
 * @example
 * ```ts
 * const { e, a, v, tx, added } = datom
 * ```
 */
export interface Datom {
  readonly e: number;
  readonly a: number;
  readonly v: Value;
  readonly tx: number;
  readonly added: boolean;
}
