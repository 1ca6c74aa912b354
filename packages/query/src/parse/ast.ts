/**
 * The parsed form of a query. Every clause keeps its EDN `text`, which errors and `explain` name.
 */

/** A term of a clause: a variable, a constant, `_`, or a source (`$`, `$name`). */
export type Term =
  | { readonly kind: 'var'; readonly name: string }
  | { readonly kind: 'const'; readonly value: unknown }
  | { readonly kind: 'blank' }
  | { readonly kind: 'src'; readonly name: string };

/** How a function expression's result, or an input, binds variables (`null` for `_`). */
export type Binding =
  | { readonly kind: 'scalar'; readonly name: string | null }
  | { readonly kind: 'tuple'; readonly names: readonly (string | null)[] }
  | { readonly kind: 'coll'; readonly name: string | null }
  | { readonly kind: 'rel'; readonly names: readonly (string | null)[] };

/** A data pattern `[$src e a v tx added]`; missing trailing positions are blanks. */
export interface PatternClause {
  readonly kind: 'pattern';
  readonly src: string;
  readonly terms: readonly Term[];
  readonly text: string;
}

/** A predicate `[(f args...)]`. */
export interface PredClause {
  readonly kind: 'pred';
  readonly fn: string;
  readonly args: readonly Term[];
  readonly text: string;
}

/** A function expression `[(f args...) binding]`. */
export interface FnClause {
  readonly kind: 'fn';
  readonly fn: string;
  readonly args: readonly Term[];
  readonly binding: Binding;
  readonly text: string;
}

/** `(not ...)` or `(not-join [vars] ...)`: `vars` are the join variables. */
export interface NotClause {
  readonly kind: 'not';
  readonly src: string;
  readonly vars: readonly string[];
  /** True for not-join, whose variables must all be bound before it runs. */
  readonly explicit: boolean;
  readonly clauses: readonly Clause[];
  readonly text: string;
}

/** `(or ...)` or `(or-join [[required] free] ...)`: each branch is a list of clauses (an `and`). */
export interface OrClause {
  readonly kind: 'or';
  readonly src: string;
  readonly required: readonly string[];
  readonly vars: readonly string[];
  readonly branches: readonly (readonly Clause[])[];
  readonly text: string;
}

/** A rule call `($src name args...)`. */
export interface RuleClause {
  readonly kind: 'rule';
  readonly src: string;
  readonly name: string;
  readonly args: readonly Term[];
  readonly text: string;
}

/** A `:where` clause. */
export type Clause = PatternClause | PredClause | FnClause | NotClause | OrClause | RuleClause;

/** One rule definition `[(name [required] args...) clauses...]`. */
export interface Rule {
  readonly name: string;
  readonly required: readonly string[];
  readonly vars: readonly string[];
  readonly clauses: readonly Clause[];
  readonly text: string;
}

/** An element of `:find`. */
export type FindElement =
  | { readonly kind: 'var'; readonly name: string }
  | { readonly kind: 'pull'; readonly src: string; readonly name: string; readonly pattern: Term }
  | { readonly kind: 'agg'; readonly fn: string; readonly args: readonly Term[]; readonly name: string; readonly text: string };

/** The shape of the result. */
export type FindKind = 'rel' | 'scalar' | 'coll' | 'tuple';

/** An `:in` element. */
export type Input = { readonly kind: 'src'; readonly name: string } | { readonly kind: 'rules' } | { readonly kind: 'binding'; readonly binding: Binding };

/** A whole query. */
export interface Query {
  readonly find: readonly FindElement[];
  readonly findKind: FindKind;
  /** `:keys`, `:syms` or `:strs` names, with which one. */
  readonly returnMap: { readonly kind: 'keys' | 'syms' | 'strs'; readonly names: readonly string[] } | null;
  readonly with: readonly string[];
  readonly in: readonly Input[];
  readonly where: readonly Clause[];
  readonly text: string;
}
