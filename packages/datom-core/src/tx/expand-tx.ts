import { DatomError } from '../error/datom-error.js';
import { EdnSet } from '../edn/edn-set.js';
import { Keyword } from '../model/keyword.js';
import { compareValues, type Value } from '../model/value.js';
import type { DbState } from '../db/db-state.js';
import { currentRows, entityWith, liveRowsOf } from '../db/lookup.js';
import { FIRST_USER_EID, TX_BASE, tToTx } from '../schema/bootstrap.js';
import { coerceScalar, coerceTuple } from '../schema/coerce-value.js';
import type { AttrInfo } from '../schema/schema.js';
import { formToString, isEdnList } from './form-utils.js';
import type { Op } from './op.js';

/** The tempid naming the transaction entity. */
export const TX_TEMPID = 'datomic.tx';

/** Named tempids up to this many are found by a scan of their names; past it, through a Map. */
const SCAN_NAMES = 8;

/** Tempids of one transaction: negative numbers standing for entities yet to be resolved. */
export class Tempids {
  /**
   * A live object of this class, kept for the reason `Filler.kept` (db/column-read.ts) gives: one
   * is made per transaction, and a full collection between two transactions (an idle process's, or
   * the bench's before each sample) took the last one, and with it the optimized transaction code.
   */
  static readonly kept: Tempids = new Tempids();
  /** Made once a transaction names more tempids than a scan finds quickly: most never need it. */
  #byName: Map<string, number> | null = null;
  /** Name of each tempid (index `-id - 1`); implicit tempids have `null`. */
  readonly names: (string | null)[] = [];
  /** Whether each tempid appears in entity position. */
  readonly asEntity: boolean[] = [];

  /** The id of named tempid `name`. */
  named(name: string): number {
    const names = this.names;
    let byName = this.#byName;
    if (byName === null) {
      for (let i = 0; i < names.length; i++) if (names[i] === name) return -(i + 1);
      if (names.length >= SCAN_NAMES) {
        byName = this.#byName = new Map();
        for (let i = 0; i < names.length; i++) {
          const n = names[i];
          if (n !== null && n !== undefined) byName.set(n, -(i + 1));
        }
      }
    }
    if (byName !== null) {
      const id = byName.get(name);
      if (id !== undefined) return id;
    }
    names.push(name);
    this.asEntity.push(false);
    const id = -names.length;
    byName?.set(name, id);
    return id;
  }

  /** A fresh tempid for a map form without `db/id`. */
  implicit(): number {
    this.names.push(null);
    this.asEntity.push(true);
    return -this.names.length;
  }

  get size(): number {
    return this.names.length;
  }
}

const BUILTIN = new Set([
  'db/add',
  'db/retract',
  'db/retractEntity',
  'db.fn/retractEntity',
  'db/cas',
  'db.fn/cas',
  'db.fn/retractAttribute',
]);

/** True when `name` is one of the built-in operations. */
export function isBuiltinOp(name: string): boolean {
  return BUILTIN.has(name);
}

/** The operation name of a list form, without colon. */
export function opName(x: unknown): string | null {
  if (typeof x === 'string') return x.startsWith(':') ? x.slice(1) : x;
  if (x instanceof Keyword) return x.fqn;
  return null;
}

function syntax(message: string, form: unknown, extra: Record<string, unknown> = {}): DatomError {
  return new DatomError('transact/syntax', message, { data: { form: formToString(form), ...extra } });
}

function isPlainObject(x: unknown): x is Record<string, unknown> {
  if (typeof x !== 'object' || x === null || Array.isArray(x)) return false;
  const p = Object.getPrototypeOf(x);
  return p === Object.prototype || p === null;
}

/** True when `x` is a map form: a plain object or a `Map`. */
export function isMapForm(x: unknown): x is Record<string, unknown> | Map<unknown, unknown> {
  return x instanceof Map || isPlainObject(x);
}

/** True for the key of a map form's `db/id`. */
function isIdKey(k: unknown): boolean {
  return k === 'db/id' || k === ':db/id' || (k instanceof Keyword && k.fqn === 'db/id');
}

/** What a map form's key names: an attribute, asserted on the map's entity or (reverse) on the value's. */
interface MapKey {
  readonly a: AttrInfo;
  readonly reverse: boolean;
}

/**
 * Expands transaction forms into datom operations against the database before the transaction:
 * map forms into one assertion per value (nested maps into their own entities, reverse keys into
 * assertions on the other entity), list forms as they are, `retractEntity`, value-less retract and
 * `cas` into the retractions and assertions they mean. Idents and lookup refs are resolved here;
 * tempids become negative numbers for {@link resolveTempids}.
 */
export class TxExpander {
  /**
   * A live expander and map key, kept as {@link Tempids.kept} is. The tx entity id is a double, as
   * every real one is: a field's shape follows the kind of number it first held, and a kept object
   * made with a small integer there would not share the real ones' shape.
   */
  static readonly kept: TxExpander = new TxExpander(null as unknown as DbState, tToTx(1));
  static readonly keptKey: MapKey = { a: null as unknown as AttrInfo, reverse: false };
  readonly ops: Op[] = [];
  readonly tempids = new Tempids();
  /** The map keys seen so far (see {@link TxExpander.#mapKey}); made by the first map form. */
  #mapKeys: Map<unknown, MapKey> | null = null;

  constructor(
    readonly db: DbState,
    readonly txEid: number,
  ) {}

  /** Expands every form. */
  expandAll(forms: readonly unknown[]): void {
    for (let i = 0; i < forms.length; i++) this.expandForm(forms[i]);
  }

  expandForm(form: unknown): void {
    if (Array.isArray(form)) this.#expandList(form, form);
    else if (isEdnList(form)) this.#expandList(form.items, form);
    else if (isMapForm(form)) this.#expandMap(form, false);
    else throw syntax(`A transaction form must be a map or a list, got ${formToString(form)}`, form);
  }

  /** The attribute named by `key`. */
  attr(key: unknown, form: unknown): AttrInfo {
    let name: string;
    if (typeof key === 'string') name = key.startsWith(':') ? key.slice(1) : key;
    else if (key instanceof Keyword) name = key.fqn;
    else if (typeof key === 'number') {
      const a = this.db.schema.attr(key);
      if (a === undefined) throw unknownAttr(String(key), form);
      return a;
    } else throw syntax(`An attribute must be a keyword, got ${formToString(key)}`, form);
    const a = this.db.schema.attrByIdent(name);
    if (a === undefined) throw unknownAttr(name, form);
    return a;
  }

  /** Resolves an entity position: an eid, a tempid, an ident or a lookup ref. */
  entity(x: unknown, form: unknown, allowTempid: boolean): number {
    if (typeof x === 'number') return this.#eid(x, form);
    if (typeof x === 'string') {
      if (x === TX_TEMPID) return this.txEid;
      if (!allowTempid) throw new DatomError('transact/tempid', `Tempid "${x}" cannot be used here: it names no existing entity`, { data: { tempid: x, form: formToString(form) } });
      return this.tempids.named(x);
    }
    if (x instanceof Keyword) {
      const e = this.db.schema.identEid(x.fqn);
      if (e === undefined) {
        throw new DatomError('transact/entity', `Ident ${String(x)} names no entity`, { data: { ident: String(x), form: formToString(form) } });
      }
      return e;
    }
    if (Array.isArray(x) && x.length === 2) return this.lookupRef(x, form);
    throw syntax(`Not an entity id, tempid, ident or lookup ref: ${formToString(x)}`, form);
  }

  #eid(x: number, form: unknown): number {
    if (!Number.isSafeInteger(x) || x <= 0) {
      throw new DatomError('transact/entity', `Entity id ${x} is not a positive safe integer`, { data: { entity: x, form: formToString(form) } });
    }
    const valid = x < FIRST_USER_EID || x <= this.db.maxEid || (x >= TX_BASE && x <= this.txEid);
    if (!valid) {
      throw new DatomError('transact/entity', `Entity id ${x} was never allocated; use a tempid to create an entity`, {
        data: { entity: x, form: formToString(form) },
      });
    }
    return x;
  }

  /** Resolves `[uniqueAttr, value]` against the database before the transaction. */
  lookupRef(x: readonly unknown[], form: unknown): number {
    const a = this.attr(x[0], form);
    if (a.unique === null) {
      throw new DatomError('transact/lookup-ref', `Lookup ref attribute :${a.ident.fqn} is not unique`, {
        data: { lookupRef: formToString(x), form: formToString(form) },
      });
    }
    const v = a.isRef ? this.entity(x[1], form, false) : a.tupleAttrs !== null ? this.#compositeValue(a, x[1], form) : this.scalar(a, x[1]);
    const e = entityWith(this.db, a.id, v);
    if (e === -1) {
      throw new DatomError('transact/lookup-ref', `Lookup ref ${formToString(x)} finds no entity`, {
        data: { lookupRef: formToString(x), form: formToString(form) },
      });
    }
    return e;
  }

  /** A composite tuple value given in a lookup ref: each element checked as its source attribute. */
  #compositeValue(a: AttrInfo, v: unknown, form: unknown): Value {
    const parts = a.tupleAttrs as readonly number[];
    if (!Array.isArray(v) || v.length !== parts.length) {
      throw new DatomError('transact/type', `Value ${formToString(v)} is not a valid tuple for attribute :${a.ident.fqn}`, {
        data: { attribute: `:${a.ident.fqn}`, value: formToString(v), form: formToString(form) },
      });
    }
    return Object.freeze(
      parts.map((pid, i) => {
        const x: unknown = v[i];
        if (x === null || x === undefined) return null;
        const pa = this.attr(pid, form);
        return (pa.isRef ? this.entity(x, form, false) : this.scalar(pa, x)) as Exclude<Value, readonly unknown[]>;
      }),
    );
  }

  /** Checks and converts a non-ref value of attribute `a`. */
  scalar(a: AttrInfo, v: unknown): Value {
    if (a.valueType === 'tuple') {
      if (a.tupleType !== null) return coerceTuple(a.ident.fqn, [a.tupleType], v, true);
      if (a.tupleTypes !== null) return coerceTuple(a.ident.fqn, a.tupleTypes, v, false);
      throw new DatomError('transact/syntax', `Composite tuple :${a.ident.fqn} is kept by the database and cannot be asserted`, {
        data: { attribute: `:${a.ident.fqn}` },
      });
    }
    return coerceScalar(a.ident.fqn, a.valueType, v);
  }

  /** The value of one assertion: an entity for refs (nested maps not allowed), else a scalar. */
  #value(a: AttrInfo, v: unknown, form: unknown): Value {
    if (v === null || v === undefined) {
      throw new DatomError('transact/type', `Cannot assert nil for attribute :${a.ident.fqn}`, {
        data: { attribute: `:${a.ident.fqn}`, form: formToString(form) },
      });
    }
    return a.isRef ? this.entity(v, form, true) : this.scalar(a, v);
  }

  #push(add: boolean, e: number, a: AttrInfo, v: Value, form: unknown, row = -1): void {
    this.ops.push({ add, e, a, v, form, row });
  }

  #expandMap(m: Record<string, unknown> | Map<unknown, unknown>, nestedUnder: AttrInfo | false): number {
    // Keys, and values read by key: entry pairs cost an array each, for every key of every map.
    const isMap = m instanceof Map;
    const keys: readonly unknown[] = isMap ? [...m.keys()] : Object.keys(m);
    const valueAt = (k: unknown): unknown => (isMap ? m.get(k) : (m as Record<string, unknown>)[k as string]);
    let idValue: unknown;
    let hasId = false;
    for (let i = 0; i < keys.length; i++) {
      const k = keys[i];
      if (isIdKey(k)) {
        idValue = valueAt(k);
        hasId = true;
      }
    }
    let e: number;
    if (hasId) {
      e = this.entity(idValue, m, true);
      if (e < 0) this.tempids.asEntity[-e - 1] = true;
    } else e = this.tempids.implicit();
    if (nestedUnder !== false && !nestedUnder.isComponent && !hasId) {
      let ok = false;
      for (const k of keys) {
        const name = typeof k === 'string' ? k : k instanceof Keyword ? k.fqn : '';
        if (name.includes('/_')) continue;
        const a = this.attr(k, m);
        if (a.unique !== null) ok = true;
      }
      if (!ok) {
        throw syntax(
          `A nested map under :${nestedUnder.ident.fqn} needs a unique attribute, a db/id, or the attribute to be a component`,
          m,
        );
      }
    }
    for (let i = 0; i < keys.length; i++) {
      const k = keys[i];
      if (isIdKey(k)) continue;
      const raw = valueAt(k);
      const { a, reverse } = this.#mapKey(k, m);
      if (reverse) {
        for (const x of this.#values(a, raw, true)) {
          const other = isMapForm(x) ? this.#expandMap(x, a) : this.entity(x, m, true);
          if (other < 0) this.tempids.asEntity[-other - 1] = true;
          this.#push(true, other, a, e, m);
        }
        continue;
      }
      // A cardinality-one value is the value itself (no list of one to make).
      if (!a.many) this.#assertValue(e, a, raw, m);
      else for (const x of this.#values(a, raw, false)) this.#assertValue(e, a, x, m);
    }
    return e;
  }

  /**
   * The attribute a map key names, and whether it is a reverse key (`:x/_y`): worked out once per
   * transaction for each key (a transaction of many entities repeats the same few keys).
   */
  #mapKey(k: unknown, m: unknown): MapKey {
    const keys = (this.#mapKeys ??= new Map());
    let mk = keys.get(k);
    if (mk !== undefined) return mk;
    const name = typeof k === 'string' ? (k.startsWith(':') ? k.slice(1) : k) : k instanceof Keyword ? k.fqn : null;
    const slash = name === null ? -1 : name.indexOf('/_');
    if (name !== null && slash > 0) {
      const a = this.attr(`${name.slice(0, slash)}/${name.slice(slash + 2)}`, m);
      if (!a.isRef) throw syntax(`Reverse attribute ${name} names a non-ref attribute`, m);
      mk = { a, reverse: true };
    } else mk = { a: this.attr(k, m), reverse: false };
    keys.set(k, mk);
    return mk;
  }

  /** Asserts value `x` of `a` for `e` from map `m`: a nested map under a ref is an entity of its own. */
  #assertValue(e: number, a: AttrInfo, x: unknown, m: unknown): void {
    if (a.isRef && isMapForm(x)) this.#push(true, e, a, this.#expandMap(x, a), m);
    else this.#push(true, e, a, this.#value(a, x, m), m);
  }

  /** The values of one map entry: one for cardinality one, each element of a collection for many. */
  #values(a: AttrInfo, raw: unknown, reverse: boolean): readonly unknown[] {
    const many = reverse || a.many;
    if (!many) return [raw];
    if (raw instanceof Set) return [...raw];
    if (raw instanceof EdnSet) return raw.items;
    if (isEdnList(raw)) return raw.items;
    if (!Array.isArray(raw)) return [raw];
    if (a.valueType === 'tuple') return raw.length > 0 && Array.isArray(raw[0]) ? raw : [raw];
    // `[:attr value]` under a many ref is a lookup ref when :attr is a unique attribute.
    if (a.isRef && raw.length === 2 && raw[0] instanceof Keyword) {
      const la = this.db.schema.attrByIdent(raw[0].fqn);
      if (la !== undefined && la.unique !== null) return [raw];
    }
    return raw;
  }

  #expandList(items: readonly unknown[], form: unknown): void {
    const name = opName(items[0]);
    switch (name) {
      case 'db/add': {
        if (items.length !== 4) throw syntax('db/add takes an entity, an attribute and a value', form);
        const a = this.attr(items[2], form);
        const e = this.entity(items[1], form, true);
        if (e < 0) this.tempids.asEntity[-e - 1] = true;
        this.#push(true, e, a, this.#value(a, items[3], form), form);
        return;
      }
      case 'db/retract':
      case 'db.fn/retractAttribute': {
        const withValue = name === 'db/retract' && items.length === 4;
        if (!withValue && items.length !== 3) throw syntax(`${name} takes an entity, an attribute and (for db/retract) a value`, form);
        const a = this.attr(items[2], form);
        const e = this.entity(items[1], form, false);
        if (withValue) {
          const v = a.isRef ? this.entity(items[3], form, false) : this.scalar(a, items[3]);
          this.#push(false, e, a, v, form);
        } else {
          for (const r of liveRowsOf(this.db, e, a.id)) this.#push(false, e, a, this.db.table.v(r), form, r);
        }
        return;
      }
      case 'db/retractEntity':
      case 'db.fn/retractEntity': {
        if (items.length !== 2) throw syntax(`${name} takes one entity`, form);
        this.#retractEntity(this.entity(items[1], form, false), form, null);
        return;
      }
      case 'db/cas':
      case 'db.fn/cas': {
        if (items.length !== 5) throw syntax('db/cas takes an entity, an attribute, the old value and the new value', form);
        const a = this.attr(items[2], form);
        if (a.many) throw syntax(`db/cas needs a cardinality-one attribute, :${a.ident.fqn} is many`, form);
        const e = this.entity(items[1], form, false);
        const old = items[3] === null || items[3] === undefined ? null : a.isRef ? this.entity(items[3], form, false) : this.scalar(a, items[3]);
        const rows = liveRowsOf(this.db, e, a.id);
        const current = rows.length === 0 ? null : this.db.table.v(rows[0] as number);
        const matches = old === null ? current === null : current !== null && compareValues(current, old) === 0;
        if (!matches) {
          throw new DatomError(
            'transact/cas',
            `Compare-and-set failed on :${a.ident.fqn} of entity ${e}: expected ${formToString(old)}, found ${formToString(current)}`,
            { data: { entity: e, attribute: `:${a.ident.fqn}`, expected: formToString(old), actual: formToString(current), form: formToString(form) } },
          );
        }
        this.#push(true, e, a, this.#value(a, items[4], form), form);
        return;
      }
      default:
        throw syntax(`Unknown operation ${formToString(items[0])}: register it as a transaction function`, form);
    }
  }

  /**
   * Retracts the datoms of `e`, the refs to it and, recursively, its components. `seen` holds the
   * entities already retracted through components (made once there are components to follow).
   */
  #retractEntity(e: number, form: unknown, seen: Set<number> | null): void {
    const { table: t, schema } = this.db;
    let components: number[] | null = null;
    const own = currentRows(this.db, 'eavt', [e]);
    for (let i = 0; i < own.length; i++) {
      const r = own[i] as number;
      const a = schema.attr(t.a(r)) as AttrInfo;
      if (a.tupleAttrs !== null) continue;
      this.#push(false, e, a, t.v(r), form, r);
      if (a.isComponent) (components ??= []).push(t.v(r) as number);
    }
    const refs = currentRows(this.db, 'vaet', [e]);
    for (let i = 0; i < refs.length; i++) {
      const r = refs[i] as number;
      const a = schema.attr(t.a(r)) as AttrInfo;
      this.#push(false, t.e(r), a, e, form, r);
    }
    if (components === null) return;
    const done = seen ?? new Set([e]);
    for (const c of components) {
      if (done.has(c)) continue;
      done.add(c);
      this.#retractEntity(c, form, done);
    }
  }
}

function unknownAttr(name: string, form: unknown): DatomError {
  return new DatomError('schema/unknown-attribute', `Unknown attribute :${name}: transact its schema first`, {
    data: { attribute: `:${name}`, form: formToString(form) },
  });
}
