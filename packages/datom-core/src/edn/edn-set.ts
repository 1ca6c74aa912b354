import { EdnCollection } from './edn-collection.js';

/**
 * An EDN set, `#{a b c}`. Its elements are kept in source order and are distinct by value (see
 * `ednEquals`): the reader rejects `#{1 1}`. The constructor trusts its caller and does not check, so
 * build sets of values you know to be distinct, or read them.
 *
 * @example
 * ```ts
 * parseEdn('#{:a :b}') // EdnSet { items: [kw('a'), kw('b')] }
 * printEdn(new EdnSet([kw('a'), kw('b')])) // '#{:a :b}'
 * ```
 */
export class EdnSet extends EdnCollection {}
