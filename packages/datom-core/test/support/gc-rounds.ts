// Shared by the gc-deopt children (run bundled under --expose-gc --trace-deopt, see gc-deopt.test.ts).
import { kw } from '../../src/index.js';

/** A cardinality-one `person/NAME` attribute of `type`, unique by value when `unique`. */
export function personAttr(name: string, type: string, unique = false): Record<string, unknown> {
  return {
    'db/ident': kw(`person/${name}`),
    'db/valueType': kw(`db.type/${type}`),
    'db/cardinality': kw('db.cardinality/one'),
    ...(unique ? { 'db/unique': kw('db.unique/value') } : {}),
  };
}

export { afterCollections } from '../../../../test-support/after-collections.js';
