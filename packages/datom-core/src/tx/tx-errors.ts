import { DatomError } from '../error/datom-error.js';
import { formToString } from './form-utils.js';
import type { Op } from './op.js';

/** `transact/conflict` between two operations of one transaction, naming both forms. */
export function conflictError(message: string, x: Op, y: Op): DatomError {
  return new DatomError('transact/conflict', message, {
    data: { entity: x.e, attribute: `:${x.a.ident.fqn}`, values: [formToString(x.v), formToString(y.v)], forms: [formToString(x.form), formToString(y.form)] },
  });
}

/**
 * `transact/unique`: `op` asserts a unique value that entity `holder` holds after the transaction.
 * A bulk load (`bulk`) says so, and that it never upserts; its operations have no forms.
 */
export function uniqueError(op: Op, holder: number, bulk = false): DatomError {
  const value = formToString(op.v);
  const attribute = `:${op.a.ident.fqn}`;
  return new DatomError(
    'transact/unique',
    bulk
      ? `Unique conflict in a bulk batch: ${attribute} ${value} is already held by entity ${holder}, cannot assert it for ${op.e} (a bulk load never upserts)`
      : `Unique conflict: ${attribute} ${value} is already held by entity ${holder}, cannot assert it for ${op.e}`,
    { data: bulk ? { attribute, value, entity: op.e, holder } : { attribute, value, entity: op.e, holder, form: formToString(op.form) } },
  );
}
