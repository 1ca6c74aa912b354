import type { Value } from '../model/value.js';
import type { AttrInfo } from '../schema/schema.js';

/**
 * One expanded datom operation of a transaction. `e` and (for ref attributes) `v` are entity ids,
 * or negative numbers standing for tempids until those are resolved.
 */
export interface Op {
  /** True for an assertion, false for a retraction. */
  add: boolean;
  e: number;
  readonly a: AttrInfo;
  v: Value;
  /** The form the operation came from, for error messages. */
  readonly form: unknown;
  /**
   * For a retraction read from the database before the transaction (retractEntity, a retract
   * without a value), the live row holding the datom; else -1. Saves looking the datom up again.
   */
  readonly row: number;
}
