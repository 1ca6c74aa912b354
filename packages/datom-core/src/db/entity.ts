import { DatomError } from '../error/datom-error.js';
import { Keyword } from '../model/keyword.js';
import type { Value } from '../model/value.js';
import type { AttrInfo } from '../schema/schema.js';
import type { AttrRef, Database } from './database.js';
import type { DbValue } from './db-value.js';

/**
 * What {@link Entity.get} gives for an attribute: a value; an {@link Entity} for a ref (a
 * {@link Keyword} when the entity referred to has an ident, as Datomic gives enums); a frozen array
 * of these for a cardinality-many attribute or a reverse ref; `null` when the entity has none.
 */
export type EntityValue = Value | Entity | readonly (Value | Entity)[];

/**
 * A lazy, immutable view of one entity of one database value, as Datomic's and DataScript's
 * `entity`: attributes are read from the indexes when first asked for and kept. Get one with
 * `db.entity(eid | ident | lookupRef)`.
 *
 * Reads are synchronous: datom-core's indexes answer every read synchronously (pages of a durable
 * database load synchronously into the page cache), so walking from entity to entity needs no
 * `await` per step.
 *
 * @example
 * ```ts
 * const ann = db.entity(['person/email', 'ann@x'])!
 * ann.get('person/name')                                  // 'Ann'
 * const friends = ann.get('person/friends') as Entity[]   // entities, read when asked for
 * friends[0]?.get('person/_friends')                      // who points at that friend
 * ann.touch().toJSON()                                    // every attribute, components nested
 * ```
 */
export interface Entity {
  /** The database value this entity was read from; every read answers as of it. */
  readonly db: Database;
  /** The entity id (also `get('db/id')`). */
  readonly eid: number;
  /**
   * The value of `attr` (an ident as `'ns/name'`, `':ns/name'` or a {@link Keyword}, or an attribute
   * id): see {@link EntityValue}. `'ns/_name'` gives the entities whose ref `ns/name` points here (the
   * one owner for a component attribute). `'db/id'` gives the entity id. An attribute the schema
   * does not have is a `schema/unknown-attribute` error, as in pull.
   */
  get(attr: AttrRef): EntityValue | null;
  /** True when `get(attr)` is not `null`. */
  has(attr: AttrRef): boolean;
  /** The idents (`'ns/name'`) of the attributes this entity has, in attribute id order. */
  keys(): readonly string[];
  /** Reads every attribute now, and touches component entities recursively. Returns this entity. */
  touch(): Entity;
  /** True for an entity with the same id read from the same database value. */
  equals(other: unknown): boolean;
  /**
   * The attributes read so far (all of them after {@link Entity.touch}) as a plain object keyed by
   * ident, with `db/id`: refs as `{ 'db/id': eid }`, ident refs as keywords, and touched component
   * entities nested.
   */
  toJSON(): Record<string, unknown>;
}

const NO_VALUE = Symbol('no value');
type Cached = EntityValue | typeof NO_VALUE;

/** An attribute named in a `get`: the attribute, and whether it is read in reverse. */
interface Named {
  readonly attr: AttrInfo;
  readonly reverse: boolean;
}

function nameOf(attr: AttrRef): string | null {
  if (typeof attr === 'string') return attr.startsWith(':') ? attr.slice(1) : attr;
  if (attr instanceof Keyword) return attr.fqn;
  return null;
}

/** Same entity id, same database value (the same state under the same filters). */
function sameDb(a: DbValue, b: DbValue): boolean {
  return (
    a === b || (a.state === b.state && a.asOfT === b.asOfT && a.sinceT === b.sinceT && a.isHistory === b.isHistory)
  );
}

class LazyEntity implements Entity {
  readonly #db: DbValue;
  readonly #e: number;
  /** Values read so far, by attribute id (negative for reverse). */
  readonly #cache = new Map<number, Cached>();
  #touched = false;

  constructor(db: DbValue, e: number) {
    this.#db = db;
    this.#e = e;
    Object.freeze(this);
  }

  get db(): Database {
    return this.#db;
  }

  get eid(): number {
    return this.#e;
  }

  #name(attr: AttrRef): Named | 'db/id' {
    if (typeof attr === 'number') {
      const a = this.#db.attrInfo(attr);
      return { attr: a, reverse: false };
    }
    const name = nameOf(attr);
    if (name === null) {
      throw new DatomError('db/arg', `An attribute is named by a keyword, a string or an attribute id, got ${String(attr)}`, { data: { attribute: String(attr) } });
    }
    if (name === 'db/id') return 'db/id';
    const slash = name.indexOf('/_');
    if (slash <= 0) {
      const a = this.#db.attrInfo(name);
      return { attr: a, reverse: false };
    }
    const a = this.#db.attrInfo(`${name.slice(0, slash)}/${name.slice(slash + 2)}`);
    if (!a.isRef) {
      throw new DatomError('db/arg', `Reverse attribute :${name} names :${a.ident.fqn}, which is not a ref attribute`, { data: { attribute: `:${name}` } });
    }
    return { attr: a, reverse: true };
  }

  get(attr: AttrRef): EntityValue | null {
    const named = this.#name(attr);
    if (named === 'db/id') return this.#e;
    const v = this.#read(named.attr, named.reverse);
    return v === NO_VALUE ? null : v;
  }

  has(attr: AttrRef): boolean {
    return this.get(attr) !== null;
  }

  #read(a: AttrInfo, reverse: boolean): Cached {
    const slot = reverse ? -a.id : a.id;
    let v = this.#cache.get(slot);
    if (v === undefined) {
      v = reverse ? this.#readReverse(a) : this.#readForward(a);
      this.#cache.set(slot, v);
    }
    return v;
  }

  #readForward(a: AttrInfo): Cached {
    const ds = this.#db.scanDatoms('eavt', [this.#e, a.id], a.many ? Number.POSITIVE_INFINITY : 1);
    if (ds.length === 0) return NO_VALUE;
    const vals = ds.map((d) => (a.isRef ? this.#ref(d.v as number, a.isComponent) : d.v));
    return a.many ? Object.freeze(vals) : (vals[0] as EntityValue);
  }

  #readReverse(a: AttrInfo): Cached {
    const ds = this.#db.scanDatoms('vaet', [this.#e, a.id], a.isComponent ? 1 : Number.POSITIVE_INFINITY);
    if (ds.length === 0) return NO_VALUE;
    const owners = ds.map((d) => new LazyEntity(this.#db, d.e));
    // A component has one owner (as pull and Datomic give it).
    return a.isComponent ? (owners[0] as Entity) : Object.freeze(owners);
  }

  /** A ref value: the entity, or its ident when it has one (components are always entities). */
  #ref(e: number, component: boolean): Entity | Keyword {
    if (!component) {
      const ident = this.#db.ident(e);
      if (ident !== null) return ident;
    }
    return new LazyEntity(this.#db, e);
  }

  keys(): readonly string[] {
    const out: string[] = [];
    let last = -1;
    for (const d of this.#db.scanDatoms('eavt', [this.#e])) {
      if (d.a === last) continue;
      last = d.a;
      out.push(this.#db.attrInfo(d.a).ident.fqn);
    }
    return Object.freeze(out);
  }

  touch(): Entity {
    this.#touch(new Set());
    return this;
  }

  #touch(seen: Set<number>): void {
    seen.add(this.#e);
    if (!this.#touched) {
      const ds = this.#db.scanDatoms('eavt', [this.#e]);
      let i = 0;
      while (i < ds.length) {
        const aid = (ds[i] as { a: number }).a;
        const a = this.#db.attrInfo(aid);
        let j = i;
        while (j < ds.length && (ds[j] as { a: number }).a === aid) j++;
        if (!this.#cache.has(a.id)) {
          const vals = ds.slice(i, j).map((d) => (a.isRef ? this.#ref(d.v as number, a.isComponent) : d.v));
          this.#cache.set(a.id, a.many ? Object.freeze(vals) : (vals[0] as EntityValue));
        }
        i = j;
      }
      this.#touched = true;
    }
    for (const [slot, v] of this.#cache) {
      if (slot <= 0 || v === NO_VALUE || !this.#db.attrInfo(slot).isComponent) continue;
      for (const c of Array.isArray(v) ? v : [v]) {
        if (c instanceof LazyEntity && !seen.has(c.#e)) c.#touch(seen);
      }
    }
  }

  equals(other: unknown): boolean {
    return other instanceof LazyEntity && other.#e === this.#e && sameDb(other.#db, this.#db);
  }

  toJSON(): Record<string, unknown> {
    return this.#json(new Set());
  }

  #json(path: Set<number>): Record<string, unknown> {
    const out: Record<string, unknown> = { 'db/id': this.#e };
    const inner = new Set(path).add(this.#e);
    const slots = [...this.#cache.keys()].filter((s) => s > 0 && this.#cache.get(s) !== NO_VALUE).sort((x, y) => x - y);
    for (const s of slots) {
      const a = this.#db.attrInfo(s);
      const one = (v: unknown): unknown => {
        if (!(v instanceof LazyEntity)) return v;
        return a.isComponent && v.#touched && !inner.has(v.#e) ? v.#json(inner) : { 'db/id': v.#e };
      };
      const v = this.#cache.get(s);
      out[a.ident.fqn] = Array.isArray(v) ? v.map(one) : one(v);
    }
    return out;
  }

  /** Datomic prints an entity as its id: `#:db{:id 1000}`. */
  toString(): string {
    return `#:db{:id ${this.#e}}`;
  }
}

/**
 * The entity `e` of `db`, or `null` when `e` has no datoms there (internal: `db.entity` resolves
 * the reference).
 */
export function entityOf(db: DbValue, e: number): Entity | null {
  if (db.isHistory) {
    throw new DatomError('db/arg', 'An entity needs a database value that is not a history value: use asOf to see an entity at a point in time', {
      data: { eid: e },
    });
  }
  if (e === -1 || db.scanRows('eavt', [e], 1).length === 0) return null;
  return new LazyEntity(db, e);
}
