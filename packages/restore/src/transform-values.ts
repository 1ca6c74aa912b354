import type { Datom, Value } from '@datomkit/datom-core';
import { attributeMatcher } from './attribute-selector.js';
import type { DatomTransform } from './datom-transform.js';

/**
 * Rewrites one value; it gets the source datom for context. Must be pure (same value in, same out).
 *
 * @example
 * ```ts
 * const scrub: ValueRewrite = (_value, datom) => `user-${datom.e}@example.invalid`
 * ```
 */
export type ValueRewrite = (value: Value, datom: Datom) => Value;

/**
 * A pipeline stage that rewrites the values of some attributes, e.g. to scrub personal data. Keys
 * are attribute patterns (an ident or `'ns/*'`); the first matching key wins. A rewrite of a unique
 * attribute must keep values distinct, and one of a ref attribute must return a source entity id.
 *
 * @example
 * ```ts
 * const scrub = transformValues({ 'user/email': (v, d) => `user-${d.e}@example.invalid` })
 * ```
 */
export function transformValues(rewrites: Readonly<Record<string, ValueRewrite>>): DatomTransform {
  const rules = Object.entries(rewrites).map(([pattern, fn]) => ({ match: attributeMatcher([pattern]), fn }));
  const memo = new Map<string, ValueRewrite | null>();
  const ruleFor = (ident: string): ValueRewrite | null => {
    let r = memo.get(ident);
    if (r === undefined) {
      r = rules.find((x) => x.match(ident))?.fn ?? null;
      memo.set(ident, r);
    }
    return r;
  };
  return (datoms, ctx) =>
    datoms.map((d) => {
      const fn = ruleFor(ctx.ident(d.a));
      return fn === null ? d : { ...d, v: fn(d.v, d) };
    });
}
