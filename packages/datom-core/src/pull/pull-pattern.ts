/**
 * A pull pattern in JS form: attribute names (`'person/name'`, `'*'`, reverse `'person/_friends'`),
 * maps for nested patterns (`{ 'person/friends': ['person/name'] }`), and attribute specs with
 * options: `['person/friends', { as: 'friends', limit: 10, default: [] }]`. EDN text is accepted too.
 */
export type PullPattern = readonly PullElement[];

/** One element of a {@link PullPattern}. */
export type PullElement =
  | string
  | readonly [string, PullAttrOptions]
  | { readonly [attr: string]: PullPattern | number | '...' };

/** Options of one pulled attribute. */
export interface PullAttrOptions {
  readonly as?: string;
  readonly limit?: number | null;
  readonly default?: unknown;
}

/** What pull returns for one entity: attribute names (or their `as`) to values, and `'db/id'`. */
export interface PullResult {
  readonly [key: string]: unknown;
}
