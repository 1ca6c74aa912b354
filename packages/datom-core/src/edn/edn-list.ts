import { EdnCollection } from './edn-collection.js';

/**
 * An EDN list, `(a b c)`. Kept apart from a vector (a JS array) so that EDN round-trips: transaction
 * functions and Datalog forms are lists, tuples and transaction data are vectors.
 *
 * @example
 * ```ts
 * parseEdn('(inc 1)') // EdnList { items: [Sym(inc), 1] }
 * printEdn(new EdnList([sym('inc'), 1])) // '(inc 1)'
 * ```
 */
export class EdnList extends EdnCollection {}
