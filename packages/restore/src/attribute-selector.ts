import type { DatomTransform } from './datom-transform.js';

/**
 * Attribute patterns: an ident (`'user/email'`, a leading colon is accepted), a namespace wildcard
 * (`'user/*'` matches `user/email` but not `user.address/city`), or `'*'` for every attribute.
 *
 * @example
 * ```ts
 * const pii: AttributePatterns = ['user/email', 'payment/*']
 * ```
 */
export type AttributePatterns = readonly string[];

/**
 * A predicate on idents (without colon) from attribute patterns.
 *
 * @example
 * ```ts
 * attributeMatcher(['user/*'])('user/email') // true
 * ```
 */
export function attributeMatcher(patterns: AttributePatterns): (ident: string) => boolean {
  const exact = new Set<string>();
  const namespaces = new Set<string>();
  let all = false;
  for (const raw of patterns) {
    const p = raw.startsWith(':') ? raw.slice(1) : raw;
    if (p === '*') all = true;
    else if (p.endsWith('/*')) namespaces.add(p.slice(0, -2));
    else exact.add(p);
  }
  return (ident) => {
    if (all || exact.has(ident)) return true;
    const slash = ident.lastIndexOf('/');
    return slash > 0 && namespaces.has(ident.slice(0, slash));
  };
}

/**
 * Options of {@link selectAttributes}.
 *
 * @example
 * ```ts
 * const options: SelectAttributesOptions = { include: ['user/*'], exclude: ['user/password'] }
 * ```
 */
export interface SelectAttributesOptions {
  /** Only these attributes are copied (default: all). */
  readonly include?: AttributePatterns;
  /** These attributes are not copied; an exclude wins over an include. */
  readonly exclude?: AttributePatterns;
}

/**
 * A pipeline stage that keeps the datoms of some attributes only (data only: the schema is always
 * copied whole, so excluded attributes still exist, empty, in the destination).
 *
 * @example
 * ```ts
 * await currentStateRestore({ sourceDb, destConn, transforms: [selectAttributes({ exclude: ['user/password'] })] })
 * ```
 */
export function selectAttributes(options: SelectAttributesOptions): DatomTransform {
  const inc = options.include === undefined ? null : attributeMatcher(options.include);
  const exc = options.exclude === undefined ? null : attributeMatcher(options.exclude);
  const memo = new Map<string, boolean>();
  const keep = (ident: string): boolean => {
    let k = memo.get(ident);
    if (k === undefined) {
      k = (inc === null || inc(ident)) && (exc === null || !exc(ident));
      memo.set(ident, k);
    }
    return k;
  };
  return (datoms, ctx) => {
    let all = true;
    for (const d of datoms) if (!keep(ctx.ident(d.a))) all = false;
    return all ? datoms : datoms.filter((d) => keep(ctx.ident(d.a)));
  };
}
