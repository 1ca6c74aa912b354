import { splitQualifiedName } from './qualified-name.js';

const interned = new Map<string, Keyword>();

/**
 * An EDN keyword such as `:person/name`. Keywords are interned, so two keywords with the same name
 * are the same object and `===` compares them.
 *
 * @example
 * ```ts
 * kw('person/name') === kw(':person/name') // true
 * kw('person/name').namespace              // 'person'
 * ```
 */
export class Keyword {
  /** The name without the leading colon: `person/name`. */
  readonly fqn: string;
  /** The part before the slash, or `null` for a keyword without namespace. */
  readonly namespace: string | null;
  /** The part after the slash. */
  readonly name: string;

  private constructor(fqn: string) {
    this.fqn = fqn;
    const { namespace, name } = splitQualifiedName(fqn);
    this.namespace = namespace;
    this.name = name;
    Object.freeze(this);
  }

  /** Interns `fqn` (with or without a leading colon). */
  static of(fqn: string): Keyword {
    const key = fqn.startsWith(':') ? fqn.slice(1) : fqn;
    let k = interned.get(key);
    if (k === undefined) {
      if (key.length === 0) throw new TypeError('A keyword needs a name');
      k = new Keyword(key);
      interned.set(key, k);
    }
    return k;
  }

  /** The EDN form, `:person/name`. */
  toString(): string {
    return `:${this.fqn}`;
  }

  /** JSON form: the EDN text. */
  toJSON(): string {
    return this.toString();
  }
}

/**
 * Shorthand for {@link Keyword.of}.
 *
 * @example
 * ```ts
 * conn.transact([{ 'db/ident': kw('color/red') }])
 * ```
 */
export function kw(fqn: string): Keyword {
  return Keyword.of(fqn);
}

/** True when `x` is a {@link Keyword}. @example `isKeyword(kw('a')) // true` */
export function isKeyword(x: unknown): x is Keyword {
  return x instanceof Keyword;
}
