import { splitQualifiedName } from './qualified-name.js';

/**
 * An EDN symbol such as `my.app/backfill` (Datomic's `:db.type/symbol`). Kept apart from strings
 * and keywords so that EDN round-trips exactly.
 *
 * @example
 * ```ts
 * sym('my.app/backfill').namespace // 'my.app'
 * ```
 */
export class Sym {
  /** The full name, `my.app/backfill`. */
  readonly fqn: string;
  /** The part before the slash, or `null`. */
  readonly namespace: string | null;
  /** The part after the slash. */
  readonly name: string;

  constructor(fqn: string) {
    if (fqn.length === 0) throw new TypeError('A symbol needs a name');
    this.fqn = fqn;
    const { namespace, name } = splitQualifiedName(fqn);
    this.namespace = namespace;
    this.name = name;
    Object.freeze(this);
  }

  /** The EDN form. */
  toString(): string {
    return this.fqn;
  }

  /** JSON form: the EDN text. */
  toJSON(): string {
    return this.fqn;
  }
}

/** Makes a {@link Sym}. @example `sym('clojure.core/inc')` */
export function sym(fqn: string): Sym {
  return new Sym(fqn);
}
